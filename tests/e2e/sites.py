"""Small sites for the browser tests: an embedding page on another site, and a cookie probe.

The tool and these helpers bind 127.0.0.1 only. An embedding page is reached as
``http://localhost:<port>``: ``localhost`` and ``127.0.0.1`` are different sites to the
browser, so whatever the tool (on 127.0.0.1) sets inside the iframe is a third-party cookie.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, make_response, request

PROBE_COOKIE = "peerloop_e2e_probe"


def on_localhost(url: str) -> str:
    """The same server reached through the name ``localhost``: another site for the browser."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"localhost:{parts.port}"))


def embedding_app() -> Flask:
    """A page of "another LMS": ``/?src=URL`` shows URL in an iframe, as an LMS course does."""
    app = Flask("e2e_embedding")

    @app.get("/")
    def course_page() -> str:
        src = escape(request.args["src"])
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Course page</title></head><body><h1>Course page</h1>"
            f'<iframe id="tool" title="Peerloop activity" src="{src}" '
            'style="width:100%;height:600px;border:0"></iframe></body></html>'
        )

    return app


def cookie_probe_app() -> Flask:
    """Sets a cookie that may be sent cross-site (SameSite=None; Secure — Chromium treats
    loopback http as secure) and reports whether a request carried it."""
    app = Flask("e2e_cookie_probe")

    @app.get("/set")
    def set_cookie() -> Response:
        response = make_response("<!doctype html><title>set</title><p id=result>set</p>")
        response.set_cookie(PROBE_COOKIE, "present", samesite="None", secure=True)
        return response

    @app.get("/echo")
    def echo() -> str:
        value = escape(request.cookies.get(PROBE_COOKIE, "absent"))
        return f'<!doctype html><html lang="en"><title>echo</title><p id="result">{value}</p>'

    return app
