"""Canvas in a real browser: the school's page (``localhost``) frames the tool while the
issuer and login host (Canvas's shared ones; here ``127.0.0.1`` on the sandbox's port) are
elsewhere, with third-party cookies blocked so the launch state goes through Canvas's
Platform Storage: its ``post_message_forwarding`` frame, or — where that frame is missing,
as in Canvas's rich content editor — the parent page with target origin ``'*'``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from sandbox.flavour import CANVAS, SandboxFlavour
from tests.e2e.conftest import one_database
from tests.e2e.journeys import open_picker, running_sandbox, watch_tool
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


@one_database
@pytest.mark.parametrize(
    "flavour",
    [CANVAS, replace(CANVAS, storage_frame=False, capabilities=False)],
    ids=["forwarding-frame", "no-forwarding-frame"],
)
def test_the_school_page_frames_the_picker_and_keeps_the_launch_state(
    blocked_context: BrowserContext, live_app: LiveServer, tmp_path: Path, flavour: SandboxFlavour
) -> None:
    with running_sandbox(live_app, tmp_path, flavour) as sandbox:
        page = blocked_context.new_page()
        traffic = watch_tool(page, sandbox.tool_url)
        open_picker(page, sandbox)  # the picker's heading shows inside the school's page
        assert "/lti/launch/verify" in traffic.paths  # through platform storage
        assert blocked_context.cookies(sandbox.tool_url) == []
