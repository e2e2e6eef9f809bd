"""Templates (Jinja2, autoescaped) and the formatting the pages share."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from dialgate import __version__
from dialgate.domain.timeutil import zone_info
from dialgate.web import charts, security

HTMX = "vendor/htmx-2.0.11.min.js"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("dialgate.web", "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=when,
        local=local,
        countdown=countdown,
        ago=ago,
        span=span,
        secs=secs,
        short=short,
        firmness=firmness,
    )
    env.globals.update(
        version=__version__, htmx=HTMX, days_chart=charts.days_chart, bars_chart=charts.bars_chart
    )
    return env


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a template with what every page needs: the request, the viewer, the form token."""
    ctx = {"request": request, "viewer": getattr(request.state, "viewer", None), "path": request.url.path}
    ctx.update(context or {})
    ctx["csrf"] = security.csrf_token(request)
    ctx["csrf_field"] = security.FIELD
    html = environment().get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status, headers=headers)
    response.headers["Cache-Control"] = "no-store"
    security.set_cookies(request, response)
    return response


def redirect(request: Request, url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    security.set_cookies(request, response)
    return response


# --- formatting -----------------------------------------------------------------------------------------


def when(moment: datetime | None) -> str:
    """An instant in UTC, to the minute: 2026-11-23 14:05 UTC."""
    if moment is None:
        return "—"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def local(moment: datetime | None, zone: str | None) -> str:
    """An instant in a callee's zone, with its offset: 2026-11-23 14:00 (Europe/Paris, +01:00)."""
    if moment is None:
        return "—"
    if not zone:
        return when(moment)
    there = moment.astimezone(zone_info(zone))
    offset = there.strftime("%z")
    return f"{there:%Y-%m-%d %H:%M} ({zone}, {offset[:3]}:{offset[3:]})"


def span(delta: timedelta) -> str:
    """A duration as a person says it, to two units: 2 d 3 h, 5 h 20 min, 45 s."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def secs(seconds: float | None) -> str:
    return "—" if seconds is None else span(timedelta(seconds=seconds))


def countdown(due: datetime, now: datetime) -> str:
    left = due - now
    return f"due in {span(left)}" if left.total_seconds() >= 0 else f"overdue by {span(left)}"


def ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    return f"{span(now - moment)} ago"


def short(text: str | None, size: int = 12) -> str:
    if not text:
        return ""
    return text if len(text) <= size else text[:size] + "…"


def firmness(code: str) -> str:
    return {
        "V": "verified in the primary text",
        "S": "from a secondary source",
        "U": "not yet verified",
    }.get(code, code)
