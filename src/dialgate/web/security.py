"""Cookies, CSRF tokens, sessions and client addresses for the web pages.

- The session cookie holds a random token; the store keeps its SHA-256 (services/staff.py). It is
  HttpOnly, SameSite=Lax, and Secure with the `__Host-` prefix whenever the page was served over https.
  Lax, not Strict: an officer who follows a link to the dashboard from a mail arrives signed in, and
  no state changes on a GET.
- Every form carries a CSRF token: an HMAC, under the installation's secret (data directory, 0600), of a
  random per-browser cookie and the session token. A POST whose token does not match is refused with 403
  before anything runs. Signing in or out changes the token, so an old page's forms stop working.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request, Response

from dialgate.domain.staff import Policy, Viewer, address_key
from dialgate.services import staff
from dialgate.services.runtime import Runtime

FIELD = "csrf_token"
_SESSION, _BROWSER = "dialgate_session", "dialgate_browser"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class WebConfig:
    secret: bytes
    login: staff.LoginPolicy
    consumer: Policy


class CsrfError(Exception):
    """A form came without the token of this browser's session: refused, nothing changed."""


class LoginRequiredError(Exception):
    pass


def config(request: Request) -> WebConfig:
    found: WebConfig = request.app.state.web
    return found


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def cookie_name(request: Request, base: str) -> str:
    return f"__Host-{base}" if is_https(request) else base


def _cookie(request: Request, base: str) -> str:
    return request.cookies.get(cookie_name(request, base), "")


def session_token(request: Request) -> str:
    pending: str | None = getattr(request.state, "new_session", None)
    return pending if pending is not None else _cookie(request, _SESSION)


def browser_token(request: Request) -> str:
    """This browser's random CSRF cookie, made up now (and set on the response) when it has none."""
    token = _cookie(request, _BROWSER) or getattr(request.state, "new_browser", "")
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_browser = token
    return token


def csrf_token(request: Request) -> str:
    secret = config(request).secret
    binding = f"{browser_token(request)}|{hashlib.sha256(session_token(request).encode()).hexdigest()}"
    return hmac.new(secret, binding.encode(), hashlib.sha256).hexdigest()


async def csrf_guard(request: Request) -> None:
    """Router dependency: every state-changing request must carry this browser's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if not _cookie(request, _BROWSER):
        raise CsrfError("no browser cookie")
    form = await request.form()
    sent = form.get(FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(request)):
        raise CsrfError("missing or wrong token")


def set_cookies(request: Request, response: Response) -> None:
    """Set the cookies this request made up (browser token, new session) on its response."""
    secure = is_https(request)
    new_browser = getattr(request.state, "new_browser", None)
    if new_browser:
        response.set_cookie(
            cookie_name(request, _BROWSER),
            new_browser,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        )
    new_session = getattr(request.state, "new_session", None)
    if new_session is not None:
        name = cookie_name(request, _SESSION)
        if new_session:
            response.set_cookie(name, new_session, httponly=True, samesite="lax", secure=secure, path="/")
        else:
            response.delete_cookie(name, httponly=True, samesite="lax", secure=secure, path="/")
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")


def start_session(request: Request, token: str) -> None:
    request.state.new_session = token


def end_session(request: Request) -> None:
    request.state.new_session = ""


def viewer(request: Request) -> Viewer | None:
    """Who is signed in on this request (looked up once per request)."""
    if hasattr(request.state, "viewer"):
        found: Viewer | None = request.state.viewer
        return found
    token = _cookie(request, _SESSION)
    who = staff.viewer_for(runtime(request), token, config(request).login) if token else None
    request.state.viewer = who
    return who


def require_viewer(request: Request) -> Viewer:
    who = viewer(request)
    if who is None:
        raise LoginRequiredError()
    return who


def client_address(request: Request) -> str:
    """The key a client is counted under (uvicorn has already applied trusted proxy headers)."""
    return address_key(request.client.host if request.client else None)


def retry_after(wait: timedelta) -> str:
    return str(max(1, int(wait.total_seconds() + 0.999)))
