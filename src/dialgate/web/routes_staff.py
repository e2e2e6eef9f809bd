"""The staff dashboard: sign-in, overview, numbers, campaigns, requests, vendors, users.

Every page is rendered on the server and works without JavaScript; htmx only refreshes the live parts
(countdowns, lag) in place. Handlers parse the request, call one service, and render.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any, BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response
from fastapi.routing import APIRoute

from dialgate.domain.numbers import parse_number
from dialgate.domain.staff import Viewer
from dialgate.errors import DialgateError, InputError, NotFoundError
from dialgate.services import dashboard, scrub_jobs, staff
from dialgate.services.check import CheckRequest, check_call
from dialgate.services.runtime import Runtime
from dialgate.web import security
from dialgate.web.render import page, redirect


class StaffRoute(APIRoute):
    """Errors become pages: signed-out visitors go to the sign-in form, refused forms get a 403 page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except security.LoginRequiredError:
                if request.headers.get("HX-Request"):
                    return Response(status_code=401, headers={"HX-Redirect": "/login"})
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return redirect(request, "/login?next=" + quote(target, safe=""))
            except security.CsrfError:
                return page(request, "error.html", _refused(), status=403)
            except DialgateError as exc:
                return page(
                    request,
                    "error.html",
                    {"title": exc.title, "message": exc.message},
                    status=exc.http_status,
                )

        return handler


def _refused() -> dict[str, str]:
    return {
        "title": "Form refused",
        "message": "This form did not carry a valid security token (it may come from another site, or "
        "from a page opened before you signed in or out). Nothing was changed. Open the page again and "
        "resend the form.",
    }


router = APIRouter(
    route_class=StaffRoute, include_in_schema=False, dependencies=[Depends(security.csrf_guard)]
)
Who = Annotated[Viewer, Depends(security.require_viewer)]
Rt = Annotated[Runtime, Depends(security.runtime)]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never //host or a scheme (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# --- signing in and out ---------------------------------------------------------------------------------


@router.get("/")
def home(request: Request, rt: Rt) -> Response:
    who = security.viewer(request)
    if who is None:
        return page(request, "login.html", {"next": "/"})
    return page(request, "overview.html", {"o": dashboard.overview(rt, who)})


@router.get("/overview/live")
def overview_live(request: Request, rt: Rt, who: Who) -> Response:
    return page(request, "_overview_live.html", {"o": dashboard.overview(rt, who)})


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if security.viewer(request) is not None:
        return redirect(request, _safe_next(next))
    return page(request, "login.html", {"next": _safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    rt: Rt,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    cfg = security.config(request)
    context = {"next": _safe_next(next), "username": username[:64]}
    try:
        token, _ = staff.login(
            rt, username, password, address=security.client_address(request), policy=cfg.login
        )
    except staff.LockedOutError as exc:
        headers = {"Retry-After": security.retry_after(exc.retry_after)}
        return page(request, "login.html", context | {"error": exc.message}, status=429, headers=headers)
    except DialgateError:
        return page(request, "login.html", context | {"error": "Wrong username or password."}, status=401)
    previous = security.session_token(request)
    if previous:  # a new session replaces whatever this browser held before
        staff.logout(rt, previous)
    security.start_session(request, token)
    return redirect(request, _safe_next(next))


@router.post("/logout")
def logout(request: Request, rt: Rt) -> Response:
    token = security.session_token(request)
    if token:
        staff.logout(rt, token)
    security.end_session(request)
    return redirect(request, "/")


# --- numbers --------------------------------------------------------------------------------------------


@router.get("/numbers")
def find_number(request: Request, who: Who, number: str = "", region: str = "") -> Response:
    if not number.strip():
        return page(request, "number_search.html", {})
    try:
        e164 = parse_number(number, region or None).e164
    except InputError as exc:
        context = {"number": number, "region": region, "error": exc.message}
        return page(request, "number_search.html", context, status=422)
    return redirect(request, f"/numbers/{quote(e164)}")


@router.get("/numbers/chain")
def chain_badge(request: Request, rt: Rt, who: Who) -> Response:
    return page(request, "_chain_badge.html", {"chain": request.app.state.chain_checks.get(rt, who.brand)})


@router.get("/numbers/{number}")
def number_page(request: Request, rt: Rt, who: Who, number: str) -> Response:
    view = dashboard.number_page(rt, who, number)
    chain = request.app.state.chain_checks.get(rt, who.brand)
    return page(request, "number.html", {"n": view, "chain": chain, "now": rt.clock.now()})


@router.get("/numbers/{number}/evidence/{sha256}")
def evidence(request: Request, rt: Rt, who: Who, number: str, sha256: str) -> Response:
    path = dashboard.evidence_file(rt, who, number, sha256)
    response = FileResponse(path, media_type="application/octet-stream", filename=f"evidence-{sha256[:16]}")
    security.set_cookies(request, response)
    return response


# --- campaigns ------------------------------------------------------------------------------------------


@router.get("/campaigns")
def campaigns(request: Request, rt: Rt, who: Who) -> Response:
    return page(request, "campaigns.html", {"campaigns": dashboard.visible_campaigns(rt, who)})


@router.get("/campaigns/{campaign_id}")
def campaign(request: Request, rt: Rt, who: Who, campaign_id: str) -> Response:
    view = dashboard.campaign_page(rt, who, campaign_id)
    return page(request, "campaign.html", {"c": view, "form": {}})


@router.post("/campaigns/{campaign_id}/try")
def try_number(
    request: Request,
    rt: Rt,
    who: Who,
    campaign_id: str,
    number: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
    caller_id: Annotated[str, Form()] = "",
    vendor: Annotated[str, Form()] = "",
    at: Annotated[str, Form()] = "",
) -> Response:
    view = dashboard.campaign_page(rt, who, campaign_id)
    form = {"number": number, "region": region, "caller_id": caller_id, "vendor": vendor, "at": at}
    request_ = CheckRequest(
        campaign=view.campaign.id,
        numbers=[number],
        caller_id=caller_id.strip() or None,
        vendor=who.vendor or vendor.strip() or None,
        at=at.strip() or None,
        region=region.strip() or None,
        via="web",
    )
    try:
        decision = check_call(rt, request_, brand=who.brand)
    except InputError as exc:
        field = exc.location.field if exc.location else None
        context = {"c": view, "form": form, "error": exc.message, "error_field": field}
        return page(request, "campaign.html", context, status=422)
    return page(request, "campaign.html", {"c": view, "form": form, "decision": decision})


# --- requests, vendors, users ---------------------------------------------------------------------------


@router.get("/requests")
def requests_page(request: Request, rt: Rt, who: Who) -> Response:
    return page(request, "requests.html", {"q": dashboard.request_queue(rt, who)})


@router.get("/requests/table")
def requests_table(request: Request, rt: Rt, who: Who) -> Response:
    return page(request, "_requests_table.html", {"q": dashboard.request_queue(rt, who)})


@router.get("/requests/{request_id}")
def request_page(request: Request, rt: Rt, who: Who, request_id: str) -> Response:
    view = dashboard.request_detail(rt, who, request_id)
    context = {"r": view.request, "events": view.events, "now": rt.clock.now()}
    return page(request, "request.html", context)


@router.post("/requests/{request_id}/close")
def close_request(
    request: Request, rt: Rt, who: Who, request_id: str, resolution: Annotated[str, Form()] = ""
) -> Response:
    try:
        closed = dashboard.close_request(rt, who, request_id, resolution)
    except InputError as exc:
        view = dashboard.request_detail(rt, who, request_id)
        context = {"r": view.request, "events": view.events, "now": rt.clock.now(), "error": exc.message}
        return page(request, "request.html", context, status=422)
    return redirect(request, f"/requests?closed={quote(closed.protocol)}")


@router.get("/vendors")
def vendors(request: Request, rt: Rt, who: Who) -> Response:
    return page(request, "vendors.html", {"rows": dashboard.vendors_page(rt, who), "now": rt.clock.now()})


@router.get("/users")
def users(request: Request, rt: Rt, who: Who) -> Response:
    return page(request, "users.html", {"users": dashboard.users_page(rt, who)})


@router.get("/registers")
def registers(request: Request, rt: Rt, who: Who) -> Response:
    return page(request, "registers.html", {"registers": dashboard.registers(rt)})


@router.get("/registers/{name}")
def register(request: Request, rt: Rt, who: Who, name: str) -> Response:
    view = dashboard.register_page(rt, name)
    return page(request, "register.html", {"name": view.name, "history": view.history, "status": view.status})


# --- scrub jobs -----------------------------------------------------------------------------------------


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(1 << 20):
        yield chunk


def _scrubs_page(rt: Runtime, who: Viewer, **extra: Any) -> dict[str, Any]:
    return {"jobs": dashboard.scrub_list(rt, who), "campaigns": dashboard.visible_campaigns(rt, who), **extra}


@router.get("/scrubs")
def scrubs(request: Request, rt: Rt, who: Who) -> Response:
    return page(request, "scrubs.html", _scrubs_page(rt, who, form={}))


@router.post("/scrubs")
def submit_scrub(
    request: Request,
    rt: Rt,
    who: Who,
    file: Annotated[UploadFile | None, File()] = None,
    campaign: Annotated[str, Form()] = "",
    column: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
    at: Annotated[str, Form()] = "",
    caller_id: Annotated[str, Form()] = "",
) -> Response:
    form = {"campaign": campaign, "column": column, "region": region, "at": at, "caller_id": caller_id}
    try:
        if file is None or not file.filename:
            raise InputError("choose the CSV file to scrub").at(field="file")
        options: dict[str, str | None] = {k: (v.strip() or None) for k, v in form.items() if k != "campaign"}
        options["filename"] = file.filename
        job = dashboard.submit_scrub(rt, who, campaign, _chunks(file.file), options)
    except (InputError, NotFoundError) as exc:
        field = exc.location.field if exc.location and exc.location.field else "file"
        context = _scrubs_page(rt, who, form=form, error=exc.message, error_field=field)
        return page(request, "scrubs.html", context, status=422)
    request.app.state.jobs.submit(
        job.id, lambda: scrub_jobs.run_scrub_job(rt, job.id)
    )  # api/jobs.BackgroundJobs
    return redirect(request, f"/scrubs/{job.id}")


@router.get("/scrubs/{job_id}")
def scrub(request: Request, rt: Rt, who: Who, job_id: str) -> Response:
    return page(request, "scrub.html", {"s": dashboard.scrub_job(rt, who, job_id)})


@router.get("/scrubs/{job_id}/status")
def scrub_status(request: Request, rt: Rt, who: Who, job_id: str) -> Response:
    return page(request, "_scrub_status.html", {"s": dashboard.scrub_job(rt, who, job_id)})


@router.get("/scrubs/{job_id}/result")
def scrub_result(request: Request, rt: Rt, who: Who, job_id: str) -> Response:
    path = dashboard.scrub_result(rt, who, job_id)
    response = FileResponse(path, media_type="text/csv", filename=f"scrub-{job_id}.csv")
    security.set_cookies(request, response)
    return response
