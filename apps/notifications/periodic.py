"""Beat's periodic jobs (project/settings.py CELERY_BEAT_SCHEDULE), each calling one service.
Found by the worker through `autodiscover_tasks(related_name="periodic")` in project/celery.py."""
from celery import shared_task

from apps.notifications import services, triggers


@shared_task(name="notifications.warn_expiring_holds")
def warn_expiring_holds() -> int:
    """Every minute: warn players whose payment hold ends within 2 minutes, once each."""
    return triggers.notify_expiring_holds()


@shared_task(name="notifications.requeue_stale_deliveries")
def requeue_stale_deliveries() -> int:
    return services.requeue_stale_deliveries()
