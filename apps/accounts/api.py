from django.conf import settings
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from apps.accounts import phone as phone_verification
from apps.accounts import services
from apps.accounts.me import me_sections
from apps.accounts.models import User
from apps.core.envelope import enveloped_response
from apps.core.i18n import supported_language
from apps.core.throttling import (
    LoginThrottle,
    PasswordResetConfirmThrottle,
    PasswordResetThrottle,
    RegisterThrottle,
    UserRateThrottle,
)


class UserOutput(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.CharField()
    phone_verified = serializers.SerializerMethodField(help_text="SMS are sent only to a verified number")
    language = serializers.CharField(help_text="Language of notifications: en, es, or empty for the default")

    def get_phone_verified(self, obj) -> bool:
        value = obj.get("phone_verified_at") if isinstance(obj, dict) else obj.phone_verified_at
        return value is not None


class MembershipOutput(serializers.Serializer):
    id = serializers.UUIDField()
    organization = serializers.UUIDField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    club = serializers.UUIDField(source="club_id", allow_null=True)
    club_name = serializers.CharField(source="club.name", allow_null=True, default=None)
    club_slug = serializers.CharField(source="club.slug", allow_null=True, default=None)
    role = serializers.CharField()


def phone_field():
    # At least 7 digits (the shortest national numbers), spaces, dashes and brackets allowed.
    return serializers.RegexField(r"^\+?(?:[ ()-]*[0-9]){7,15}[ ()-]*$", max_length=32, required=False,
                                  allow_blank=True, help_text="For SMS notifications, international "
                                  "format (+52 55 1234 5678)",
                                  error_messages={"invalid": "Give a phone number, e.g. +52 55 1234 5678."})


def language_field():
    return serializers.ChoiceField(choices=settings.LANGUAGES, required=False, allow_blank=True,
                                   help_text="Language of notifications; empty for the default")


class MeOutput(UserOutput):
    memberships = MembershipOutput(many=True)
    staff_clubs = serializers.ListField(
        child=serializers.UUIDField(),
        help_text="Clubs this user runs: as club staff or owner, or as an admin of the club's organization")


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# Signing up and in, refreshing, resetting a password: no credentials are read, anyone may call.
# A comment, not a docstring: drf-spectacular would print a docstring as the operations' description.
class AnonymousApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []


class RegisterApi(AnonymousApi):
    throttle_classes = [RegisterThrottle]

    class RegisterInput(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
        first_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
        last_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
        language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, allow_blank=True,
                                           help_text="Defaults to the browser's language (Accept-Language)")

    @extend_schema(request=RegisterInput, responses={201: UserOutput}, auth=[])
    def post(self, request):
        data = self.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The browser's language, as LocaleMiddleware matched it, only when the browser sent one.
        browser = getattr(request, "LANGUAGE_CODE", "") if request.META.get("HTTP_ACCEPT_LANGUAGE") else ""
        fields = {"language": supported_language(browser), **data.validated_data}
        user = services.user_register(**fields)
        return enveloped_response(UserOutput(user).data, "Account created", status=201)


class LoginApi(AnonymousApi):
    throttle_classes = [LoginThrottle]

    class LoginInput(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    class LoginOutput(serializers.Serializer):
        access = serializers.CharField()
        refresh = serializers.CharField()
        user = UserOutput()

    @extend_schema(request=LoginInput, responses={200: LoginOutput}, auth=[])
    def post(self, request):
        data = self.LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user, tokens = services.user_login(ip_address=client_ip(request), **data.validated_data)
        return enveloped_response({**tokens, "user": UserOutput(user).data}, "Signed in")


class RefreshApi(AnonymousApi):
    throttle_classes = [UserRateThrottle]

    class RefreshInput(serializers.Serializer):
        refresh = serializers.CharField()

    class RefreshOutput(serializers.Serializer):
        access = serializers.CharField()
        refresh = serializers.CharField()

    def get_authenticate_header(self, request):
        # Without authenticators DRF would turn a refused token's 401 into 403.
        return 'Bearer realm="api"'

    @extend_schema(request=RefreshInput, responses={200: RefreshOutput}, auth=[])
    def post(self, request):
        data = self.RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        serializer = TokenRefreshSerializer(data=data.validated_data)
        # simplejwt's own view turns these into 401; called directly they would be 500s.
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:  # malformed, expired, blacklisted (rotated or logged out)
            raise InvalidToken({"detail": str(exc), "code": "token_not_valid"}) from exc
        except User.DoesNotExist as exc:  # the account was deleted after the token was issued
            raise InvalidToken({"detail": "The user of this token no longer exists",
                                "code": "token_not_valid"}) from exc
        return Response(serializer.validated_data)


class LogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    class LogoutInput(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(request=LogoutInput, responses={200: None})
    def post(self, request):
        data = self.LogoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_logout(user=request.user, refresh=data.validated_data["refresh"], access_token=request.auth)
        return enveloped_response(None, "Signed out")


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    class MeUpdateInput(serializers.Serializer):
        first_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
        last_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
        phone = phone_field()
        language = language_field()

    @staticmethod
    def _me(user):
        return MeOutput({
            "id": user.id, "email": user.email, "first_name": user.first_name, "last_name": user.last_name,
            "phone": user.phone, "phone_verified_at": user.phone_verified_at, "language": user.language,
            **me_sections(user),  # memberships, staff_clubs: registered by apps.organizations
        }).data

    @extend_schema(responses={200: MeOutput})
    def get(self, request):
        return Response(self._me(request.user))

    @extend_schema(request=MeUpdateInput, responses={200: MeOutput})
    def patch(self, request):
        data = self.MeUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, **data.validated_data)
        return enveloped_response(self._me(user), "Profile updated")


class PhoneCodeApi(APIView):
    """POST auth/me/phone/send-code/: a new verification code by SMS to the profile's number."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: None})
    def post(self, request):
        with transaction.atomic():
            phone_verification.phone_verification_start(user=request.user)
        return enveloped_response(None, "A code is on its way by SMS")


class PhoneVerifyApi(APIView):
    """POST auth/me/phone/verify/ {code}: proves the number; SMS notifications can then go to it."""

    permission_classes = [IsAuthenticated]

    class PhoneVerifyInput(serializers.Serializer):
        code = serializers.RegexField(r"^\s*[0-9]{6}\s*$", max_length=12,
                                      error_messages={"invalid": "The code has 6 digits."})

    @extend_schema(request=PhoneVerifyInput, responses={200: MeOutput})
    def post(self, request):
        data = self.PhoneVerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = phone_verification.phone_verification_confirm(user=request.user, code=data.validated_data["code"])
        return enveloped_response(MeApi._me(user), "Phone number verified")


class PasswordResetApi(AnonymousApi):
    throttle_classes = [PasswordResetThrottle]

    class PasswordResetInput(serializers.Serializer):
        email = serializers.EmailField(max_length=254)

    @extend_schema(request=PasswordResetInput, responses={200: None}, auth=[])
    def post(self, request):
        data = self.PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(email=data.validated_data["email"],
                                        reset_url_base=request.build_absolute_uri("/reset-password/"))
        return enveloped_response(None, "If that e-mail has an account, a reset link is on its way")


class PasswordResetConfirmApi(AnonymousApi):
    throttle_classes = [PasswordResetConfirmThrottle]

    class PasswordResetConfirmInput(serializers.Serializer):
        uid = serializers.CharField(max_length=64)
        token = serializers.CharField(max_length=128)
        new_password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=PasswordResetConfirmInput, responses={200: None}, auth=[])
    def post(self, request):
        data = self.PasswordResetConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_confirm(**data.validated_data)
        return enveloped_response(None, "Password changed")
