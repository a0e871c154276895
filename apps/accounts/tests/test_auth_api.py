"""CONTRACT §2 auth endpoints: register, login, refresh (rotating), logout, me, password reset."""
import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.accounts.models import LoginAttempt, RevokedAccessToken, User
from apps.organizations.models import Role
from tests.support.api import err, ok
from tests.support.factories import PASSWORD, ClubFactory, OrganizationFactory, UserFactory, admin_of, staff_of

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"
REFRESH = "/api/v1/auth/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/auth/me/"


def login(client, email, password=PASSWORD):
    return ok(client.post(LOGIN, {"email": email, "password": password}, format="json"))


def bearer(client, access):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


# --- register ---

def test_register_creates_user_and_answers_201_user():
    data = ok(APIClient().post(REGISTER, {"email": "Ana@Example.com", "password": "a-Long-pass-42",
                                          "first_name": "Ana", "last_name": "López"}, format="json"), 201)
    assert set(data) >= {"id", "email", "first_name", "last_name"}  # CONTRACT; phone and language extend it
    assert data["email"] == "ana@example.com" and data["first_name"] == "Ana"
    assert data["language"] == ""  # no Accept-Language: notifications in the site default
    user = User.objects.get(pk=data["id"])
    assert user.check_password("a-Long-pass-42")
    assert "password" not in data


def test_register_duplicate_email_is_refused_case_insensitively():
    UserFactory(email="ana@example.com")
    error = err(APIClient().post(REGISTER, {"email": "ANA@example.com", "password": "a-Long-pass-42"},
                                 format="json"), 409, "email_taken")
    assert "email" in error["details"]
    assert User.objects.filter(email__iexact="ana@example.com").count() == 1


@pytest.mark.parametrize("body, field", [
    ({"email": "not-an-email", "password": "a-Long-pass-42"}, "email"),
    ({"email": "x@example.com", "password": "123"}, "password"),
    ({"email": "x@example.com", "password": "password"}, "password"),  # common password
    ({"password": "a-Long-pass-42"}, "email"),
])
def test_register_invalid_input_names_the_field(body, field):
    error = err(APIClient().post(REGISTER, body, format="json"), 400, "validation_error")
    assert field in error["details"]


# --- login ---

def test_login_answers_tokens_and_user():
    user = UserFactory(email="pat@example.com")
    data = login(APIClient(), "PAT@example.com ")
    assert set(data) == {"access", "refresh", "user"}
    assert data["user"]["id"] == str(user.pk) and data["user"]["email"] == "pat@example.com"
    assert ok(bearer(APIClient(), data["access"]).get(ME))["id"] == str(user.pk)


@pytest.mark.parametrize("email, password", [("pat@example.com", "wrong-password"),
                                             ("nobody@example.com", PASSWORD)])
def test_login_wrong_credentials_is_401_invalid_credentials_and_recorded(email, password):
    UserFactory(email="pat@example.com")
    response = APIClient().post(LOGIN, {"email": email, "password": password}, format="json",
                                REMOTE_ADDR="10.1.2.3")
    err(response, 401, "invalid_credentials")
    attempt = LoginAttempt.objects.get()
    assert (attempt.email, attempt.ip_address, attempt.succeeded) == (email, "10.1.2.3", False)


def test_successful_login_is_recorded_as_succeeded():
    UserFactory(email="pat@example.com")
    login(APIClient(), "pat@example.com")
    assert list(LoginAttempt.objects.values_list("email", "succeeded")) == [("pat@example.com", True)]


def test_inactive_user_cannot_log_in():
    UserFactory(email="gone@example.com", is_active=False)
    err(APIClient().post(LOGIN, {"email": "gone@example.com", "password": PASSWORD}, format="json"),
        401, "invalid_credentials")


# --- refresh ---

def test_refresh_rotates_and_the_old_refresh_is_refused():
    UserFactory(email="pat@example.com")
    first = login(APIClient(), "pat@example.com")
    rotated = ok(APIClient().post(REFRESH, {"refresh": first["refresh"]}, format="json"))
    assert set(rotated) == {"access", "refresh"}
    assert rotated["refresh"] != first["refresh"]
    ok(bearer(APIClient(), rotated["access"]).get(ME))
    # the old refresh token was blacklisted by the rotation
    err(APIClient().post(REFRESH, {"refresh": first["refresh"]}, format="json"), 401, "token_not_valid")
    # the new one still works (once)
    ok(APIClient().post(REFRESH, {"refresh": rotated["refresh"]}, format="json"))


@pytest.mark.parametrize("refresh", ["garbage", "eyJhbGciOiJIUzI1NiJ9.e30.xx", ""])
def test_refresh_with_a_bad_token_is_a_4xx_envelope(refresh):
    response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
    assert response.status_code in (400, 401)
    err(response, response.status_code)


def test_refresh_with_an_access_token_is_refused():
    UserFactory(email="pat@example.com")
    tokens = login(APIClient(), "pat@example.com")
    err(APIClient().post(REFRESH, {"refresh": tokens["access"]}, format="json"), 401, "token_not_valid")


def test_refresh_of_a_deleted_user_is_refused_not_500():
    user = UserFactory(email="pat@example.com")
    tokens = login(APIClient(), "pat@example.com")
    LoginAttempt.objects.all().delete()
    user.delete()
    response = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    err(response, 401)


def test_refresh_of_a_deactivated_user_is_refused():
    user = UserFactory(email="pat@example.com")
    tokens = login(APIClient(), "pat@example.com")
    User.objects.filter(pk=user.pk).update(is_active=False)
    err(APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401)


# --- logout ---

def test_logout_revokes_the_access_token_used_and_the_refresh_sent():
    UserFactory(email="pat@example.com")
    tokens = login(APIClient(), "pat@example.com")
    client = bearer(APIClient(), tokens["access"])
    response = client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    assert ok(response) is None
    assert RevokedAccessToken.objects.count() == 1
    # every later request with that access token is 401, whatever the endpoint
    for _ in range(2):
        err(client.get(ME), 401, "token_not_valid")
    err(client.get("/api/v1/reservations/reservations/"), 401, "token_not_valid")
    err(client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json"), 401)
    # the refresh token is blacklisted
    err(APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401, "token_not_valid")


def test_logout_revocation_survives_a_cold_cache():
    """The DB row is the truth: an emptied cache must not resurrect a revoked token."""
    from django.core.cache import cache

    UserFactory(email="pat@example.com")
    tokens = login(APIClient(), "pat@example.com")
    client = bearer(APIClient(), tokens["access"])
    ok(client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json"))
    jti = RevokedAccessToken.objects.get().jti
    cache.delete(f"jwt:revoked:{jti}")
    err(client.get(ME), 401, "token_not_valid")


def test_logout_leaves_other_sessions_working():
    UserFactory(email="pat@example.com")
    phone = login(APIClient(), "pat@example.com")
    laptop = login(APIClient(), "pat@example.com")
    ok(bearer(APIClient(), phone["access"]).post(LOGOUT, {"refresh": phone["refresh"]}, format="json"))
    ok(bearer(APIClient(), laptop["access"]).get(ME))
    ok(APIClient().post(REFRESH, {"refresh": laptop["refresh"]}, format="json"))


def test_logout_needs_authentication_and_a_refresh_of_the_same_user():
    UserFactory(email="pat@example.com")
    UserFactory(email="eve@example.com")
    pat = login(APIClient(), "pat@example.com")
    eve = login(APIClient(), "eve@example.com")
    err(APIClient().post(LOGOUT, {"refresh": pat["refresh"]}, format="json"), 401, "not_authenticated")
    error = err(bearer(APIClient(), eve["access"]).post(LOGOUT, {"refresh": pat["refresh"]}, format="json"), 400)
    assert "refresh" in error["details"]
    error = err(bearer(APIClient(), eve["access"]).post(LOGOUT, {}, format="json"), 400)
    assert "refresh" in error["details"]
    # pat's refresh was not touched by eve's attempt
    ok(APIClient().post(REFRESH, {"refresh": pat["refresh"]}, format="json"))


# --- me ---

def test_me_lists_memberships():
    user = UserFactory(email="pat@example.com")
    club = ClubFactory()
    org = OrganizationFactory()
    staff_of(club, user=user)
    admin_of(org, user=user)
    client = bearer(APIClient(), login(APIClient(), "pat@example.com")["access"])
    data = ok(client.get(ME), paginated=False)
    assert data["id"] == str(user.pk) and data["email"] == "pat@example.com"
    got = {(m["organization"], m["club"], m["role"]) for m in data["memberships"]}
    assert got == {(str(club.organization_id), str(club.pk), Role.CLUB_STAFF),
                   (str(org.pk), None, Role.ORG_ADMIN)}


def test_me_lists_the_clubs_the_user_runs():
    """Staff of one club and admin of an organization: that club and every club of the
    organization, the rule the API applies; another organization's club is not there."""
    user = UserFactory(email="pat@example.com")
    club = ClubFactory()
    org = OrganizationFactory()
    org_clubs = [ClubFactory(organization=org), ClubFactory(organization=org)]
    ClubFactory()  # someone else's
    staff_of(club, user=user)
    admin_of(org, user=user)
    client = bearer(APIClient(), login(APIClient(), "pat@example.com")["access"])
    assert sorted(ok(client.get(ME))["staff_clubs"]) == sorted(str(c.pk) for c in [club, *org_clubs])


def test_me_of_a_plain_player_has_no_memberships():
    UserFactory(email="pat@example.com")
    client = bearer(APIClient(), login(APIClient(), "pat@example.com")["access"])
    data = ok(client.get(ME))
    assert data["memberships"] == [] and data["staff_clubs"] == []


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer ", "Token abc", "Bearer a.b.c"])
def test_me_without_valid_credentials_is_401(header):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(ME).status_code == 401
    err(client.get(ME), 401)


# --- password reset ---

def test_password_reset_round_trip():
    UserFactory(email="pat@example.com")
    data = ok(APIClient().post("/api/v1/auth/password-reset/", {"email": "pat@example.com"}, format="json"))
    assert data is None
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    uid = re.search(r"uid=([^&\s]+)", body).group(1)
    token = re.search(r"Token: (\S+)", body).group(1)
    ok(APIClient().post("/api/v1/auth/password-reset/confirm/",
                        {"uid": uid, "token": token, "new_password": "brand-New-pass-77"}, format="json"))
    login(APIClient(), "pat@example.com", "brand-New-pass-77")
    # the link works once
    err(APIClient().post("/api/v1/auth/password-reset/confirm/",
                         {"uid": uid, "token": token, "new_password": "another-New-pass-88"}, format="json"),
        400, "invalid_reset_token")


def test_password_reset_does_not_reveal_whether_an_account_exists():
    known = APIClient().post("/api/v1/auth/password-reset/", {"email": "nobody@example.com"}, format="json")
    assert ok(known) is None
    assert mail.outbox == []


def test_password_reset_confirm_with_garbage_is_400():
    err(APIClient().post("/api/v1/auth/password-reset/confirm/",
                         {"uid": "!!!", "token": "x", "new_password": "brand-New-pass-77"}, format="json"),
        400, "invalid_reset_token")


# --- language of notifications (an extension of the contract) ---

def test_register_takes_the_language_from_the_browser_unless_one_is_given():
    body = {"password": "a-Long-pass-42"}
    mexican = ok(APIClient().post(REGISTER, {**body, "email": "lu@example.com"}, format="json",
                                  HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5"), 201)
    assert mexican["language"] == "es" and User.objects.get(pk=mexican["id"]).language == "es"
    chosen = ok(APIClient().post(REGISTER, {**body, "email": "jo@example.com", "language": "en"}, format="json",
                                 HTTP_ACCEPT_LANGUAGE="es-MX"), 201)
    assert chosen["language"] == "en"
    unknown = ok(APIClient().post(REGISTER, {**body, "email": "fr@example.com"}, format="json",
                                  HTTP_ACCEPT_LANGUAGE="fr-FR"), 201)
    assert unknown["language"] == "en"  # a browser language we do not speak: the site default, as pages do
    error = err(APIClient().post(REGISTER, {**body, "email": "xx@example.com", "language": "klingon"},
                                 format="json"), 400, "validation_error")
    assert "language" in error["details"]
    assert not User.objects.filter(email="xx@example.com").exists()


def test_me_patch_updates_only_the_own_profile():
    user, other = UserFactory(), UserFactory(language="en")
    client = bearer(APIClient(), login(APIClient(), user.email)["access"])
    data = ok(client.patch(ME, {"language": "es", "phone": "+52 55 1234 5678", "first_name": "Lupe"}, format="json"))
    assert data["language"] == "es" and data["phone"] == "+52 55 1234 5678" and data["first_name"] == "Lupe"
    assert ok(client.get(ME))["language"] == "es"
    user.refresh_from_db()
    assert (user.language, user.phone, user.first_name) == ("es", "+52 55 1234 5678", "Lupe")
    other.refresh_from_db()
    assert other.language == "en"
    # Bad values are refused whole: nothing of the request is saved.
    error = err(client.patch(ME, {"language": "de", "first_name": "Changed"}, format="json"), 400)
    assert "language" in error["details"]
    for bad in ("call me maybe", "------", "(((())", "12345", "+1 (555) 0000 0000 0000 9"):
        error = err(client.patch(ME, {"phone": bad}, format="json"), 400)
        assert "phone" in error["details"], bad
    assert ok(client.patch(ME, {"phone": ""}, format="json"))["phone"] == ""  # no SMS
    ok(client.patch(ME, {"phone": "+52 55 1234 5678"}, format="json"))
    err(client.patch(ME, {"language": 7}, format="json"), 400)
    user.refresh_from_db()
    assert (user.first_name, user.phone) == ("Lupe", "+52 55 1234 5678")
    # Fields that are not the profile's are ignored, not written.
    ok(client.patch(ME, {"email": "stolen@example.com", "is_staff": True}, format="json"))
    user.refresh_from_db()
    assert user.email != "stolen@example.com" and not user.is_staff
    err(APIClient().patch(ME, {"language": "es"}, format="json"), 401)


def test_password_reset_mail_is_in_the_users_language():
    UserFactory(email="lu@example.com", language="es")
    ok(APIClient().post("/api/v1/auth/password-reset/", {"email": "lu@example.com"}, format="json"))
    message = mail.outbox[0]
    assert message.subject == "Restablecer tu contraseña de Padelyzer"
    assert message.body.startswith("Restablece tu contraseña: ") and "Token: " in message.body
