"""The HTTP API for requests, the change feed and webhooks, on a real server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dialgate.api.app import create_app
from dialgate.bootstrap import build
from dialgate.config import WebhookSettings
from dialgate.services import apikeys, brands, vendors
from tests.support.apiserver import LoopbackServer
from tests.support.receiver import Receiver

BR_NUMBER = "+5511900000123"


@pytest.fixture
def keys(rt) -> dict[str, str]:
    brands.add_brand(rt, "enercom", "Enercom SA")
    brands.add_brand(rt, "rival")
    vendors.apply_vendor(rt, brand="enercom", vendor_id="callco")
    vendors.apply_vendor(rt, brand="enercom", vendor_id="otherco")
    scopes = ["requests", "consent:read"]
    return {
        "brand": apikeys.create_api_key(rt, brand="enercom", scopes=scopes),
        "vendor": apikeys.create_api_key(rt, brand="enercom", scopes=scopes, vendor="callco"),
        "rival": apikeys.create_api_key(rt, brand="rival", scopes=scopes),
        "checker": apikeys.create_api_key(rt, brand="enercom", scopes=["check"]),
    }


@pytest.fixture
def api(container, keys) -> Iterator[dict[str, httpx.Client]]:
    with LoopbackServer(create_app(container)) as server:
        clients = {
            name: httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
            for name, key in keys.items()
        }
        yield clients
        for client in clients.values():
            client.close()


def open_(client: httpx.Client, **body: str) -> httpx.Response:
    return client.post("/v1/requests", json={"kind": "opt-out", "number": BR_NUMBER, "via": "web", **body})


def test_an_opt_out_over_http_answers_with_its_protocol_and_is_in_force_at_once(api):
    response = open_(api["brand"])
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "closed" and len(body["protocol"]) == 9 and body["jurisdiction"] == "BR"
    consent = api["brand"].get(f"/v1/consents/{BR_NUMBER}").json()
    assert [(s["purpose"], s["status"]) for s in consent["state"]] == [("all", "revoked")]


@pytest.mark.parametrize(("field", "value"), [("kind", "refund"), ("via", "carrier-pigeon")])
def test_an_unknown_kind_or_channel_is_a_422_naming_the_field(api, field, value):
    response = open_(api["brand"], **{field: value})
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["field"] == field and "use one of" in problem["detail"]
    assert api["brand"].get("/v1/requests").json()["requests"] == []


def test_a_missing_kind_is_a_422_naming_the_field(api):
    response = api["brand"].post("/v1/requests", json={"number": BR_NUMBER, "via": "web"})
    assert response.status_code == 422 and response.json()["field"] == "kind"


def test_an_unparseable_number_is_kept_for_a_complaint_and_refused_for_an_opt_out(api):
    complaint = open_(api["brand"], kind="complaint", number="+00 not a number", text="spoofed caller ID")
    assert complaint.status_code == 201 and complaint.json()["number_valid"] is False
    refused = open_(api["brand"], number="+00 not a number")
    assert refused.status_code == 422 and refused.json()["field"] == "number"


def test_a_key_sees_only_its_own_brand_and_a_vendor_key_only_its_own_requests(api):
    mine = open_(api["brand"], kind="complaint").json()
    by_vendor = open_(api["vendor"], kind="complaint", number="+5511900000124").json()
    assert by_vendor["vendor"] == "callco" and by_vendor["opened_by"].startswith("key:")
    assert api["rival"].get(f"/v1/requests/{mine['id']}").status_code == 404
    assert api["rival"].get("/v1/requests").json()["requests"] == []
    assert [r["id"] for r in api["vendor"].get("/v1/requests").json()["requests"]] == [by_vendor["id"]]
    assert api["vendor"].get(f"/v1/requests/{mine['protocol']}").status_code == 404
    assert len(api["brand"].get("/v1/requests").json()["requests"]) == 2
    assert open_(api["brand"], brand="rival").status_code == 403
    assert open_(api["vendor"], vendor="otherco").status_code == 403
    assert api["checker"].get("/v1/requests").status_code == 403


def test_close_show_stats_and_the_regulator_export(api):
    opened = open_(api["brand"], kind="complaint", text="called at 22:00", caller_id="+551130000000").json()
    closed = api["brand"].post(f"/v1/requests/{opened['protocol']}/close", json={"resolution": "apologised"})
    assert closed.status_code == 200 and closed.json()["closed_in_time"] is True
    again = api["brand"].post(f"/v1/requests/{opened['id']}/close", json={"resolution": "again"})
    assert again.status_code == 409
    shown = api["brand"].get(f"/v1/requests/{opened['id']}").json()
    assert [e["action"] for e in shown["events"]] == ["opened", "closed"]
    index = api["brand"].get("/v1/requests/stats").json()["index"]
    assert index[-1]["kind"] == "all" and index[-1]["share_in_time"] == 1.0
    csv_text = api["brand"].get("/v1/requests/export").text
    assert "Enercom SA" in csv_text and "called at 22:00" in csv_text
    (row,) = api["brand"].get("/v1/requests/export", params={"format": "json"}).json()
    assert row["caller_id_shown"] == "+551130000000" and row["number_called"] == BR_NUMBER


def test_an_access_request_export_can_be_downloaded(api):
    opened = open_(api["brand"], kind="access", via="email").json()
    response = api["brand"].get(f"/v1/requests/{opened['id']}/export")
    assert response.status_code == 200 and response.json()["number"] == BR_NUMBER
    assert api["rival"].get(f"/v1/requests/{opened['id']}/export").status_code == 404


def test_the_event_feed_pages_by_cursor_for_brand_and_vendor_keys(api):
    open_(api["brand"])
    first = api["vendor"].get("/v1/events", params={"limit": 2}).json()
    assert [e["cursor"] for e in first["events"]] == [1, 2] and first["head"] == 3
    rest = api["vendor"].get("/v1/events", params={"after": first["next_after"]}).json()
    assert [e["type"] for e in rest["events"]] == ["request.closed"]
    assert api["rival"].get("/v1/events").json()["events"] == []
    assert api["brand"].get("/v1/events", params={"brand": "rival"}).status_code == 403
    assert api["brand"].get("/v1/events", params={"after": -1}).status_code == 422


def test_a_vendor_key_manages_its_own_webhook_only(api):
    created = api["vendor"].put("/v1/webhooks/callco", json={"url": "https://crm.callco.example/hook"})
    assert created.status_code == 200 and created.json()["secret"].startswith("whsec_")
    shown = api["vendor"].get("/v1/webhooks/callco").json()
    assert shown["url"] == "https://crm.callco.example/hook" and "secret" not in shown
    assert api["vendor"].put("/v1/webhooks/otherco", json={"url": "https://x.example"}).status_code == 403
    assert api["brand"].put("/v1/webhooks/otherco", json={"url": "https://x.example"}).status_code == 200
    assert [v["vendor"] for v in api["vendor"].get("/v1/vendors/status").json()["vendors"]] == ["callco"]
    assert len(api["brand"].get("/v1/vendors/status").json()["vendors"]) == 2
    bad = api["vendor"].put("/v1/webhooks/callco", json={"url": "not a url"})
    assert bad.status_code == 422 and bad.json()["field"] == "url"
    assert api["vendor"].get("/v1/webhooks/callco/deliveries").json() == {"deliveries": []}


def test_the_server_delivers_an_opt_out_to_the_vendor_webhook(settings, keys):
    live = build(
        settings.model_copy(
            update={"webhooks": WebhookSettings(poll_interval_seconds=0.02, allowed_networks=["127.0.0.1"])}
        )
    )
    try:
        with Receiver() as receiver, LoopbackServer(create_app(live, run_dispatcher=True)) as server:
            client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {keys['vendor']}"})
            receiver.secret = client.put("/v1/webhooks/callco", json={"url": receiver.url()}).json()["secret"]
            assert open_(client).status_code == 201
            assert receiver.wait_for(lambda: len(receiver.event_ids()) == 3)
            assert all(d.signature_ok for d in receiver.deliveries)
            # the acknowledgement is stored just behind the delivery
            assert receiver.wait_for(lambda: client.get("/v1/webhooks/callco").json()["lag_events"] == 0)
            assert client.get("/v1/webhooks/callco").json()["acknowledged_cursor"] == 3
            client.close()
    finally:
        live.close()
