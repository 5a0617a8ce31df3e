"""Accessibility and phone checks that run in the real page.

axe-core is not on PyPI, so these are a few plain checks a screen-reader or phone user would
notice first, each reported with the element it concerns. They run on a Page or a Frame (the
tool inside the LMS iframe), so what is checked is what the browser really rendered.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Frame, Page

# Returns a list of problems, each a short sentence naming the element.
_PROBLEMS_JS = """
() => {
  const problems = [];
  const describe = (el) => {
    const id = el.id ? '#' + el.id : '';
    const name = el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : '';
    return `<${el.tagName.toLowerCase()}${id}${name}>`;
  };
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const lang = document.documentElement.getAttribute('lang') || '';
  if (!lang.trim()) problems.push('<html> has no lang attribute');
  if (!document.title.trim()) problems.push('the page has no <title>');
  const h1s = [...document.querySelectorAll('h1')].filter(visible);
  if (h1s.length !== 1) problems.push(`expected one visible <h1>, found ${h1s.length}`);
  const nameOf = (el) => {
    const labelled = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)).filter(Boolean)
      .map((node) => node.textContent.trim()).join(' ');
    if (labelled) return labelled;
    if ((el.getAttribute('aria-label') || '').trim()) return el.getAttribute('aria-label');
    if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return 'label';
    if ((el.getAttribute('title') || '').trim()) return el.getAttribute('title');
    return '';
  };
  for (const el of document.querySelectorAll('input, select, textarea')) {
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (type === 'hidden') continue;
    if (['submit', 'button', 'reset', 'image'].includes(type)) {
      if (!(el.value || el.getAttribute('aria-label') || el.getAttribute('alt') || '').trim())
        problems.push(`${describe(el)} button has no text`);
      continue;
    }
    if (!nameOf(el)) problems.push(`${describe(el)} has no label`);
  }
  for (const el of document.querySelectorAll('button, a[href], [role=button]')) {
    if (!visible(el)) continue;
    const text = (el.innerText || '').trim() || nameOf(el)
      || [...el.querySelectorAll('img[alt]')].map((i) => i.alt).join('').trim();
    if (!text) problems.push(`${describe(el)} has no accessible name`);
  }
  for (const el of document.querySelectorAll('img')) {
    if (!el.hasAttribute('alt')) problems.push(`${describe(el)} has no alt attribute`);
  }
  for (const el of document.querySelectorAll('iframe')) {
    if (!(el.getAttribute('title') || '').trim()) problems.push(`${describe(el)} has no title`);
  }
  const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dupes.length) problems.push(`duplicate ids: ${[...new Set(dupes)].join(', ')}`);
  return problems;
}
"""

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


def accessibility_problems(target: Page | Frame) -> list[str]:
    """Problems a screen-reader user would meet on the page (empty list: none found)."""
    problems: list[str] = target.evaluate(_PROBLEMS_JS)
    return problems


def assert_accessible(target: Page | Frame) -> None:
    problems = accessibility_problems(target)
    assert not problems, f"accessibility problems on {target.url}: {problems}"


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
