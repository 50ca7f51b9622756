"""The operators' console: its shell and assets (public), and its views (behind the operators' JWT)."""

from datetime import date
from importlib import resources
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths

from complaints.bootstrap import desk
from complaints.core.access import Operator
from complaints.core.errors import ComplaintError
from complaints.core.observability import lambda_handler
from complaints.core.requests import SearchRequest
from complaints.web import console_board, console_complaint, console_queue, console_reports, console_search
from complaints.web.api import current_operator, dispatch, make_resolver
from complaints.web.console_html import error_page
from complaints.web.console_text import language

app = make_resolver()
_ASSETS = resources.files("complaints.web") / "console_assets"
_TYPES = {"html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}
_HTML: Any = {"description": "An HTML page or view", "content": {"text/html": {"schema": {"type": "string"}}}}


def _security_headers(connect: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": f"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                   f"connect-src 'self' {connect}; form-action 'self'; frame-ancestors 'none'; "
                                   "base-uri 'none'",
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Robots-Tag": "noindex, nofollow",
    }


def _cognito_origin() -> str:
    settings = desk().settings
    return f"https://cognito-idp.{settings.aws_region}.amazonaws.com" if settings.console_sign_in == "cognito" else ""


def _asset(name: str) -> Response[str]:
    text = (_ASSETS / name).read_text(encoding="utf-8")
    return Response(status_code=200, content_type=_TYPES[name.rsplit(".", 1)[1]], body=text,
                    headers=_security_headers(_cognito_origin()))


def _fragment(render: Any, lang: str) -> Response[str]:
    """A view, or the refusal as a page in the desk's language (the same refusals as the API's)."""
    try:
        body, status = render(), 200
    except ComplaintError as exc:
        body, status = error_page(exc, lang), exc.status_code
    return Response(status_code=status, content_type=_TYPES["html"], body=body,
                    headers=_security_headers(_cognito_origin()))


def _operator() -> Operator:
    return current_operator(app, desk())


def _lang(lang: str | None) -> str:
    return language(lang, app.current_event.headers.get("accept-language"))


@app.get("/console", summary="The operators' console (signs in, then loads its views)", responses={200: _HTML})
def shell() -> Response[str]:
    return _asset("shell.html")


@app.get("/console/app.js", summary="The console's script", include_in_schema=False)
def script() -> Response[str]:
    return _asset("app.js")


@app.get("/console/console.css", summary="The console's styles", include_in_schema=False)
def styles() -> Response[str]:
    return _asset("console.css")


@app.get("/console/config", summary="How the console signs operators in")
def config() -> dict[str, str]:
    settings = desk().settings
    if settings.console_sign_in == "cognito":
        return {"mode": "cognito", "region": settings.aws_region, "client_id": settings.operator_client_id}
    if settings.console_sign_in == "local":
        return {"mode": "local", "token_url": "/_local/oidc/token"}
    return {"mode": "token"}


@app.get("/console/views/queue", summary="A department's or my own open complaints, by priority and due time",
         responses={200: _HTML})
def queue_view(scope: Annotated[str | None, Query(max_length=64)] = None,
               lang: Annotated[str | None, Query(max_length=8)] = None) -> Response[str]:
    shown = _lang(lang)
    return _fragment(lambda: console_queue.queue_view(desk(), _operator(), shown, scope), shown)


@app.get("/console/views/complaints/<complaint_id>",
         summary="A complaint: facts, classification, owners, promises, actions, workflow and timeline",
         responses={200: _HTML})
def complaint_view(complaint_id: str, lang: Annotated[str | None, Query(max_length=8)] = None,
                   execution: Annotated[str | None, Query(max_length=80)] = None) -> Response[str]:
    shown = _lang(lang)
    return _fragment(lambda: console_complaint.complaint_view(desk(), _operator(), complaint_id, shown, execution),
                     shown)


@app.get("/console/views/reports",
         summary="The managers' reports over a period, as charts and tables (supervisors and managers)",
         responses={200: _HTML})
def reports_view(start: Annotated[date | None, Query(alias="from")] = None,
                 end: Annotated[date | None, Query(alias="to")] = None,
                 lang: Annotated[str | None, Query(max_length=8)] = None) -> Response[str]:
    shown = _lang(lang)
    return _fragment(lambda: console_reports.reports_view(desk(), _operator(), shown, start, end), shown)


@app.get("/console/views/board",
         summary="The supervisor's board: promises at risk and missed, unassigned, failed, incidents, load",
         responses={200: _HTML})
def board_view(lang: Annotated[str | None, Query(max_length=8)] = None) -> Response[str]:
    shown = _lang(lang)
    return _fragment(lambda: console_board.board_view(desk(), _operator(), shown), shown)


@app.get("/console/views/search", summary="The search form", responses={200: _HTML})
def search_form(lang: Annotated[str | None, Query(max_length=8)] = None) -> Response[str]:
    shown = _lang(lang)
    return _fragment(lambda: console_search.search_view(desk(), _operator(), shown), shown)


@app.post("/console/views/search",
          summary="Complaints by id, portal reference or the customer's phone (sent in the body, never the address)",
          responses={200: _HTML})
def search_results(request: Annotated[SearchRequest, Body()],
                   lang: Annotated[str | None, Query(max_length=8)] = None) -> Response[str]:
    shown = _lang(lang)
    return _fragment(lambda: console_search.search_view(desk(), _operator(), shown, request.q), shown)


@lambda_handler(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(app, event, context, max_body_bytes=desk().settings.max_body_bytes)
