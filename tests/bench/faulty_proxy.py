"""A fault-injecting HTTP proxy on 127.0.0.1 in front of an LRS, for the delivery benchmark.

Each request is forwarded untouched with probability ``1 - fault_rate``; otherwise it gets one
of the faults a flaky LRS or network produces, chosen at random: 500, 503 with Retry-After,
429, a hang (shorter than the dispatcher's read timeout) before forwarding, a connection
reset before anything reaches the LRS, or the batch stored and the answer dropped. Bounded in
time: the proxy stops serving after ``lifetime`` seconds whatever its caller does.
"""

from __future__ import annotations

import collections
import random
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

FAULTS = ("500", "503", "429", "hang", "reset", "drop-answer")


class FaultyProxy:
    def __init__(
        self,
        target: str,
        fault_rate: float,
        hang_seconds: float = 1.0,
        retry_after: int = 1,
        lifetime: float = 900.0,
        seed: int | None = None,
    ) -> None:
        self.target = target
        self.fault_rate = fault_rate
        self.seen: collections.Counter[str] = collections.Counter()
        rng = random.Random(seed)  # noqa: S311  (fault injection, not cryptography)
        lock = threading.Lock()
        local = threading.local()
        proxy = self

        def pick() -> str:
            with lock:
                fault = "forward" if rng.random() >= proxy.fault_rate else rng.choice(FAULTS)
                proxy.seen[fault] += 1
                return fault

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the dispatcher's session expects

            def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _forward(self) -> requests.Response:
                if not hasattr(local, "session"):
                    local.session = requests.Session()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                path = self.path.split("/xAPI/", 1)[1]
                return local.session.request(
                    self.command, proxy.target + path, data=body, headers=headers, timeout=60
                )

            def _handle(self) -> None:
                fault = pick()
                json_type = {"Content-Type": "application/json"}
                if fault == "reset":  # RST: nothing reached the LRS, no answer
                    linger = struct.pack("ii", 1, 0)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault in ("500", "503", "429"):
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    headers = dict(json_type)
                    if fault == "503":
                        headers["Retry-After"] = str(retry_after)
                    message = b'{"message": "injected fault"}'
                    self._answer(int(fault), message, headers)
                    return
                if fault == "hang":
                    time.sleep(hang_seconds)
                answer = self._forward()
                if fault == "drop-answer":  # the LRS stored the batch; its answer is lost
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                headers = {"Content-Type": answer.headers.get("Content-Type", "application/json")}
                self._answer(answer.status_code, answer.content, headers)

            do_GET = do_POST = do_PUT = _handle  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}/xAPI/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        self._deadline = threading.Timer(lifetime, self.close)
        self._deadline.daemon = True
        self._deadline.start()

    def close(self) -> None:
        self._deadline.cancel()
        self.server.shutdown()
        self.server.server_close()
