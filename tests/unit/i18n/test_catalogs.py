"""The catalogs keep up with the text (see scripts/i18n's header for the rules): compiled after
the last edit, extracted after the last change of the sources, nothing fuzzy, placeholders
kept, and every entry translated but what only staff or administrators read."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from lti_tool.i18n import catalog_directories

ROOT = Path(__file__).resolve().parents[3]
STAFF_COMMENT = "staff-only"
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")


def _po_files() -> Iterator[Path]:
    for directory in catalog_directories():
        yield from sorted(directory.glob("*/LC_MESSAGES/messages.po"))


PO_FILES = list(_po_files())
IDS = [str(p.relative_to(ROOT)) for p in PO_FILES]


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _entries(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def _key(message: Message) -> tuple[object, object, object]:
    """What the app looks up and finds: ids and strings as tuples (plurals) or text."""
    ident = tuple(message.id) if isinstance(message.id, list | tuple) else message.id
    text = tuple(message.string) if isinstance(message.string, list | tuple) else message.string
    return message.context, ident, text


def _strings(message: Message) -> list[str]:
    if isinstance(message.string, list | tuple):
        return [s or "" for s in message.string]
    return [message.string or ""]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, list | tuple) else [message.id]


def _staff_globs(po: Path) -> list[str]:
    listed = po.parents[2] / "staff-only"
    if not listed.is_file():
        return []
    lines = (line.strip() for line in listed.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _is_staff_only(message: Message, globs: list[str]) -> bool:
    # Python keeps the comment's tag ("TRANSLATORS: staff-only …"), Jinja drops it.
    comments = (c.removeprefix("TRANSLATORS:").strip() for c in message.auto_comments)
    if any(comment.startswith(STAFF_COMMENT) for comment in comments):
        return True
    places = [path for path, _line in message.locations]
    return bool(places and globs) and all(
        any(fnmatch.fnmatch(place, pattern) for pattern in globs) for place in places
    )


def test_staff_only_marks() -> None:
    """The two marks of scripts/i18n: a translator comment, or every place in a listed file."""
    globs = ["templates/registration/*"]
    commented = Message("x", auto_comments=["TRANSLATORS: staff-only (the settings page)"])
    from_jinja = Message("x", auto_comments=["staff-only"])
    listed = Message("x", locations=[("templates/registration/done.html", 3)])
    shared = Message("x", locations=[("templates/registration/done.html", 3), ("a.py", 1)])
    assert _is_staff_only(commented, [])
    assert _is_staff_only(from_jinja, [])
    assert _is_staff_only(listed, globs)
    assert not _is_staff_only(shared, globs), "a learner's place needs the translation"
    assert not _is_staff_only(Message("x", auto_comments=["about staff-only"]), globs)


def test_every_catalog_is_found() -> None:
    """The shell's Spanish at least: an empty list would make every check below pass."""
    assert "lti_tool/translations/es/LC_MESSAGES/messages.po" in IDS


@pytest.mark.parametrize("po", PO_FILES, ids=IDS)
def test_compiled_catalog_matches_its_source(po: Path) -> None:
    """The app reads the .mo: a .po edited but not compiled (scripts/i18n) fails here."""
    mo = po.with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: run scripts/i18n"
    with mo.open("rb") as f:
        compiled = {_key(m) for m in read_mo(f) if m.id}
    written = {_key(m) for m in _entries(_read_po(po)) if all(_strings(m)) and not m.fuzzy}
    assert compiled == written, f"{mo} is out of date: run scripts/i18n"


@pytest.mark.parametrize("po", PO_FILES, ids=IDS)
def test_catalog_holds_every_text_of_its_sources(po: Path) -> None:
    """Text added to a page or a message but not extracted (scripts/i18n) would be shown in
    English whatever the language; each catalog's ``sources`` say where its text is."""
    directory = po.parents[2]
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found: set[str] = set()
    for line in (directory / "sources").read_text().splitlines():
        source = line.strip()
        if not source or source.startswith("#"):
            continue
        path = ROOT / source
        if path.is_dir():
            extracted = (
                (lineno, message)
                for _file, lineno, message, _comments, _context in extract_from_dir(
                    path, method_map, options_map, keywords=keywords
                )
            )
        else:
            method = "jinja2" if path.suffix == ".html" else "python"
            extracted = (
                (lineno, message)
                for lineno, message, _comments, _context in extract_from_file(
                    method, path, keywords=keywords
                )
            )
        for _lineno, message in extracted:
            found.add(message[0] if isinstance(message, tuple) else message)
    known = {_ids(m)[0] for m in _entries(_read_po(po))}
    assert sorted(found - known) == [], f"new text not in {po}: run scripts/i18n"


@pytest.mark.parametrize("po", PO_FILES, ids=IDS)
def test_nothing_fuzzy_and_everything_translated(po: Path) -> None:
    """A fuzzy entry is a guess nobody checked (and is not compiled); an empty one shows
    English. Only text marked staff-only (scripts/i18n's header) may wait."""
    globs = _staff_globs(po)
    fuzzy = [m.id for m in _entries(_read_po(po)) if m.fuzzy]
    missing = [
        m.id
        for m in _entries(_read_po(po))
        if not all(_strings(m)) and not _is_staff_only(m, globs)
    ]
    assert fuzzy == [], f"fuzzy entries in {po}"
    assert missing == [], f"untranslated entries in {po}"


@pytest.mark.parametrize("po", PO_FILES, ids=IDS)
def test_placeholders_survive_translation(po: Path) -> None:
    """Every %(name)s of the English is in the translation (a value would go missing), and
    the translation names no other (it would raise KeyError when the page is shown)."""
    wrong = []
    for message in _entries(_read_po(po)):
        ids = _ids(message)
        allowed = {name for text in ids for name in _PLACEHOLDER.findall(text)}
        for form, text in enumerate(_strings(message)):
            # Plurals: the first form answers the singular, the others the plural.
            wanted = set(_PLACEHOLDER.findall(ids[min(form, len(ids) - 1)]))
            names = set(_PLACEHOLDER.findall(text))
            if text and not wanted <= names <= allowed:
                wrong.append((message.id, text))
    assert wrong == [], f"placeholders changed in {po}"
