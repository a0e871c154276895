from django.dispatch import Signal

# Sent after commit when a display key is revoked; the live layer closes its sockets.
display_key_revoked = Signal()
