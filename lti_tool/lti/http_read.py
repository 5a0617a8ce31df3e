"""Reading a platform's answer with a size limit.

requests has no cap on a response body (``response.content`` reads it all), and reading
``response.raw`` directly raises urllib3 and socket errors that are not ``RequestException``.
This one helper does the capped read for every platform call that must not be fed an endless
body (OpenID configuration, registration answer, JWKS) and turns those errors into
``requests.ConnectionError``, so callers catch one family.
"""

from __future__ import annotations

import requests
import urllib3


def read_at_most(response: requests.Response, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a ``stream=True`` response's decoded body: a result longer
    than ``limit`` means the body was too large."""
    try:
        data: bytes = response.raw.read(limit + 1, decode_content=True)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise requests.ConnectionError(f"the answer was cut off ({exc})") from exc
    return data
