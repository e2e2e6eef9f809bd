"""The dashboard and the consumer page in a real browser: Debian's Chromium driven by Playwright.

Never a downloaded browser: /usr/bin/chromium, installed by ./dev. One server (uvicorn on loopback, the
demo loaded into an SQLite store) and one browser per test process; a fresh browser context per test.
Screenshots of every page go to $DIALGATE_TEST_ARTIFACTS/screenshots (the CI run keeps that folder).
"""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialgate.api.app import create_app
from dialgate.bootstrap import build
from dialgate.cli import demo
from dialgate.config import Settings
from dialgate.services import apikeys, requests, staff
from tests.support.apiserver import LoopbackServer

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]  # fmt: skip
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
PASSWORD = "browser tests passphrase"
NUMBER = "+33639980012"  # consented in the demo: an opt-out must turn it into a BLOCK


class Site:
    def __init__(self, url: str, rt: Any, key: str, shots: Path) -> None:
        self.url, self.rt, self.key, self.shots = url, rt, key, shots

    def shot(self, page: Any, name: str) -> None:
        page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def check(self, number: str, campaign: str = "fr-fibre") -> dict[str, Any]:
        answer = httpx.post(
            f"{self.url}/v1/checks",
            json={"number": number, "campaign": campaign},
            headers={"Authorization": f"Bearer {self.key}"},
        )
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: ./dev test installs Debian's chromium")
    data = tmp_path_factory.mktemp("browser-data")
    settings = Settings(data_dir=data, database_url=None)
    settings.web.consumer_requests_per_address = 1000
    container = build(settings)
    rt = container.runtime
    demo.load(rt, tmp_path_factory.mktemp("demo-registers"))
    staff.create_user(rt, brand=demo.BRAND, username="olga", role="officer", password=PASSWORD)
    key = apikeys.create_api_key(rt, brand=demo.BRAND, scopes=["check"])
    artifacts = os.environ.get("DIALGATE_TEST_ARTIFACTS")
    shots = Path(artifacts) / "screenshots" if artifacts else tmp_path_factory.mktemp("screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with LoopbackServer(create_app(container)) as server:
        yield Site(server.url, rt, key, shots)
    container.close()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield context.new_page()
    context.close()


def sign_in(site: Site, page: Any) -> None:
    page.goto(site.url + "/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url + "/")


def serious_violations(page: Any) -> list[str]:
    """axe-core, run in the page: the WCAG 2.x A and AA rules; serious and critical findings only."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
            const found = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return found.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
        }"""
    )
    return list(result)


def test_an_officer_signs_in_and_looks_a_number_up(site: Site, page: Any) -> None:
    sign_in(site, page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Overview")
    assert page.locator("#days-chart").is_visible()
    site.shot(page, "overview")
    page.get_by_role("link", name="Numbers").click()
    page.get_by_label("Number").fill("06 39 98 00 12")
    page.get_by_label("Country, for national formats").select_option("FR")
    page.get_by_role("button", name="Look up").click()
    page.wait_for_url(f"**/numbers/*{NUMBER[1:]}")
    assert NUMBER in page.get_by_role("heading", level=1).inner_text()
    assert "Chain verified" in page.locator("#main").inner_text()
    site.shot(page, "number")
    pages = {
        "campaigns": "/campaigns",
        "requests": "/requests",
        "vendors": "/vendors",
        "registers": "/registers",
    }
    for name, path in pages.items():
        page.goto(site.url + path)
        site.shot(page, name)
    assert "UK-TPS" in page.locator("#main").inner_text() and "d left" in page.locator("#main").inner_text()


def test_an_officer_tries_a_number_on_a_campaign(site: Site, page: Any) -> None:
    sign_in(site, page)
    page.goto(site.url + "/campaigns/fr-fibre")
    assert page.get_by_role("heading", name="France (FR)").is_visible()
    page.get_by_label("Number", exact=True).fill("+33639980013")
    page.get_by_label("When").fill("2026-11-23T13:30:00+01:00")
    page.get_by_role("button", name="Check").click()
    decision = page.locator("#decision").inner_text()
    assert "BLOCK" in decision and "INTERNAL_DNC" in decision and "OUTSIDE_CALLING_HOURS" in decision
    site.shot(page, "campaign-try")


def test_a_consumer_opts_out_in_turkish_and_the_number_is_blocked_at_once(site: Site, browser: Any) -> None:
    before = [r["code"] for r in site.check(NUMBER)["reasons"]]
    assert "CONSENT_REVOKED" not in before
    context = browser.new_context(locale="tr-TR", viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.goto(site.url + "/consumer")  # the language comes from the browser's Accept-Language
    assert page.locator("html").get_attribute("lang") == "tr"
    site.shot(page, "consumer-tr")
    page.get_by_label("Numarama ticari arama yapılmasın").check()
    page.get_by_label("Telefon numaranız").fill(NUMBER)
    page.get_by_role("button", name="Başvuruyu gönder").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Başvurunuzu aldık"
    protocol = page.locator("#protocol").inner_text()
    site.shot(page, "consumer-tr-done")
    context.close()

    decision = site.check(NUMBER)
    assert decision["verdict"] == "BLOCK"
    assert "CONSENT_REVOKED" in [r["code"] for r in decision["reasons"]]
    (opened,) = [r for r in requests.list_requests(site.rt, brand=demo.BRAND) if r.protocol == protocol]
    assert (opened.kind, opened.via, opened.status) == ("opt-out", "web", "closed")


def _tab_to(page: Any, wanted: str, limit: int = 40) -> list[str]:
    """Press Tab until the element `wanted` (an id) has focus; return the ids seen on the way."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")
        seen.append(focused)
        if focused == wanted:
            return seen
    raise AssertionError(f"never reached #{wanted}: {seen}")


def test_the_consumer_page_works_with_the_keyboard_alone(site: Site, page: Any) -> None:
    page.goto(site.url + "/consumer?lang=en&brand=enercom")
    order = _tab_to(page, "submit-request")
    assert order[0] == "Skip to the form"
    fields = [
        f for f in order if f in {"kind-opt-out", "number", "region", "caller_id", "text", "submit-request"}
    ]
    assert fields == ["kind-opt-out", "number", "region", "caller_id", "text", "submit-request"]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")  # the focus can be seen

    with page.expect_navigation():
        page.keyboard.press("Enter")  # an empty form: the error summary takes the focus, its links lead on
    # autofocus is applied at the page's next rendering step, not by the time the navigation ends: wait for
    # it (a page that never moves the focus there still fails here, after the timeout)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'errors'", timeout=5000)
    site.shot(page, "consumer-errors")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#kind-opt-out"

    page.goto(site.url + "/consumer?lang=en&brand=enercom")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    _tab_to(page, "kind-opt-out")
    page.keyboard.press("ArrowDown")  # radio buttons: arrows move and select
    assert page.evaluate("document.activeElement.id") == "kind-complaint"
    page.keyboard.press("Tab")
    page.keyboard.type("+447700900123")
    _tab_to(page, "text")
    page.keyboard.type("Three calls on Sunday evening.")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "We have received your request"
    assert "must answer your complaint by" in page.locator("#outcome").inner_text()


def test_an_officer_uploads_a_list_follows_the_scrub_and_downloads_the_result(
    site: Site, page: Any, tmp_path: Path
) -> None:
    listing = tmp_path / "autumn-list.csv"
    listing.write_text("name,phone\nAda,+33639980012\nBea,+33639980013\nDan,not a number\n", encoding="utf-8")
    sign_in(site, page)
    page.get_by_role("link", name="Scrub jobs").click()
    page.get_by_label("CSV file").set_input_files(str(listing))
    page.get_by_label("Campaign", exact=True).select_option("fr-fibre")
    page.get_by_role("button", name="Upload and scrub").click()
    download_link = page.get_by_role("link", name="Download the scrubbed list (CSV)")
    # htmx follows the job until it is done. On a fresh checkout the server compiles the CSV kernels
    # for its first scrub (scan_records alone takes 18 s; more while the other test worker compiles too)
    download_link.wait_for(timeout=120_000)
    assert page.locator("#scrub-state").inner_text() == "done"
    assert "INVALID_NUMBER" in page.locator("#scrub-status").inner_text()
    site.shot(page, "scrub")
    with page.expect_download() as download:
        download_link.click()
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert rows[0] == "name,phone,dialgate_e164,dialgate_verdict,dialgate_reasons,dialgate_next_allowed_at"
    assert len(rows) == 4 and rows[3].startswith("Dan,not a number,,BLOCK,INVALID_NUMBER")
    page.goto(site.url + "/scrubs")
    assert "autumn-list.csv" in page.locator("#main").inner_text()
    site.shot(page, "scrubs")


class _Attacker(http.server.BaseHTTPRequestHandler):
    """Another site on the same host (same-site for cookies: ports do not count): it serves a form that
    posts to the dashboard without the browser's token."""

    target = ""

    def do_GET(self) -> None:
        body = (
            "<!doctype html><html lang='en'><title>Win a prize</title><body>"
            f"<form id='f' method='post' action='{self.target}'>"
            "<input name='resolution' value='closed by a forged form'>"
            "<input name='csrf_token' value='0000000000000000000000000000000000000000000000000000000000000000'>"
            "<button>Claim</button></form></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


def test_a_forged_form_from_another_site_is_refused_and_changes_nothing(site: Site, page: Any) -> None:
    opened = requests.open_request(
        site.rt, requests.RequestInput(demo.BRAND, "complaint", "+447700900150", "phone", text="rude caller")
    )
    sign_in(site, page)  # the officer is signed in: the session cookie goes with same-site requests
    _Attacker.target = f"{site.url}/requests/{opened.id}/close"
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        with page.expect_navigation():
            page.get_by_role("button", name="Claim").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Form refused"
        site.shot(page, "csrf-refused")
    finally:
        evil.shutdown()
    assert requests.show_request(site.rt, opened.id).request.status == "open"
    page.goto(f"{site.url}/requests/{opened.id}")  # the real form, with its token, still works
    page.get_by_label("How was it resolved?").fill("Called back and apologised.")
    page.get_by_role("button", name="Close the request").click()
    assert requests.show_request(site.rt, opened.id).request.status == "closed"


def test_no_serious_accessibility_violations_on_the_consumer_page_and_the_overview(
    site: Site, browser: Any
) -> None:
    # axe is injected as an inline script: the pages' Content-Security-Policy would refuse it
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for lang in ("en", "tr", "pt"):
        page.goto(f"{site.url}/consumer?lang={lang}")
        assert serious_violations(page) == [], lang
    page.goto(f"{site.url}/consumer?lang=ro")
    page.get_by_role("button", name="Trimiteți cererea").click()  # the page with its error messages
    assert serious_violations(page) == []
    site.shot(page, "consumer-ro-errors")
    sign_in(site, page)
    assert serious_violations(page) == []
    page.goto(f"{site.url}/numbers/{NUMBER}")
    assert serious_violations(page) == []
    context.close()
