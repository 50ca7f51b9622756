"""The HTTP API on loopback: requests become API Gateway HTTP API (v2) events.

Routes come from the functions' HttpApi events in template.yaml. A few local
endpoints under /_local/ move the clock and tick the reminders schedule; they
exist only here, never in the deployed API.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from complaints.core.observability import logger
from infra.local.oidc import JwtAuthorizer, Rejected
from infra.local.runtime import IntegrationTimeout, LocalFunction


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: LocalFunction
    authorizer: JwtAuthorizer | None = None  # None: the route opted out (Auth: {Authorizer: NONE})

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\\\{([a-zA-Z_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        return re.compile(f"^{regex}$")

    @property
    def specificity(self) -> tuple[int, int]:
        return (self.path.count("{"), -len(self.path))


LocalHandler = Callable[[Request], Response]


class HttpApi:
    def __init__(self, routes: list[Route], local_endpoints: dict[tuple[str, str], LocalHandler]) -> None:
        self.routes = sorted(routes, key=lambda r: r.specificity)
        self.local_endpoints = local_endpoints
        self.integration_timeout = INTEGRATION_TIMEOUT_SECONDS
        self._listener: Listener | None = None

    def _event(self, request: Request, route: Route, params: dict[str, str],
               claims: dict[str, str] | None) -> dict[str, Any]:
        body = request.get_data()
        # API Gateway passes text bodies as they are and anything else base64-encoded.
        try:
            text_body, encoded = (body.decode("utf-8") if body else None), False
        except UnicodeDecodeError:
            text_body, encoded = base64.b64encode(body).decode(), True
        now = time.time()
        context: dict[str, Any] = {
            "accountId": "123456789012", "apiId": "local", "domainName": request.host,
            "domainPrefix": "local", "requestId": str(uuid.uuid4()), "routeKey": f"{route.method} {route.path}",
            "stage": "$default", "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
            "http": {"method": route.method, "path": request.path, "protocol": "HTTP/1.1",
                     "sourceIp": request.remote_addr or "127.0.0.1",
                     "userAgent": request.headers.get("user-agent", "")},
        }
        if claims is not None:
            context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        return {
            "version": "2.0",
            "routeKey": f"{route.method} {route.path}",
            "rawPath": request.path,
            "rawQueryString": request.query_string.decode(),
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "queryStringParameters": dict(request.args) or None,
            "pathParameters": params or None,
            "requestContext": context,
            "body": text_body,
            "isBase64Encoded": encoded,
        }

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if (request.content_length or 0) > MAX_PAYLOAD_BYTES or len(request.get_data()) > MAX_PAYLOAD_BYTES:
            # API Gateway refuses it before any route or function sees it.
            return json_response({"message": "Request Entity Too Large"}, 413)(environ, start_response)
        local = self.local_endpoints.get((request.method, request.path))
        if local is not None:
            return local(request)(environ, start_response)
        for route in self.routes:
            match = route.pattern.match(request.path)
            if match and route.method == request.method:
                claims = None
                if route.authorizer is not None:
                    try:
                        claims = route.authorizer.claims(request.headers.get("authorization"))
                    except Rejected:
                        # API Gateway answers for the authorizer; the function never runs.
                        response = json_response({"message": "Unauthorized"}, 401)
                        response.headers["www-authenticate"] = 'Bearer error="invalid_token"'
                        return response(environ, start_response)
                try:
                    result = route.function.invoke(self._event(request, route, match.groupdict(), claims),
                                                   answer_within=self.integration_timeout)
                except IntegrationTimeout:  # API Gateway stops waiting; the function runs on to its own timeout
                    return json_response({"message": "Service Unavailable"}, 503)(environ, start_response)
                except Exception:  # noqa: BLE001 - a function error: API Gateway answers 500, as here
                    logger.exception("the function failed", extra={"function": route.function.name})
                    return json_response({"message": "Internal Server Error"}, 500)(environ, start_response)
                body = result.get("body") or ""
                data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
                response = Response(data, status=result.get("statusCode", 200))
                for name, value in (result.get("headers") or {}).items():
                    response.headers[name] = value
                return response(environ, start_response)
        methods = sorted({r.method for r in self.routes if r.pattern.match(request.path)})
        status, message = (405, "method not allowed") if methods else (404, f"no route for {request.path}")
        return json_response({"message": message}, status)(environ, start_response)

    def start(self, host: str, port: int) -> int:
        """Serve on host:port (0: any free port); the port it serves on."""
        listener = Listener(host, port)
        self.serve(listener)
        return listener.port

    def serve(self, listener: Listener) -> None:
        self._listener = listener
        listener.serve(self.wsgi)

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()


class Listener:
    """A socket bound now and served later: its port (0 asks for any free one) is known before its routes are.

    Binding first is what lets two stacks start side by side without a port picked by one being taken by the
    other between choosing it and binding it.
    """

    def __init__(self, host: str, port: int) -> None:
        self._app: Callable[..., Any] | None = None
        self._server = make_server(host, port, self._wsgi, threaded=True)
        self.port = int(self._server.server_port)
        self._serving = False

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self._app is not None  # connections wait in the backlog until serve()
        return self._app(environ, start_response)

    def serve(self, app: Callable[..., Any]) -> None:
        self._app, self._serving = app, True
        threading.Thread(target=self._server.serve_forever, name="http-api", daemon=True).start()

    def stop(self) -> None:
        if self._serving:
            self._server.shutdown()
            self._serving = False
        self._server.server_close()


# How long an HTTP API waits for its Lambda integration (API Gateway quotas): then it answers 503.
INTEGRATION_TIMEOUT_SECONDS = 30.0
# An HTTP API's payload limit (API Gateway quotas): larger requests are answered 413 by the API itself.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")
