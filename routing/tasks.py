from celery import shared_task

from routing import eventlog


@shared_task(name="routing.prune_stream_events")  # beat sends it to `maintenance`
def prune_stream_events() -> int:
    """Hourly: drop replay-log events past retention (at least 24 h and 10,000 per stream are kept)."""
    return eventlog.prune_stream_events()
