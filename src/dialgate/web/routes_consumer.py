"""The public consumer page (/consumer): opt out, complain or cancel, in nine languages, without login.

The answer is the same for every number: the protocol and the due date of the request just opened.
Error messages are the page's own, in the page's language, tied to their fields; the services' English
messages never reach the public.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from dialgate.errors import DialgateError, InputError
from dialgate.services import consumer
from dialgate.services.runtime import Runtime
from dialgate.services.throttle import ThrottledError
from dialgate.web import i18n, security
from dialgate.web.render import page

MAX_FIELD = {"number": 64, "caller_id": 64, "text": 10_000}


def _language(request: Request) -> str:
    return i18n.pick(request.query_params.get("lang"), request.headers.get("accept-language"))


class ConsumerRoute(APIRoute):
    """Refusals (a form without its token, too many forms) as pages in the consumer's language."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except security.CsrfError:
                return _message(request, "expired", status=403)
            except ThrottledError as exc:
                minutes = max(1, round(exc.retry_after.total_seconds() / 60))
                headers = {"Retry-After": security.retry_after(exc.retry_after)}
                return _message(request, "limited", status=429, headers=headers, minutes=str(minutes))
            except DialgateError:
                return _message(request, "generic", status=503)

        return handler


def _message(
    request: Request, which: str, *, status: int, headers: dict[str, str] | None = None, **values: str
) -> Response:
    t = i18n.Text(_language(request))
    titles = {"expired": t.expired_title, "limited": t.limited_title, "generic": t.errors_title}
    texts = {"expired": t.expired_text, "limited": t.limited_text, "generic": t.err_generic}
    context = {
        "t": t,
        "title": titles[which],
        "text": texts[which].format(**values),
        **_links(request, t.lang),
    }
    return page(request, "consumer_message.html", context, status=status, headers=headers)


def _links(request: Request, lang: str) -> dict[str, Any]:
    brand = request.query_params.get("brand", "")
    suffix = f"&brand={quote(brand[:64], safe='')}" if brand else ""
    return {
        "languages": [(code, name, f"/consumer?lang={code}{suffix}") for code, name in i18n.languages()],
        "form_url": f"/consumer?lang={lang}{suffix}",
    }


router = APIRouter(
    route_class=ConsumerRoute, include_in_schema=False, dependencies=[Depends(security.csrf_guard)]
)
Rt = Annotated[Runtime, Depends(security.runtime)]


def _form_page(
    request: Request,
    rt: Runtime,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    t = i18n.Text(_language(request))
    brands = consumer.brands(rt)
    wanted = values.get("brand") or request.query_params.get("brand", "")
    fixed = next((b for b in brands if b.id == wanted), None) if wanted else None
    if fixed is None and len(brands) == 1:
        fixed = brands[0]
    context = {
        "t": t,
        "lang": t.lang,
        "brands": brands,
        "fixed": fixed,
        "values": values,
        "errors": errors or {},
        "region": values.get("region", i18n.LIKELY_COUNTRY.get(t.lang, "")),
        "example": i18n.EXAMPLE,
        **_links(request, t.lang),
    }
    return page(request, "consumer.html", context, status=status)


@router.get("/consumer")
def consumer_form(request: Request, rt: Rt) -> Response:
    return _form_page(request, rt, values={})


@router.post("/consumer")
def consumer_submit(
    request: Request,
    rt: Rt,
    brand: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
    caller_id: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "brand": brand,
        "kind": kind,
        "number": number,
        "region": region,
        "caller_id": caller_id,
        "text": text,
    }
    consumer.check_rate(rt, security.client_address(request), security.config(request).consumer)
    t = i18n.Text(_language(request))
    errors = _missing(values, t) | _too_long(values, t)
    if not errors:
        try:
            receipt = consumer.submit(
                rt,
                consumer.Submission(
                    brand=brand,
                    kind=kind,
                    number=number,
                    region=region or None,
                    text=text or None,
                    caller_id=caller_id or None,
                ),
            )
        except InputError as exc:
            errors = {_field(exc): _message_for(exc, values, t)}
        else:
            date = t.instant(receipt.received_at if receipt.done else receipt.due_at, receipt.zone)
            key = f"done_{receipt.kind.value.replace('-', '_')}"
            context = {
                "t": t,
                "lang": t.lang,
                "receipt": receipt,
                "outcome": t(key, company=receipt.brand.name, date=date),
                **_links(request, t.lang),
            }
            return page(request, "consumer_done.html", context)
    return _form_page(request, rt, values=values, errors=errors, status=422)


def _missing(values: dict[str, str], t: i18n.Text) -> dict[str, str]:
    """Every empty required field at once, in the order of the form (the service stops at the first)."""
    errors: dict[str, str] = {}
    if not values["brand"].strip():
        errors["brand"] = t.err_brand
    if values["kind"] not in {str(k) for k in consumer.PUBLIC_KINDS}:
        errors["kind"] = t.err_kind
    if not values["number"].strip():
        errors["number"] = t.err_number_required
    if values["kind"] == "complaint" and not values["text"].strip():
        errors["text"] = t.err_text_required
    return errors


def _too_long(values: dict[str, str], t: i18n.Text) -> dict[str, str]:
    return {name: t.err_too_long for name, limit in MAX_FIELD.items() if len(values.get(name, "")) > limit}


def _field(exc: InputError) -> str:
    field = exc.location.field if exc.location and exc.location.field else "number"
    return {"region": "number", "called_at": "text"}.get(field, field)


def _message_for(exc: InputError, values: dict[str, str], t: i18n.Text) -> str:
    field = _field(exc)
    if field == "brand":
        return t.err_brand
    if field == "kind":
        return t.err_kind
    if field == "text":
        return t.err_text_required if not values["text"].strip() else t.err_too_long
    if field == "caller_id":
        return t.err_too_long
    return t.err_number_required if not values["number"].strip() else t.err_number_invalid
