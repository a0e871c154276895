from django.dispatch import Signal

# Sent after an access token is revoked; the live layer closes that token's sockets.
access_token_revoked = Signal()

# Sent in the caller's transaction when a phone verification code is made (apps.accounts.phone);
# notifications sends it by SMS after commit. kwargs: user, phone, body, reference.
phone_code_issued = Signal()
