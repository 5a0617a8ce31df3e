"""Refuse NUL characters in any request value before a view sees them.

No LTI parameter, token, key or form field ever holds one, and PostgreSQL text columns cannot
store one (the driver raises, which would be a 500). One check here covers every route.
"""

from __future__ import annotations

from flask import Flask, request

from lti_tool.errors import N_, UserFacingError


class NulCharacterError(UserFacingError):
    status = 400
    title = N_("This request contains a character Peerloop cannot store")


def _refuse_nul() -> None:
    values = [*request.args.items(multi=True), *(request.view_args or {}).items()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += request.form.items(multi=True)
    for name, value in values:
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            raise NulCharacterError(
                N_(
                    "The value of %(name)s contains a NUL character (\\0). Remove it and try "
                    "again; if an LMS sent it, tell its administrator."
                ),
                code="nul_character",
                params={"name": repr(name.replace(chr(0), ""))},
            )


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
