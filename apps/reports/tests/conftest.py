import pytest


@pytest.fixture
def eager_celery():
    """Run tasks in-process (the suite's settings point Celery at Redis, with no worker in tests)."""
    from project.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
