"""A fault-injecting HTTP proxy for registry tests: a thread on a loopback port that
forwards each request to a registry, except that every ``error_every``-th request under
``/v2/<namespace>`` is answered 500 and every ``reset_every``-th has its connection reset.
``refuse()`` stops listening (connection refused from then on); ``tag_delay`` slows every
manifest PUT under a tag (to interrupt a run in the middle of its tag phase)."""

from __future__ import annotations

import http.client
import http.server
import socket
import struct
import threading
import time
from typing import Any


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        namespace: str,
        error_every: int = 0,
        reset_every: int = 0,
        tag_delay: float = 0.0,
    ) -> None:
        self.upstream = upstream
        self.namespace = namespace
        self.error_every = error_every
        self.reset_every = reset_every
        self.tag_delay = tag_delay
        self.count = 0
        self.errors = 0
        self.resets = 0
        self.tag_puts: list[str] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def handle_one(self) -> None:
                proxy.forward(self)

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_one

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.address = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def refuse(self) -> None:
        """Stop listening: every new connection is refused."""
        self.server.shutdown()
        self.server.server_close()

    def forward(self, request: http.server.BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else None
        fault = ""
        if request.path.startswith(f"/v2/{self.namespace}/"):
            with self.lock:
                self.count += 1
                if self.reset_every and self.count % self.reset_every == 0:
                    fault, self.resets = "reset", self.resets + 1
                elif self.error_every and self.count % self.error_every == 0:
                    fault, self.errors = "500", self.errors + 1
        if fault == "reset":
            request.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            request.connection.close()
            request.close_connection = True
            return
        if fault == "500":
            body = b'{"errors":[{"code":"UNKNOWN","message":"injected"}]}'
            self._answer(request, 500, [], body, head=request.command == "HEAD")
            return
        is_tag_put = (
            request.command == "PUT"
            and "/manifests/" in request.path
            and "sha256:" not in request.path
            and not request.path.endswith(".bake")  # a release record, not the tag phase
        )
        if is_tag_put:
            with self.lock:
                self.tag_puts.append(request.path)
            time.sleep(self.tag_delay)
        upstream = http.client.HTTPConnection(self.upstream, timeout=60)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "connection"}
        upstream.request(request.command, request.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        upstream.close()
        keep = [
            (k, v)
            for k, v in response.getheaders()
            if k.lower() not in ("transfer-encoding", "connection", "content-length")
        ]
        self._answer(
            request,
            response.status,
            keep,
            data,
            head=request.command == "HEAD",
            length=response.getheader("Content-Length"),
        )

    @staticmethod
    def _answer(
        request: http.server.BaseHTTPRequestHandler,
        status: int,
        headers: list[tuple[str, str]],
        data: bytes,
        head: bool = False,
        length: str | None = None,
    ) -> None:
        request.send_response(status)
        for key, value in headers:
            request.send_header(key, value)
        request.send_header("Content-Length", length if head and length else str(len(data)))
        request.end_headers()
        if not head:
            request.wfile.write(data)
