"""The accessibility check itself: axe-core really runs, and a bad page really fails it.

No tool and no database: small pages written here, one with faults a screen-reader user meets
first (an image without alt text, a button with no name, faint text), one without."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext

from tests.e2e import a11y

pytestmark = pytest.mark.browser

GOOD = """<!doctype html>
<html lang="en"><head><title>Good page</title></head>
<body><main><h1>Fine</h1><p>Readable text.</p><img src="data:," alt="A chart">
<button type="button">Save</button></main></body></html>"""

BAD = """<!doctype html>
<html lang="en"><head><title>Bad page</title></head>
<body><main><h1>Faults</h1><img src="data:,"><button type="button" id="nameless"></button>
<p id="faint" style="color:#bbb">Faint text</p></main></body></html>"""


def test_axe_finds_the_faults_of_a_bad_page(allowed_context: BrowserContext) -> None:
    page = allowed_context.new_page()
    page.set_content(BAD)
    found = {v["id"]: v for v in a11y.serious_violations(page)}
    assert {"image-alt", "button-name", "color-contrast"} <= found.keys(), found.keys()
    assert found["image-alt"]["impact"] == "critical"
    assert found["button-name"]["nodes"][0]["target"] == ["#nameless"]
    with pytest.raises(AssertionError) as failure:
        a11y.assert_accessible(page)
    # The failure names the rule, axe's help text and the element.
    message = str(failure.value)
    assert "image-alt (critical): Images must have alternative text" in message
    assert "#nameless" in message
    assert "Buttons must have discernible text" in message


def test_axe_passes_a_good_page(allowed_context: BrowserContext) -> None:
    page = allowed_context.new_page()
    page.set_content(GOOD)
    a11y.assert_accessible(page)


def test_axe_checks_a_frame_on_its_own(allowed_context: BrowserContext) -> None:
    """The tool is checked inside the LMS's iframe: a Frame is checked, not its parent."""
    page = allowed_context.new_page()
    srcdoc = BAD.replace('"', "&quot;")
    page.set_content(
        GOOD.replace("</main>", f'<iframe title="Tool" srcdoc="{srcdoc}"></iframe></main>')
    )
    page.wait_for_function("document.querySelector('iframe').contentDocument.title")
    a11y.assert_accessible(page)  # its own page is fine: the frame is not looked into
    frame = page.frames[1]
    assert {"image-alt", "button-name"} <= {v["id"] for v in a11y.serious_violations(frame)}
