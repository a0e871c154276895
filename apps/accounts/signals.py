from django.dispatch import Signal

# Sent after an access token is revoked; the live layer closes that token's sockets.
access_token_revoked = Signal()
