"""The HTTP API over a real loopback server, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import httpx
import pytest

from dialgate.api import routes_checks
from dialgate.services import apikeys, brands, campaigns

FR_CAMPAIGN = (
    'id = "{id}"\nbrand = "{brand}"\npurpose = "marketing"\ncaller_id = "+33162000000"\ncountries = ["FR"]\n'
)
N = "+33639980012"


@pytest.fixture
def keys(rt):
    for brand in ("acme", "globex"):
        brands.add_brand(rt, brand)
        campaigns.apply_campaign(rt, FR_CAMPAIGN.format(id=f"{brand}-fr", brand=brand), file=f"{brand}.toml")
    every = ["check", "consent:read", "consent:write"]
    return {
        "acme": apikeys.create_api_key(rt, brand="acme", scopes=every),
        "globex": apikeys.create_api_key(rt, brand="globex", scopes=every),
        "acme-read": apikeys.create_api_key(rt, brand="acme", scopes=["consent:read"]),
    }


def client(live, key=None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=live.url, headers=headers, timeout=10)


def test_health_and_openapi(live):
    with client(live) as c:
        assert c.get("/healthz").json()["status"] == "ok"
        paths = c.get("/openapi.json").json()["paths"]
    assert {"/v1/checks", "/v1/checks:batch", "/v1/consents", "/v1/attempts", "/v1/dnc"} <= set(paths)


def test_a_consent_is_stored_with_its_chain_fields(live, keys):
    with client(live, keys["acme"]) as c:
        first = c.post("/v1/consents", json={"number": N, "status": "granted", "purpose": "marketing"})
        second = c.post("/v1/consents", json={"number": N, "status": "revoked"})
        state = c.get(f"/v1/consents/{N}").json()
    assert first.status_code == 201 and first.json()["seq"] == 1
    assert second.json()["prev_hash"] == first.json()["hash"]
    assert [e["status"] for e in state["history"]] == ["granted", "revoked"]


def test_a_key_never_reads_or_writes_another_brands_data(live, keys):
    with client(live, keys["acme"]) as acme, client(live, keys["globex"]) as globex:
        acme.post("/v1/consents", json={"number": N, "status": "granted"})
        assert globex.get(f"/v1/consents/{N}").json()["history"] == []
        assert globex.get(f"/v1/consents/{N}", params={"brand": "acme"}).status_code == 403
        assert (
            globex.post("/v1/consents", json={"number": N, "status": "revoked", "brand": "acme"}).status_code
            == 403
        )
        assert globex.post("/v1/checks", json={"number": N, "campaign": "acme-fr"}).status_code == 404
        attempt = {"number": N, "campaign": "acme-fr", "at": "2026-11-20T10:00:00Z", "outcome": "refused"}
        assert globex.post("/v1/attempts", json=attempt).status_code == 404
        assert globex.delete(f"/v1/dnc/{N}", params={"brand": "acme"}).status_code == 403
    assert len(acme_history(live, keys)) == 1


def acme_history(live, keys):
    with client(live, keys["acme"]) as c:
        return c.get(f"/v1/consents/{N}").json()["history"]


def test_scopes_are_enforced(live, keys):
    with client(live, keys["acme-read"]) as c:
        denied = c.post("/v1/consents", json={"number": N, "status": "granted"})
        assert denied.status_code == 403 and denied.headers["content-type"] == "application/problem+json"
        assert c.post("/v1/checks", json={"number": N, "campaign": "acme-fr"}).status_code == 403
        assert c.get(f"/v1/consents/{N}").status_code == 200


def test_no_key_or_a_wrong_key_is_401(live, keys):
    with client(live) as c:
        assert c.post("/v1/checks", json={"number": N, "campaign": "acme-fr"}).status_code == 401
    with client(live, "dg_0123456789abcdef_nope") as c:
        assert c.get(f"/v1/consents/{N}").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": "hello", "status": "granted"}, "number"),
        ({"number": N, "status": "maybe"}, "status"),
        ({"number": N, "status": "granted", "captured_at": "2099-01-01T00:00:00Z"}, "captured_at"),
        ({"number": N, "status": "granted", "captured_at": "yesterday"}, "captured_at"),
        ({"number": N, "status": "granted", "evidence_sha256": "ab" * 32}, "evidence_sha256"),
        ({"number": N}, "status"),
    ],
)
def test_bad_consents_are_problems_naming_the_field_and_nothing_is_written(live, keys, body, field):
    with client(live, keys["acme"]) as c:
        r = c.post("/v1/consents", json=body)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field
    assert acme_history(live, keys) == []


def test_evidence_uploads_are_content_addressed(live, keys):
    with client(live, keys["acme"]) as c:
        sha = c.post("/v1/evidence", files={"file": ("call.wav", b"RIFF fictional")}).json()["sha256"]
        event = c.post("/v1/consents", json={"number": N, "status": "granted", "evidence_sha256": sha}).json()
        assert c.get(f"/v1/evidence/{sha}").content == b"RIFF fictional"
    assert event["evidence_sha256"] == sha


def test_a_check_answers_the_contract_decision(live, keys):
    with client(live, keys["acme"]) as c:
        c.post("/v1/consents", json={"number": N, "status": "granted", "captured_at": "2026-01-05T10:00:00Z"})
        d = c.post(
            "/v1/checks", json={"number": N, "campaign": "acme-fr", "at": "2026-11-23T12:30:00Z"}
        ).json()
    assert d["verdict"] == "BLOCK" and [r["code"] for r in d["reasons"]] == ["OUTSIDE_CALLING_HOURS"]
    assert d["next_allowed_at"] == "2026-11-23T14:00:00+01:00"
    assert d["local_time"] == "2026-11-23T13:30:00+01:00"
    assert set(d) == {"check_id", "number", "verdict", "reasons", "next_allowed_at", "jurisdiction", "local_time",
                      "timezone", "evaluated_at"}  # fmt: skip


def test_a_batch_answers_every_number_in_order(live, keys):
    numbers = [N, "not a number", "+12015550123", "+33639980013"]
    with client(live, keys["acme"]) as c:
        r = c.post(
            "/v1/checks:batch", json={"campaign": "acme-fr", "numbers": numbers, "at": "2026-11-23T09:30:00Z"}
        )
    decisions = r.json()["decisions"]
    assert [d["number"] for d in decisions] == [N, "not a number", "+12015550123", "+33639980013"]
    assert [d["reasons"][0]["code"] for d in decisions[1:3]] == ["INVALID_NUMBER", "DESTINATION_NOT_ALLOWED"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"number": N, "campaign": "nope"}, 404, "campaign"),
        ({"number": N, "campaign": "acme-fr", "at": "tomorrow"}, 422, "at"),
        ({"number": N, "campaign": "acme-fr", "caller_id": "call me"}, 422, "caller_id"),
        ({"number": N, "campaign": "acme-fr", "colour": "red"}, 422, "colour"),
        ({"campaign": "acme-fr"}, 422, "number"),
    ],
)
def test_check_request_errors_are_4xx_naming_the_field(live, keys, body, status, field):
    with client(live, keys["acme"]) as c:
        r = c.post("/v1/checks", json=body)
    assert (r.status_code, r.json().get("field")) == (status, field)
    assert f"field '{field}'" in r.json()["detail"], "the text names the field too"


def test_a_body_too_large_is_refused_with_413_and_the_key_is_checked_first(live, keys):
    huge = b'{"campaign": "acme-fr", "numbers": ["' + b"0" * (5 * 1024 * 1024) + b'"]}'
    with client(live, keys["acme"]) as c:
        r = c.post("/v1/checks:batch", content=huge, headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
        assert "KiB" in r.json()["detail"]
    with client(live, keys["acme"]) as c:  # no declared length: refused once the read passes the limit
        chunks = iter([b'{"number": "', b"1" * (100 * 1024), b'", "campaign": "acme-fr"}'])
        assert c.post("/v1/checks", content=chunks).status_code == 413
    with client(live) as c:  # no key: refused before the body matters
        assert c.post("/v1/checks:batch", content=huge).status_code == 401
    with client(live, keys["acme-read"]) as c:
        assert c.post("/v1/checks:batch", content=huge).status_code == 403
    # the limit leaves room for a full batch typed loosely, with room to spare
    numbers = [f"+33 (0)6 39 98 {i // 100:02d} {i % 100:02d}" for i in range(10_000)]
    full = json.dumps({"campaign": "acme-fr", "numbers": numbers, "caller_id": "+33 1 62 00 00 00"})
    assert 2 * len(full.encode()) < routes_checks.HANDLERS[b"/v1/checks:batch"][1]
    with client(live, keys["acme"]) as c:  # and 3 MB under it is read whole and decided
        padded = [N + " " * 150_000] * 20  # few numbers: bulk parsing's tables are not built for them
        r = c.post("/v1/checks:batch", json={"campaign": "acme-fr", "numbers": padded})
        assert r.status_code == 200 and len(r.json()["decisions"]) == 20


@pytest.mark.parametrize(
    ("numbers", "said"),
    [([N, 33639980013], "element 1 is a number"), ([N, N, None], "element 2 is null"),
     ("+33639980013", "list of strings"), ([[N]], "element 0 is a list")],
)  # fmt: skip
def test_a_batch_takes_only_a_list_of_strings(live, keys, numbers, said):
    with client(live, keys["acme"]) as c:
        r = c.post("/v1/checks:batch", json={"campaign": "acme-fr", "numbers": numbers})
    assert (r.status_code, r.json().get("field")) == (422, "numbers") and said in r.json()["detail"]


def test_attempts_and_dnc_over_http(live, keys):
    with client(live, keys["acme"]) as c:
        refused = c.post("/v1/attempts", json={"number": N, "campaign": "acme-fr", "at": "2026-11-20T10:00:00Z",
                                                "outcome": "refused"})  # fmt: skip
        assert refused.status_code == 201 and refused.json()["opt_out_recorded"] is True
        assert c.post("/v1/dnc", json={"number": N, "reason": "asked"}).json()["changed"] is True
        assert c.delete(f"/v1/dnc/{N}").json()["changed"] is True
    assert acme_history(live, keys)[-1]["status"] == "revoked"
