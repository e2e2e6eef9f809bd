"""Errors as application/problem+json (RFC 9457), translated once for the whole app."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from dialgate.errors import DialgateError, RateLimitedError

PROBLEM = "application/problem+json"


def problem_body(status: int, title: str, detail: str, code: str, **extra: Any) -> bytes:
    body = {
        "type": f"https://dialgate.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return orjson.dumps(body)


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = problem_body(status, title, detail, code, **extra)
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


def error_parts(exc: DialgateError) -> tuple[int, bytes, dict[str, str]]:
    """An error as (status, problem+json body, extra headers), for handlers below the framework. The
    detail says where as well as what (the location's members say it for programs)."""
    loc = exc.location
    body = problem_body(
        exc.http_status,
        exc.title,
        str(exc),
        exc.code,
        field=loc.field if loc else None,
        line=loc.line if loc else None,
        file=loc.file if loc else None,
    )
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else {}
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = "1"
    return exc.http_status, body, headers


def from_error(exc: DialgateError) -> Response:
    status, body, headers = error_parts(exc)
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers or None)


def install(app: FastAPI) -> None:
    @app.exception_handler(DialgateError)
    async def _dialgate(_: Request, exc: DialgateError) -> Response:
        return from_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
        detail = first.get("msg", "invalid request")
        return problem(
            422,
            "Invalid input",
            f"{field}: {detail}" if field else detail,
            "invalid_input",
            field=field or None,
            errors=[
                {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")}
                for e in exc.errors()
            ],
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        return problem(exc.status_code, str(exc.detail), str(exc.detail), "http_" + str(exc.status_code))
