from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class RevocableJWTScheme(SimpleJWTScheme):
    target_class = "apps.accounts.authentication.RevocableJWTAuthentication"
    name = "jwtAuth"
