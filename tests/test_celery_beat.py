"""Periodic work: every beat entry names a task a worker has, on a queue a worker listens to."""
import pytest


def test_beat_entries_name_registered_tasks_on_known_queues(settings):
    from project.celery import QUEUES, app

    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name in ("expire-payment-holds", "payments-sweep", "prune-live-events", "flush-expired-tokens"):
        assert name in schedule, name
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, f"{name}: {entry['task']} is not registered"
        assert "queue" not in entry.get("options", {}), f"{name}: queues are routed in project/celery.py only"
        assert app.amqp.router.route(entry.get("options", {}), entry["task"])["queue"].name in QUEUES, name
    assert schedule["expire-payment-holds"]["schedule"] == 60.0
    assert app.amqp.router.route({}, schedule["expire-payment-holds"]["task"])["queue"].name == "high_priority"


@pytest.mark.django_db
def test_prune_task_runs():
    from routing.tasks import prune_stream_events

    assert prune_stream_events.apply().get() == 0
