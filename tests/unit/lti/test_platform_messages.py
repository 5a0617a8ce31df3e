"""What a platform's refusal says when its body says nothing (Moodle answers ``[]`` or an
empty body): the status is explained for the call that got it, never shown as ``[]``."""

from __future__ import annotations

import pytest
import requests

from lti_tool.lti.service_client import _platform_message


def _response(status: int, body: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    return response


@pytest.mark.parametrize("body", ["", "[]", " {} ", "null", '""'])
def test_an_empty_body_is_no_message(body: str) -> None:
    assert _platform_message(_response(409, body)) is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"error": "invalid_scope"}', "invalid_scope"),
        ('{"error": {"message": "No such user"}}', "No such user"),
        ("Incorrect score received", "Incorrect score received"),
    ],
)
def test_a_body_that_says_something_is_the_message(body: str, message: str) -> None:
    assert _platform_message(_response(400, body)) == message
