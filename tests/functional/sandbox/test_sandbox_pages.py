"""The sandbox's own pages after Deep Linking (item 22): the answer page inside the tool's
frame sends the LMS page back to the course instead of showing a second LMS header, and the
course's activities are launch links."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, render_template

from sandbox import create_sandbox_app, people
from tests.functional.sandbox.harness import Forms


@pytest.fixture
def sandbox_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_sandbox_app(
        base_url="http://127.0.0.1:5001",
        tool_url="http://127.0.0.1:5000",
        database_url=f"sqlite:///{tmp_path}/pages.sqlite",
    )
    yield app
    app.extensions["sandbox.store"].dispose()


def test_home_lists_activities_as_launch_links(sandbox_app: Flask) -> None:
    link_id = sandbox_app.extensions["sandbox.store"].add_link(
        "Week 1 reflection", None, "http://127.0.0.1:5000/lti/launch", {"peerloop_placement": "k"}
    )
    page = Forms(sandbox_app.test_client().get("/").text)
    title = page.link("Week 1 reflection")
    assert title["href"] == f"/launch/{people.INSTRUCTOR.user_id}/link/{link_id}"
    learner = people.LEARNERS[0]
    hrefs = {link["href"] for link in page.links if link.get("text") == learner.name}
    assert hrefs == {f"/launch/{learner.user_id}/link/{link_id}"}


def test_the_deep_linking_answer_breaks_out_of_the_frame(sandbox_app: Flask) -> None:
    with sandbox_app.test_request_context():
        html = render_template(
            "sandbox/deep_linking_done.html",
            added=[{"id": 1, "title": "Week 1 reflection"}],
            course_url="http://127.0.0.1:5001/course/teacher",
        )
    page = Forms(html)
    assert "<header" not in html, "no second LMS header inside the tool's frame"
    back = page.link("Back to the course")
    assert back["target"] == "_top"
    assert "sandbox.deep_linking_done" in html
    assert "window.parent.postMessage" in html
    launch_page = sandbox_app.test_client().get(f"/launch/{people.INSTRUCTOR.user_id}/deep-linking")
    assert "sandbox.deep_linking_done" in launch_page.text  # the course page listens for it
