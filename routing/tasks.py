from celery import shared_task


@shared_task(name="routing.prune_stream_events")  # beat sends it to `maintenance`
def prune_stream_events() -> int:
    """Hourly: drop replay-log events past retention (at least 24 h and 10,000 per stream are kept)."""
    from routing.eventlog import prune_stream_events as prune

    return prune()
