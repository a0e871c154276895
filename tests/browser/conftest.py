"""Playwright against Debian's Chromium (no browser download), plus a daphne node on the
pytest test database for the pages."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse ORM calls; these tests are plain sync code, so lift the guard for this module only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield instance
            finally:
                instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


STATIC = Path(__file__).resolve().parents[2] / "static"
ORIGIN = "http://padelyzer.test"


def _serve_static(route):
    path = urlparse(route.request.url).path
    if path.startswith("/static/"):
        file = STATIC / path.removeprefix("/static/")
        route.fulfill(status=200, body=file.read_bytes(), content_type="text/javascript")
    else:
        route.fulfill(status=200, body="<!doctype html><title>t</title>", content_type="text/html")


@pytest.fixture
def static_page(browser):
    """A blank page on a fake origin whose /static/ is this checkout's static/: modules under test
    load with `await import('/static/js/...')`, no server needed."""
    context = browser.new_context()
    page = context.new_page()
    page.route(f"{ORIGIN}/**", _serve_static)
    page.goto(f"{ORIGIN}/")
    yield page
    context.close()


@pytest.fixture
def node(transactional_db):
    """One daphne on the test database; data the test commits is what the pages see."""
    from django.db import connection

    from bench.kit.daphne import DaphneServer, cluster_env, database_url

    server = DaphneServer(cluster_env(database_url=database_url(connection.settings_dict)), name="browser")
    server.start()
    try:
        yield server
    finally:
        print(f"--- daphne log ---\n{server.close()}")  # pytest shows it when the test failed
