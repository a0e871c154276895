"""CONTRACT §2 `/api/schema/` (YAML, ?format=json) and `/api/docs/` served without any CDN."""
import json
import re

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

CONTRACT_PATHS = {
    ("/api/v1/auth/register/", "post"), ("/api/v1/auth/login/", "post"), ("/api/v1/auth/refresh/", "post"),
    ("/api/v1/auth/logout/", "post"), ("/api/v1/auth/me/", "get"),
    ("/api/v1/root/organizations/", "post"), ("/api/v1/root/organizations/", "get"),
    ("/api/v1/root/organizations/{id}/members/", "post"),
    ("/api/v1/clubs/clubs/", "post"), ("/api/v1/clubs/clubs/", "get"), ("/api/v1/clubs/clubs/{id}/", "patch"),
    ("/api/v1/clubs/courts/", "post"), ("/api/v1/clubs/courts/", "get"), ("/api/v1/clubs/courts/{id}/", "patch"),
    ("/api/v1/clubs/display-keys/", "post"), ("/api/v1/clubs/display-keys/", "get"),
    ("/api/v1/clubs/display-keys/{id}/", "delete"),
    ("/api/v1/clubs/pricing-rules/", "post"), ("/api/v1/clubs/pricing-rules/", "get"),
    ("/api/v1/clubs/maintenance-blocks/", "post"), ("/api/v1/clubs/maintenance-blocks/", "get"),
    ("/api/v1/clubs/maintenance-blocks/{id}/", "delete"),
    ("/api/v1/reservations/availability/", "get"),
    ("/api/v1/reservations/reservations/", "post"), ("/api/v1/reservations/reservations/", "get"),
    ("/api/v1/reservations/reservations/{id}/cancel/", "post"),
}


@pytest.fixture(scope="module")
def schema_json(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    return json.loads(response.content)


def test_yaml_schema_is_openapi_3_and_matches_the_json_one(schema_json):
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    assert "openapi" in response["Content-Type"] and "json" not in response["Content-Type"]
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    assert document["paths"].keys() == schema_json["paths"].keys()


def test_schema_generates_without_warnings_and_validates(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning (an undocumented view, a guessed type) into an error
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_every_contract_endpoint_is_described(schema_json):
    described = {(path, method) for path, item in schema_json["paths"].items() for method in item}
    assert CONTRACT_PATHS - described == set()


def _resolve(schema_json, node):
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema_json["components"]["schemas"][name]
    return node


def test_success_and_error_bodies_are_documented_as_envelopes(schema_json):
    for path, item in schema_json["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            responses = operation["responses"]
            for status, response in responses.items():
                body = response.get("content", {}).get("application/json", {}).get("schema")
                if body is None:
                    continue
                body = _resolve(schema_json, body)
                props = body["properties"]
                assert {"success", "data", "message", "meta"} <= set(props), (path, method, status)
                if status.startswith("2"):
                    assert "error" not in props
                else:
                    assert "error" in props, (path, method, status)
            for status in ("400", "401", "403", "404", "429"):
                assert status in responses, (path, method, status)


def test_lists_are_documented_with_pagination(schema_json):
    operation = schema_json["paths"]["/api/v1/reservations/reservations/"]["get"]
    body = _resolve(schema_json, operation["responses"]["200"]["content"]["application/json"]["schema"])
    assert "pagination" in body["properties"]
    single = schema_json["paths"]["/api/v1/reservations/reservations/"]["post"]
    body = _resolve(schema_json, single["responses"]["201"]["content"]["application/json"]["schema"])
    assert "pagination" not in body["properties"]
    data = _resolve(schema_json, body["properties"]["data"])
    assert {"id", "club", "court", "start", "end", "status", "price", "currency", "payment"} <= set(
        data["properties"])


def test_maintenance_block_answer_documents_its_times(schema_json):
    operation = schema_json["paths"]["/api/v1/clubs/maintenance-blocks/"]["post"]
    body = _resolve(schema_json, operation["responses"]["201"]["content"]["application/json"]["schema"])
    data = _resolve(schema_json, body["properties"]["data"])
    assert {"id", "court", "club", "start", "end", "reason"} <= set(data["properties"])


def test_docs_page_uses_local_sidecar_assets_only():
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = re.findall(r"""(?:src|href)=["'](?:https?:)?//[^"']+""", html)
    assert external == [], external
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "googleapis"):
        assert cdn not in html
    assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    for asset in assets:
        asset_response = client.get(asset)
        assert asset_response.status_code == 200, asset
        b"".join(asset_response.streaming_content if asset_response.streaming else [asset_response.content])


@pytest.mark.parametrize("fmt", ["bogus", "json)", "xml"])
def test_an_unknown_schema_format_is_a_404_not_a_500(fmt):
    response = Client().get("/api/schema/", {"format": fmt})
    assert response.status_code == 404
    assert b"not_found" in response.content
