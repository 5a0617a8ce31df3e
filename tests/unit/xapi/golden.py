"""Golden JSON files: compare, and regenerate only when PEERLOOP_UPDATE_GOLDEN=1 is set."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "golden" / "xapi"
UPDATE_ENV = "PEERLOOP_UPDATE_GOLDEN"


def check_golden(name: str, actual: dict[str, Any]) -> None:
    """Assert ``actual`` equals tests/golden/xapi/<name>.json.

    With PEERLOOP_UPDATE_GOLDEN=1 the file is rewritten instead, and the test still fails so a
    regeneration is never mistaken for a pass; review the diff, then run again without it.
    """
    path = GOLDEN_DIR / f"{name}.json"
    text = json.dumps(actual, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get(UPDATE_ENV) == "1":
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != text:
            path.write_text(text, encoding="utf-8")
            raise AssertionError(f"{path.name} regenerated; review the diff and rerun")
        return
    if not path.exists():
        raise AssertionError(f"no golden file {path.name}: run with {UPDATE_ENV}=1 to create it")
    assert json.loads(path.read_text(encoding="utf-8")) == actual, (
        f"{path.name} differs from the builder's output; if the change is intended, "
        f"regenerate with {UPDATE_ENV}=1 and review the diff"
    )
