"""Where webhooks may connect: public addresses, and the non-public networks an operator lists."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from dialgate.adapters.events.http import HttpxSender
from dialgate.config import WebhookSettings
from dialgate.domain.webhooks import parse_networks, refused_address
from dialgate.errors import InputError
from dialgate.services import brands, vendors, webhooks
from tests.support.receiver import Receiver

NONE = parse_networks([])


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4 written as IPv6 is judged as IPv4
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),  # a cloud's metadata service
        ("fe80::1%eth0", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("192.0.2.10", "private"),  # documentation range (private in the IANA special-purpose registry)
    ],
)
def test_non_public_addresses_are_refused_by_default(address, kind):
    refused = refused_address(address, NONE)
    assert refused is not None and f"a {kind} address" in refused
    assert "webhooks.allowed_networks" in refused


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888"])
def test_public_addresses_are_reached(address):
    assert refused_address(address, NONE) is None


def test_listed_networks_are_reached_and_only_they():
    allowed = parse_networks(["10.20.0.0/16", "127.0.0.1"])
    assert refused_address("10.20.3.4", allowed) is None
    assert refused_address("127.0.0.1", allowed) is None
    assert refused_address("10.21.0.1", allowed) is not None
    assert refused_address("127.0.0.2", allowed) is not None


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "crm.example", ""])
def test_a_setting_that_is_no_network_is_refused_naming_it(entry):
    with pytest.raises(ValidationError, match="is not an address or network"):
        WebhookSettings(allowed_networks=["10.0.0.0/8", entry])


def _post(sender: HttpxSender, url: str):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        try:
            return await sender.post(url, b"[]", {"Content-Type": "application/json"}, 5.0)
        finally:
            await sender.aclose()

    return asyncio.run(go())


def test_a_delivery_is_refused_when_its_host_resolves_to_a_refused_address():
    with Receiver() as receiver:
        port = receiver.url().split(":")[2].split("/")[0]
        answer = _post(HttpxSender(), f"http://localhost:{port}/hook")  # a name: judged at connection
        assert answer.status is None and "loopback" in (answer.error or "")
        answer = _post(HttpxSender(), f"http://127.0.0.1:{port}/hook")
        assert answer.status is None and "loopback" in (answer.error or "")
        assert receiver.arrivals == 0


def test_a_delivery_reaches_a_listed_network():
    with Receiver() as receiver:
        port = receiver.url().split(":")[2].split("/")[0]
        sender = HttpxSender(allowed=parse_networks(["127.0.0.0/8"]))
        answer = _post(sender, f"http://localhost:{port}/hook")
        assert answer.status == 200, answer.error
        assert receiver.arrivals == 1


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://localhost/hook", "loopback"),
        ("http://api.localhost/hook", "loopback"),
        ("http://[::1]:9/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("https://10.0.0.5/hook", "private"),
    ],
)
def test_setting_a_url_to_a_refused_address_names_the_problem(rt, url, kind):
    brands.add_brand(rt, "enercom")
    vendors.apply_vendor(rt, brand="enercom", vendor_id="callco")
    with pytest.raises(InputError, match=f"a {kind} address") as caught:
        webhooks.set_webhook(rt, "enercom", "callco", url)
    assert caught.value.location is not None and caught.value.location.field == "url"
    assert url.split("/")[2].split(":")[0].strip("[]") in str(caught.value)  # the host as written


def test_names_and_listed_networks_are_accepted_when_set(rt):
    brands.add_brand(rt, "enercom")
    vendors.apply_vendor(rt, brand="enercom", vendor_id="callco")
    webhooks.set_webhook(rt, "enercom", "callco", "https://crm.callco.example/hook")  # judged at delivery
    rt.webhook_networks = parse_networks(["10.0.0.0/8"])
    endpoint, _ = webhooks.set_webhook(rt, "enercom", "callco", "https://10.0.0.5/hook")
    assert endpoint.url == "https://10.0.0.5/hook"
