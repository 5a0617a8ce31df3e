"""Accessibility and phone checks that run in the real page.

Accessibility is axe-core's (the copy bundled by ``axe-playwright-python``, a dev dependency):
every rule it runs by default, and a page fails on any *serious* or *critical* violation,
listed with axe's help text and the elements concerned. What axe does not check is done here:
sideways scrolling at a phone's width, thumb-sized controls with text a phone will not zoom
into, and (in ``test_page_gallery``) a visible keyboard focus. Everything runs on a Page or a
Frame (the tool inside the LMS iframe), so what is checked is what the browser rendered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Frame, Page

#: The impacts that fail a page; "moderate" and "minor" are reported by axe but not enforced.
FAILING_IMPACTS = ("serious", "critical")
#: Each page or frame is checked on its own (the tool's frame by its own call), so axe need
#: not reach into child frames: a cross-origin frame without axe would only add a wait.
AXE_OPTIONS: dict[str, Any] = {"resultTypes": ["violations"], "iframes": False}

_AXE = Axe()


def axe_violations(target: Page | Frame) -> list[dict[str, Any]]:
    """axe-core's violations on the rendered page, of every impact."""
    # axe-playwright-python only calls ``evaluate``, which a Frame has too.
    results = _AXE.run(target, options=AXE_OPTIONS)  # type: ignore[arg-type]
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def serious_violations(target: Page | Frame) -> list[dict[str, Any]]:
    return [v for v in axe_violations(target) if v.get("impact") in FAILING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """One paragraph per violation: rule, impact, axe's help text and link, each element."""
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"  {target}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("    " + node["failureSummary"].replace("\n", "\n    "))
    return "\n".join(lines)


def assert_accessible(target: Page | Frame) -> None:
    """No serious or critical axe-core violation on the page."""
    found = serious_violations(target)
    assert not found, f"axe-core violations on {target.url}:\n{describe(found)}"


_OVERFLOW_JS = """
() => {
  const root = document.documentElement;
  const wide = [...document.body.querySelectorAll('*')]
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
    .slice(0, 5)
    .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}">`);
  return {scroll: root.scrollWidth, client: root.clientWidth, wide};
}
"""


# Form controls a thumb must hit and a phone must not zoom into: WCAG 2.2's minimum target
# size (24 CSS px), and 16 px text (iOS Safari zooms the page into smaller inputs on focus).
_TOUCH_JS = """
() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter((el) => el.type !== 'hidden' && (el.offsetWidth || el.offsetHeight))
  .map((el) => {
    const box = el.getBoundingClientRect();
    const font = parseFloat(getComputedStyle(el).fontSize);
    const what = `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}>`;
    const problems = [];
    if (box.height < 24 || box.width < 24)
      problems.push(`${what} is ${Math.round(box.width)}x${Math.round(box.height)}px`);
    if (font < 16) problems.push(`${what} has ${font}px text`);
    return problems;
  })
  .flat()
"""


def assert_fits_width(target: Page | Frame) -> None:
    """The page scrolls only vertically: nothing is wider than the viewport."""
    found = target.evaluate(_OVERFLOW_JS)
    assert found["scroll"] <= found["client"], (
        f"{target.url} scrolls sideways: content {found['scroll']}px in a "
        f"{found['client']}px viewport; too wide: {found['wide']}"
    )


def assert_touch_friendly(target: Page | Frame) -> None:
    """Every visible form control is at least 24 px each way with text of 16 px or more."""
    problems: list[str] = target.evaluate(_TOUCH_JS)
    assert not problems, f"controls too small for a phone on {target.url}: {problems}"


def screenshot(page: Page, directory: Path, name: str) -> Path:
    """A full-page PNG in the test's tmp_path, for a person to look at."""
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
