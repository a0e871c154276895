"""The Celery app (CONTRACT §5: project.celery:app) and its queues.

high_priority: payments and notifications; analytics: reports and metrics; maintenance: cleanup.
Tasks are idempotent, acknowledged late and re-queued if their worker dies mid-task.
"""
import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

QUEUES = ("high_priority", "analytics", "maintenance")

app = Celery("padelyzer")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_queues=[Queue(name) for name in QUEUES],
    task_default_queue="high_priority",
    # Routing by task name, in one place (a task's own `queue=` option is going away in Celery 6).
    task_routes={
        "reports.*": {"queue": "analytics"},
        "routing.*": {"queue": "maintenance"},
        "accounts.flush_expired_tokens": {"queue": "maintenance"},
        "notifications.requeue_stale_deliveries": {"queue": "maintenance"},
        "payments.sweep": {"queue": "maintenance"},
    },
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_track_started=True,
    broker_connection_retry_on_startup=True,
)
app.autodiscover_tasks()
# Beat's jobs that call services enqueueing tasks.py's tasks live in periodic.py (tasks.py cannot
# import those services without an import cycle).
app.autodiscover_tasks(related_name="periodic")
