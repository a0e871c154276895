"""The Celery app (CONTRACT §5: project.celery:app)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("padelyzer")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
