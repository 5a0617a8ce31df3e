"""The picker page, shared by Deep Linking (``deep_linking``) and the set-up of a link in
place (``features.activity.controllers.set_up``): one form, one validation, one template."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

from activities import placements, rich_text
from activities.prompt_templates import TEMPLATES
from lti_tool.db import get_session
from lti_tool.lti.claims import DEEP_LINKING_REQUEST
from lti_tool.lti.context import LaunchContext
from lti_tool.views.picker_form import PickerForm


def language() -> str:
    return str(get_locale() or "en")


def takes_several(launch: LaunchContext) -> bool:
    """Whether the platform takes several items in one response (``accept_multiple``;
    absent means one, as LTI-DL 2.0 §4.4.2 lets a tool assume)."""
    settings = launch.deep_linking_settings or {}
    return launch.message_type == DEEP_LINKING_REQUEST and settings.get("accept_multiple") is True


def render_markdown(source: str) -> Markup:
    # Safe: rich_text.render keeps only an allow-list of tags (nh3) and no raw HTML passes.
    return Markup(rich_text.render(source))  # noqa: S704


def render(
    launch: LaunchContext,
    token: str,
    form: PickerForm | None = None,
    *,
    setup: bool = False,
    confirm: bool = False,
) -> str:
    """The picker with ``form`` as typed (a blank one first), its errors, and the coach's
    warnings with "Save anyway" when ``confirm``."""
    return render_template(
        "deep_linking/picker.html",
        launch=launch,
        launch_token=token,
        form=form or PickerForm(),
        setup=setup,
        multiple=takes_several(launch) and not setup,
        confirm=confirm,
        templates=TEMPLATES,
        language=language(),
        render_markdown=render_markdown,
        pending=[] if setup else pending(launch),
    )


def pending(launch: LaunchContext) -> list[tuple[str, object]]:
    """This course's placements nobody has opened yet (title, when it was added): the
    instructor sees what a cancelled LMS form left behind."""
    rows = placements.pending(get_session(), launch.platform_id, launch.context_id)
    return [(row.title, row.created_at) for row in rows]
