"""The web pages over real HTTP on loopback: sign-in, sessions, CSRF, brand isolation, the public page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from dialgate.api.app import create_app
from dialgate.bootstrap import build
from dialgate.domain.staff import Role, Viewer
from dialgate.domain.vocabulary import Source
from dialgate.services import (
    apikeys,
    brands,
    campaigns,
    consent,
    dashboard,
    requests,
    scrub_jobs,
    staff,
    vendors,
)
from tests.conftest import LiveServer, tamper

PASSWORD = "correct horse battery"
CAMPAIGN = """
id = "fr-fibre"
brand = "enercom"
purpose = "marketing"
caller_id = "+33162000000"
countries = ["FR"]
"""


@pytest.fixture
def site(settings, clock) -> Iterator[tuple[LiveServer, object]]:
    settings.web.login_failures_per_account = 3
    settings.web.consumer_requests_per_address = 4
    container = build(settings, clock=clock)
    rt = container.runtime
    brands.add_brand(rt, "enercom", "Enercom Energy")
    brands.add_brand(rt, "othertel", "Othertel")
    vendors.apply_vendor(rt, brand="enercom", vendor_id="callco")
    campaigns.apply_campaign(rt, CAMPAIGN, file="fr.toml")
    staff.create_user(rt, brand="enercom", username="alice", role="officer", password=PASSWORD)
    staff.create_user(rt, brand="othertel", username="bob", role="admin", password=PASSWORD)
    staff.create_user(
        rt, brand="enercom", username="cc", role="vendor-viewer", vendor="callco", password=PASSWORD
    )
    fields = {"number": "+33639980012", "brand": "enercom", "status": "granted", "note": "web form 1012"}
    consent.record_consent(rt, consent.draft_from_fields(rt, fields, default_source=Source.WEB))
    with LiveServer(create_app(container)) as server:
        yield server, rt
    container.close()


class Visitor:
    """A browser without JavaScript: cookies, forms and their tokens."""

    def __init__(self, base: str, **headers: str) -> None:
        self.http = httpx.Client(base_url=base, follow_redirects=False, headers=headers)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def token(self, path: str = "/") -> str:
        found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', self.get(path).text)
        assert found, f"no form token on {path}"
        return found.group(1)

    def post(self, path: str, data: dict[str, str], *, token_from: str | None = "/") -> httpx.Response:
        form = dict(data)
        if token_from is not None:
            form["csrf_token"] = self.token(token_from)
        return self.http.post(path, data=form)

    def sign_in(self, username: str, password: str = PASSWORD) -> httpx.Response:
        return self.post("/login", {"username": username, "password": password, "next": "/"})


def test_signed_out_visitors_get_the_sign_in_form_and_pages_send_them_to_it(site):
    server, _ = site
    visitor = Visitor(server.url)
    home = visitor.get("/")
    assert home.status_code == 200 and 'action="/login"' in home.text and '<html lang="en">' in home.text
    page = visitor.get("/numbers/+33639980012")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fnumbers%2F%2B33639980012"
    assert "default-src 'self'" in home.headers["content-security-policy"]


def test_a_session_cookie_is_httponly_and_samesite_and_secure_over_https(site):
    server, rt = site
    plain = Visitor(server.url)
    signed_in = plain.sign_in("alice")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("dialgate_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie
    overview = plain.get("/")
    assert "Decisions today" in overview.text and "alice · enercom · officer" in overview.text
    first = plain.http.cookies["dialgate_session"]
    plain.sign_in("alice")  # signing in again replaces the session: the old token is dead
    assert plain.http.cookies["dialgate_session"] != first and staff.viewer_for(rt, first) is None

    # Behind a TLS proxy on loopback (X-Forwarded-Proto: https). httpx keeps Secure cookies away from an
    # http:// URL, so this browser hands its cookie back by hand.
    https = {"X-Forwarded-Proto": "https"}
    form = httpx.get(f"{server.url}/login", headers=https)
    browser = form.headers["set-cookie"].split(";")[0]
    assert browser.startswith("__Host-dialgate_browser=") and "Secure" in form.headers["set-cookie"]
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.text).group(1)
    signed_in = httpx.post(
        f"{server.url}/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": token},
        headers=https | {"Cookie": browser},
    )
    (session,) = signed_in.headers.get_list("set-cookie")
    assert session.startswith("__Host-dialgate_session=") and "Secure" in session and "HttpOnly" in session
    assert "Path=/" in session and "Domain" not in session
    assert signed_in.headers["strict-transport-security"] == "max-age=31536000"


def test_a_form_without_a_valid_token_is_refused_and_changes_nothing(site):
    server, rt = site
    officer = Visitor(server.url)
    officer.sign_in("alice")
    opened = requests.open_request(
        rt, requests.RequestInput("enercom", "complaint", "+33639980013", "web", text="x")
    )
    close = f"/requests/{opened.id}/close"
    no_token = officer.post(close, {"resolution": "forged"}, token_from=None)
    wrong = officer.post(close, {"resolution": "forged", "csrf_token": "0" * 64}, token_from=None)
    stranger = Visitor(server.url)  # another browser's valid token does not fit this one
    borrowed = officer.post(close, {"resolution": "forged", "csrf_token": stranger.token()}, token_from=None)
    for refused in (no_token, wrong, borrowed):
        assert refused.status_code == 403 and "Nothing was changed" in refused.text
    assert requests.show_request(rt, opened.id).request.status == "open"

    anonymous = Visitor(server.url)
    forged = anonymous.post(
        "/consumer", {"brand": "enercom", "kind": "opt-out", "number": "+33639980014"}, token_from=None
    )
    assert forged.status_code == 403
    assert requests.list_requests(rt, brand="enercom", number="+33639980014") == []

    closed = officer.post(close, {"resolution": "called back"}, token_from=f"/requests/{opened.id}")
    assert closed.status_code == 303
    assert requests.show_request(rt, opened.id).request.status == "closed"


def test_signing_out_ends_the_session_and_old_forms_stop_working(site):
    server, _ = site
    officer = Visitor(server.url)
    officer.sign_in("alice")
    token = officer.token("/requests")
    out = officer.post("/logout", {})
    assert out.status_code == 303 and "dialgate_session=" in out.headers["set-cookie"]
    assert officer.get("/requests").status_code == 303
    again = officer.post("/logout", {"csrf_token": token}, token_from=None)
    assert again.status_code == 403


def test_a_user_never_sees_another_brands_data(site):
    server, rt = site
    opened = requests.open_request(
        rt, requests.RequestInput("enercom", "complaint", "+33639980012", "web", text="secret complaint")
    )
    bob = Visitor(server.url)
    bob.sign_in("bob")
    number = bob.get("/numbers/+33639980012")
    assert number.status_code == 200
    assert "web form 1012" not in number.text and "No consent event" in number.text
    assert opened.protocol not in number.text
    assert bob.get(f"/requests/{opened.id}").status_code == 404
    assert bob.get(f"/requests/{opened.protocol}").status_code == 404
    assert opened.protocol not in bob.get("/requests").text
    assert bob.get("/campaigns/fr-fibre").status_code == 404
    assert "fr-fibre" not in bob.get("/campaigns").text
    assert "callco" not in bob.get("/vendors").text
    alice = Visitor(server.url)
    alice.sign_in("alice")
    assert "web form 1012" in alice.get("/numbers/+33639980012").text
    assert "bob" not in alice.get("/").text


def test_repeated_failed_sign_ins_lock_the_account_and_say_when_to_retry(site):
    server, _ = site
    visitor = Visitor(server.url)
    for _ in range(3):
        failed = visitor.sign_in("alice", "not it at all")
        assert failed.status_code == 401 and "Wrong username or password" in failed.text
    locked = visitor.sign_in("alice")
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) == 900
    assert "dialgate_session" not in locked.headers.get("set-cookie", "")


def test_trying_a_number_shows_the_decision_with_reasons_citations_and_next_lawful_time(site, clock):
    server, _ = site
    alice = Visitor(server.url)
    alice.sign_in("alice")
    page = alice.get("/campaigns/fr-fibre")
    assert "FR.hours" in page.text and "D.223-9" in page.text
    answer = alice.post(
        "/campaigns/fr-fibre/try",
        {"number": "+33639980012", "at": "2026-11-23T13:30:00+01:00"},
        token_from="/campaigns/fr-fibre",
    )
    assert answer.status_code == 200 and "BLOCK" in answer.text
    assert "OUTSIDE_CALLING_HOURS" in answer.text and "C. conso. art. D.223-9" in answer.text
    assert "2026-11-23 14:00" in answer.text
    bad = alice.post("/campaigns/fr-fibre/try", {"number": "12"}, token_from="/campaigns/fr-fibre")
    assert bad.status_code == 200 and "INVALID_NUMBER" in bad.text
    bad_at = alice.post(
        "/campaigns/fr-fibre/try", {"number": "+33639980012", "at": "soon"}, token_from="/campaigns/fr-fibre"
    )
    assert bad_at.status_code == 422 and 'aria-describedby="try-at-error"' in bad_at.text


def _consumer_answer(
    visitor: Visitor, number: str, kind: str = "opt-out", lang: str | None = "en"
) -> httpx.Response:
    path = f"/consumer?lang={lang}" if lang else "/consumer"
    form = {"brand": "enercom", "kind": kind, "number": number, "region": "FR"}
    return visitor.post(path, form, token_from=path)


def _masked(html: str) -> str:
    html = re.sub(r"[0-9A-Y]{4}-[0-9A-Y]{4}", "PROTOCOL", html)
    html = re.sub(r'value="[0-9a-f]{64}"', 'value="TOKEN"', html)
    return re.sub(r"\d{1,2} \w+ \d{4} at \d\d:\d\d", "DATE", html)


def test_the_consumer_page_answers_alike_for_a_known_and_an_unknown_number(site):
    server, _ = site
    known = _consumer_answer(Visitor(server.url), "06 39 98 00 12")
    unknown = _consumer_answer(Visitor(server.url), "06 39 98 00 19")
    assert known.status_code == unknown.status_code == 200
    assert "We have received your request" in known.text
    assert _masked(known.text) == _masked(unknown.text)
    assert "granted" not in known.text and "+33639980012" not in known.text


def test_an_opt_out_on_the_consumer_page_blocks_the_number_at_once(site, clock):
    server, rt = site
    key = apikeys.create_api_key(rt, brand="enercom", scopes=["check"])
    turkish = Visitor(server.url, **{"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"})
    answer = _consumer_answer(turkish, "+33639980012", lang=None)
    assert '<html lang="tr">' in answer.text and "Başvurunuzu aldık" in answer.text
    check = httpx.post(
        f"{server.url}/v1/checks",
        # the server's now (11:00 in Paris): a check at an earlier instant rightly does not see the opt-out
        json={"number": "+33639980012", "campaign": "fr-fibre", "at": clock.now().isoformat()},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert check.json()["verdict"] == "BLOCK"
    assert "CONSENT_REVOKED" in [r["code"] for r in check.json()["reasons"]]


def test_consumer_errors_are_in_the_page_language_and_tied_to_their_fields(site):
    server, _ = site
    visitor = Visitor(server.url)
    answer = visitor.post(
        "/consumer?lang=de", {"brand": "enercom", "number": "12"}, token_from="/consumer?lang=de"
    )
    assert answer.status_code == 422 and '<html lang="de">' in answer.text
    assert "Wählen Sie aus, was Sie tun möchten." in answer.text
    assert 'href="#kind-opt-out"' in answer.text
    complaint = visitor.post(
        "/consumer?lang=de",
        {"brand": "enercom", "kind": "complaint", "number": "+33639980012"},
        token_from="/consumer?lang=de",
    )
    assert 'id="text-error"' in complaint.text and 'aria-invalid="true"' in complaint.text
    assert "Schreiben Sie uns, was passiert ist." in complaint.text
    bad_number = visitor.post(
        "/consumer?lang=de",
        {"brand": "enercom", "kind": "opt-out", "number": "12", "region": "DE"},
        token_from="/consumer?lang=de",
    )
    assert 'aria-describedby="number-hint number-error"' in bad_number.text
    assert "Geben Sie eine gültige Telefonnummer ein." in bad_number.text


def test_the_consumer_page_names_the_company_from_the_url_or_lets_people_choose(site):
    server, _ = site
    visitor = Visitor(server.url)
    chooser = visitor.get("/consumer?lang=it")
    assert '<select id="brand" name="brand"' in chooser.text and "Othertel" in chooser.text
    named = visitor.get("/consumer?brand=enercom&lang=it")
    assert (
        "Azienda: Enercom Energy" in named.text and 'type="hidden" name="brand" value="enercom"' in named.text
    )
    assert "Azienda" in visitor.http.get("/consumer", headers={"Accept-Language": "it-IT"}).text


def test_the_consumer_page_is_rate_limited_per_address(site):
    server, _ = site
    visitor = Visitor(server.url)
    for _ in range(4):
        assert _consumer_answer(visitor, "+33639980019", kind="complaint").status_code == 422  # no text
    limited = _consumer_answer(visitor, "+33639980019")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) == 600
    assert "try again in 10 minutes" in limited.text


def test_scrub_jobs_are_the_brands_and_their_upload_form_needs_its_token(site, clock):
    server, rt = site
    officer = Viewer("u", "alice", "enercom", Role.OFFICER, None)
    job = dashboard.submit_scrub(rt, officer, "fr-fibre", [b"phone\n+33639980012\n"], {"filename": "a.csv"})
    scrub_jobs.run_scrub_job(rt, job.id)
    alice = Visitor(server.url)
    alice.sign_in("alice")
    page = alice.get(f"/scrubs/{job.id}")
    assert page.status_code == 200 and "Download the scrubbed list" in page.text
    assert "hx-trigger" not in page.text  # a finished job is not polled any more
    result = alice.get(f"/scrubs/{job.id}/result")
    assert result.status_code == 200 and result.text.startswith("phone,dialgate_e164,dialgate_verdict")

    forged = alice.http.post(
        "/scrubs", data={"campaign": "fr-fibre"}, files={"file": ("b.csv", b"phone\n+33639980013\n")}
    )
    assert forged.status_code == 403 and len(dashboard.scrub_list(rt, officer)) == 1

    bob = Visitor(server.url)
    bob.sign_in("bob")
    assert bob.get(f"/scrubs/{job.id}").status_code == 404
    assert bob.get(f"/scrubs/{job.id}/result").status_code == 404
    assert "a.csv" not in bob.get("/scrubs").text
    vendor = Visitor(server.url)
    vendor.sign_in("cc")
    assert vendor.get("/scrubs").status_code == 403 and "Scrub jobs" not in vendor.get("/").text

    clock.advance(days=32)  # past the result's retention
    assert scrub_jobs.remove_expired_results(rt) == [job.id]
    alice = Visitor(server.url)
    alice.sign_in("alice")
    page = alice.get(f"/scrubs/{job.id}")
    assert "Download the scrubbed list" not in page.text and "deleted on" in page.text, page.text
    assert alice.get(f"/scrubs/{job.id}/result").status_code == 410


def test_a_number_page_says_when_the_brands_chain_is_broken(site, settings):
    server, _ = site
    store = build(settings)  # a second handle on the same store, as a rogue administrator would use
    tamper(store, "UPDATE consent_events SET note = 'edited' WHERE seq = 1")
    store.close()
    alice = Visitor(server.url)
    alice.sign_in("alice")
    page = alice.get("/numbers/+33639980012")
    assert "Chain broken" in page.text and "event 1" in page.text


def test_a_long_chain_is_checked_in_the_background_while_pages_say_so(site):
    import time

    from dialgate.web.app import ChainChecks

    _, rt = site
    checks = ChainChecks(sync_events=0)
    assert checks.get(rt, "enercom") is None  # started, not waited for
    deadline = time.monotonic() + 10
    while (found := checks.get(rt, "enercom")) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert found is not None and found.intact and found.events == 1
