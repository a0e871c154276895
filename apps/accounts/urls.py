from django.urls import path

from apps.accounts import api

urlpatterns = [
    path("register/", api.RegisterApi.as_view(), name="auth-register"),
    path("login/", api.LoginApi.as_view(), name="auth-login"),
    path("refresh/", api.RefreshApi.as_view(), name="auth-refresh"),
    path("logout/", api.LogoutApi.as_view(), name="auth-logout"),
    path("me/", api.MeApi.as_view(), name="auth-me"),
    path("me/phone/send-code/", api.PhoneCodeApi.as_view(), name="auth-phone-send-code"),
    path("me/phone/verify/", api.PhoneVerifyApi.as_view(), name="auth-phone-verify"),
    path("password-reset/", api.PasswordResetApi.as_view(), name="auth-password-reset"),
    path("password-reset/confirm/", api.PasswordResetConfirmApi.as_view(), name="auth-password-reset-confirm"),
]
