"""GET /xapi/profile: Peerloop's xAPI Profile, for LRS and analytics tools to read."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, request

from xapi.profile import MEDIA_TYPE, profile_json

bp = Blueprint("xapi_profile", __name__)

# The document only changes with a release; a day of caching is safe, and the ETag lets
# clients revalidate cheaply after that.
MAX_AGE = 86_400


@bp.get("/xapi/profile")
def profile() -> Response:
    body = profile_json()
    response = Response(body, mimetype=MEDIA_TYPE)
    response.set_etag(hashlib.sha256(body.encode()).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"  # a public document, read by tools
    response.make_conditional(request)  # 304 when If-None-Match matches
    return response
