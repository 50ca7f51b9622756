"""A portal's webhook receiver on loopback, as a portal developer would write one: each delivery verified with
the `standardwebhooks` package and the portal's secret, answered 200 on paths ending in /ok and 503 elsewhere.
A path starting with /held/ stands for a stuck portal: its deliveries are kept (as they arrive) and answered only
once `release` is set, or after HOLD_SECONDS; one starting with /slow/ for a slow one, answering after
`slow_seconds` (the benchmark's).

The demo and the integration tests register it for a portal and read back what the desk pushed.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

HOLD_SECONDS = 60.0  # a bound on a held answer, should a test never release it


class PortalReceiver:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.secrets: dict[str, str] = {}  # path → the secret of the portal registered there
        self.got: list[dict[str, Any]] = []
        self.release = threading.Event()  # answers the held paths
        self.slow_seconds = 0.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    event = Webhook(receiver.secrets[self.path]).verify(body, dict(self.headers))
                    verified = True
                except (WebhookVerificationError, KeyError, ValueError):
                    event, verified = json.loads(body or b"{}"), False
                with receiver._lock:
                    receiver.got.append({"path": self.path, "at": time.monotonic(),
                                         "id": self.headers.get("webhook-id"), "event": event,
                                         "verified": verified, "raw": body.decode("utf-8", "replace")})
                if self.path.startswith("/held/"):
                    receiver.release.wait(HOLD_SECONDS)
                elif self.path.startswith("/slow/"):
                    time.sleep(receiver.slow_seconds)  # the portal's own slowness
                self.send_response(200 if self.path.endswith("/ok") else 503)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass  # the desk's own logs say what was sent

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="portal-receiver", daemon=True)

    def __enter__(self) -> PortalReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self, path: str, complaint_id: str | None = None) -> list[dict[str, Any]]:
        """What arrived at a path (for one complaint), in order."""
        with self._lock:
            return [g for g in self.got if g["path"] == path
                    and (complaint_id is None or g["event"].get("data", {}).get("complaint_id") == complaint_id)]
