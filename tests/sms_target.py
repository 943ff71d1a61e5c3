"""A small HTTP server for the SMS tests, standing in for the app behind Kannel: it answers the
sms-service's get-url with "pong " and the text, and records delivery reports and every other
request; ``answer`` makes it reply with a chosen status and body instead."""

from __future__ import annotations

import queue
import threading
from contextlib import contextmanager

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class GatewayTarget:
    def __init__(self):
        self.inbound: queue.Queue[dict] = queue.Queue()
        self.reports: queue.Queue[dict] = queue.Queue()
        self.requests: queue.Queue[dict] = queue.Queue()
        self.answer: tuple[int, str] | None = None
        self.base = ""

    @Request.application
    def __call__(self, request: Request) -> Response:
        args = request.args.to_dict()
        if request.path == "/sms/inbound/kannel":
            self.inbound.put(args)
            # UCS-2 replies need this header (and accept-x-kannel-headers in the sms-service).
            return Response("pong " + args.get("text", ""), headers={"X-Kannel-Coding": "2"},
                            content_type="text/plain; charset=utf-8")
        if request.path == "/sms/dlr":
            self.reports.put(args)
            return Response("ok", content_type="text/plain")
        self.requests.put(args)
        status, body = self.answer or (200, "ok")
        return Response(body, status=status, content_type="text/plain")


@contextmanager
def serving_target():
    """A ``GatewayTarget`` on a free loopback port, its address in ``base``."""
    target = GatewayTarget()
    server = make_server("127.0.0.1", 0, target, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    target.base = f"http://127.0.0.1:{server.server_port}"
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
