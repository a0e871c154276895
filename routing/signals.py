"""Revocation reaches open sockets: logout closes the token's sockets, revoking a display key
closes its sockets, both with 4401 (CONTRACT §3). Connected to the domains' signals by
apps/accounts/live.py and apps/clubs/live.py (routing imports no domain app)."""
from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from routing.streams import display_key_group, token_group

logger = logging.getLogger("padelyzer.live")


def close_group(group: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "credential.revoked"})
    except Exception:  # at most once: the sockets' periodic re-check closes them anyway
        logger.warning("could not notify %s of a revocation", group, exc_info=True)


def on_access_token_revoked(sender, jti=None, **kwargs):
    if jti:  # after commit: a rolled-back logout leaves the token (and its sockets) alive
        transaction.on_commit(lambda: close_group(token_group(jti)), robust=True)


def on_display_key_revoked(sender, key_id=None, **kwargs):
    if key_id:
        transaction.on_commit(lambda: close_group(display_key_group(key_id)), robust=True)
