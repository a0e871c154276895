"""docker-compose.yml: it parses, every command points at code that exists, nothing starts unhealthy.

No Docker engine is needed: PyYAML reads the file, `docker-compose config -q` validates it
against Compose's own schema (required in CI), and the commands are resolved by import.
"""
from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
CONTRACT_ENV = {
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "CORS_ALLOWED_ORIGINS", "SENTRY_DSN", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET", "THROTTLE_RATES",
}
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _services(compose) -> dict:
    return compose["services"]


def _option(command: list[str], *names: str) -> str:
    for index, arg in enumerate(command):
        if arg in names:
            return command[index + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    raise AssertionError(f"{names} not in {command}")


def _resolve(spec: str):
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    assert attr, f"{spec}: name the object after ':'"
    assert hasattr(module, attr), f"{module_name} has no {attr}"
    return getattr(module, attr)


def _compose_binary() -> str | None:
    found = shutil.which("docker-compose")
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("docker-compose is not installed; .ci/run installs it (Debian package docker-compose)")
    return found


def _run_config(env_lines: list[str], tmp_path) -> subprocess.CompletedProcess:
    env_file = tmp_path / "compose.env"
    env_file.write_text("\n".join(env_lines) + "\n")
    # A controlled environment: no SECRET_KEY etc. leaking in from the shell running the tests.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    return subprocess.run(
        [_compose_binary(), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )


def test_yaml_has_the_production_services(compose):
    services = _services(compose)
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:")


def test_docker_compose_config_validates(tmp_path):
    if _compose_binary() is None:
        pytest.skip("docker-compose not installed (required and installed in CI)")
    ok = _run_config(["SECRET_KEY=" + "k" * 50, "POSTGRES_PASSWORD=pw"], tmp_path)
    assert ok.returncode == 0, ok.stderr


def test_docker_compose_refuses_a_missing_secret_key(tmp_path):
    if _compose_binary() is None:
        pytest.skip("docker-compose not installed (required and installed in CI)")
    missing = _run_config(["POSTGRES_PASSWORD=pw"], tmp_path)
    assert missing.returncode != 0
    assert "SECRET_KEY must be set" in missing.stderr


def test_web_runs_the_asgi_application(compose):
    from channels.routing import ProtocolTypeRouter

    web = _services(compose)["web"]
    command = web["command"]
    assert command[:3] == ["python", "-m", "project.serve"]
    serve = importlib.import_module("project.serve")
    assert callable(serve.main)
    assert "project.asgi:application" in command
    assert isinstance(_resolve("project.asgi:application"), ProtocolTypeRouter)
    assert _option(command, "-p", "--port") == "8000"
    assert _option(command, "-b", "--bind") == "0.0.0.0"
    assert any(str(port).endswith(":8000") for port in web["ports"])
    healthcheck = " ".join(web["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/health/" in healthcheck


def _celery_app(command: list[str]):
    from celery import Celery

    assert command[0] == "celery"
    app = _resolve(_option(command, "-A", "--app"))
    assert isinstance(app, Celery)
    return app


def _queues_in_use(app) -> set[str]:
    """Every queue a task can be sent to: declared queues, the default, routes, beat and task options."""
    from django.conf import settings

    app.loader.import_default_modules()  # autodiscover tasks so their queue= options are seen
    queues = {q.name for q in (app.conf.task_queues or [])}
    queues.add(app.conf.task_default_queue)
    routes = app.conf.task_routes or {}
    for route in (routes.values() if isinstance(routes, dict) else []):
        if isinstance(route, dict) and route.get("queue"):
            queues.add(route["queue"])
    for entry in (getattr(settings, "CELERY_BEAT_SCHEDULE", {}) or {}).values():
        queue = (entry.get("options") or {}).get("queue")
        if queue:
            queues.add(queue)
    with warnings.catch_warnings():  # Task.queue is deprecated in Celery 5 but still honoured
        warnings.simplefilter("ignore")
        for task in app.tasks.values():
            if getattr(task, "queue", None):
                queues.add(task.queue)
    return queues


def test_worker_runs_the_celery_app_and_consumes_every_queue(compose):
    command = _services(compose)["worker"]["command"]
    app = _celery_app(command)
    assert "worker" in command
    consumed = set(_option(command, "-Q", "--queues").split(","))
    missing = _queues_in_use(app) - consumed
    assert not missing, f"tasks can be sent to {sorted(missing)} but the worker does not consume them"


def test_beat_uses_the_database_scheduler(compose):
    from django.conf import settings

    command = _services(compose)["beat"]["command"]
    _celery_app(command)
    assert "beat" in command
    scheduler = _resolve(_option(command, "--scheduler", "-S"))
    from django_celery_beat.schedulers import DatabaseScheduler

    assert issubclass(scheduler, DatabaseScheduler)
    assert "django_celery_beat" in settings.INSTALLED_APPS  # its tables must be migrated


def test_migrate_job_runs_manage_py_migrate(compose):
    command = _services(compose)["migrate"]["command"]
    assert command[:3] == ["python", "manage.py", "migrate"]
    assert (ROOT / "manage.py").exists()


def test_every_service_is_healthchecked_or_waits_for_healthy_ones(compose):
    services = _services(compose)
    for name, service in services.items():
        if "healthcheck" in service:
            assert service["healthcheck"].get("test"), f"{name}: empty healthcheck"
            continue
        depends = service.get("depends_on")
        assert isinstance(depends, dict) and depends, f"{name}: no healthcheck and no healthy dependencies"
        for dep, rule in depends.items():
            condition = rule.get("condition")
            if condition == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep} to be healthy; it has no check"
            else:
                # A one-shot job (migrate) may be awaited to completion instead.
                assert condition == "service_completed_successfully", f"{name} -> {dep}: {condition}"
                assert services[dep].get("restart") == "no"


def test_app_services_wait_for_database_and_redis(compose):
    services = _services(compose)
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        for dep in ("postgres", "redis"):
            assert depends[dep]["condition"] == "service_healthy", f"{name} must wait for {dep}"


def test_app_services_take_the_contract_environment(compose):
    services = _services(compose)
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert CONTRACT_ENV <= set(env), f"{name} lacks {sorted(CONTRACT_ENV - set(env))}"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert ":?" in env["SECRET_KEY"], "SECRET_KEY must be required, never defaulted"
        assert env["DEBUG"].endswith("false}"), "DEBUG must default to off"
        assert env.get("DJANGO_SETTINGS_MODULE") == "project.settings"


def test_dockerfile_builds_from_python_311_slim_and_collects_static():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".data", ".git", ".env"} <= set(ignored)


def _requirement_lines(name: str) -> list[str]:
    return [line.strip() for line in (ROOT / name).read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_the_image_installs_no_test_tools_and_every_requirement_is_pinned():
    runtime = _requirement_lines("requirements.txt")
    dev = _requirement_lines("requirements-dev.txt")
    assert dev[0] == "-r requirements.txt"
    for line in runtime + dev[1:]:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", line), f"not pinned with ==: {line}"
    names = {re.sub(r"[-_.]+", "-", line.split("==")[0]).lower() for line in runtime}
    assert not names & {"pytest", "pytest-django", "playwright", "hypothesis", "schemathesis", "factory-boy",
                        "py-spy", "faker"}, "test tools belong in requirements-dev.txt"
    assert {"django", "daphne", "celery", "psycopg2-binary", "channels-redis", "stripe"} <= names
    assert "psycopg" not in names, "psycopg 3 next to psycopg2 would be picked by Django silently"
    dev_names = {re.sub(r"[-_.]+", "-", line.split("==")[0]).lower() for line in dev[1:]}
    assert not names & dev_names, "a package pinned in both files"
    assert "requirements-dev" not in (ROOT / "Dockerfile").read_text()


def test_collectstatic_runs_with_the_build_time_environment(tmp_path):
    """The Dockerfile's collectstatic line: settings load without a reachable database or Redis."""
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": "postgres://build@localhost/build",
           "SECRET_KEY": "collectstatic-only", "DJANGO_SETTINGS_MODULE": "project.settings"}
    script = ("import django, sys; from django.conf import settings; settings.STATIC_ROOT = sys.argv[1]; "
              "django.setup(); from django.core.management import call_command; "
              "call_command('collectstatic', interactive=False, verbosity=0)")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "static")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "drf_spectacular_sidecar").is_dir()
