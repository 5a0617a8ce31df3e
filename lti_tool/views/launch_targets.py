"""What a successful launch shows. Called by the launch view once validation succeeded.

Placeholder until deep linking and placements exist: it renders a page naming the launch.
"""

from __future__ import annotations

from flask import render_template

from lti_tool.launch_context import LaunchContext


def render_launch_target(launch: LaunchContext, token: str) -> str:
    """Return the HTML for the page the launch lands on (picker, placement…)."""
    return render_template("launched.html", launch=launch, launch_token=token)
