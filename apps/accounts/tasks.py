from celery import shared_task

from apps.accounts.services import tokens_flush_expired


@shared_task(name="accounts.flush_expired_tokens")
def flush_expired_tokens() -> dict:
    return tokens_flush_expired()
