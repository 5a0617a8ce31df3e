"""The staff's reflection page. A placeholder until the staff pages are built (refl-staff
replaces this body): the activity frame's own page (roster, test score)."""

from __future__ import annotations

from activities.placements import Placement
from lti_tool.features.activity.controllers import frame_page
from lti_tool.lti.context import LaunchContext


def page(launch: LaunchContext, launch_token: str, placement: Placement) -> str:
    """What a staff member's launch of a reflection shows."""
    return frame_page(launch, launch_token, placement)
