"""The real ``peerloop`` command, run in a subprocess from an empty folder as an operator would:
every failure one line and a non-zero exit code, no traceback, no secret, no stray files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PEERLOOP = str(Path(sys.executable).parent / "peerloop")
PASSWORD = "hunter2-lrs-password"
PLATFORM = [
    "--issuer",
    "https://lms.example.edu",
    "--client-id",
    "c1",
    "--auth-url",
    "https://lms.example.edu/auth",
    "--token-url",
    "https://lms.example.edu/token",
    "--jwks-url",
    "https://lms.example.edu/jwks",
]


def peerloop(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Only the PEERLOOP_* variables given here: the machine's own must not leak in.
    base = {k: v for k, v in os.environ.items() if not k.startswith("PEERLOOP_")}
    return subprocess.run(
        [PEERLOOP, *args],
        cwd=folder,
        env=base | {"PEERLOOP_LRS_PASSWORD": PASSWORD, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line_failure(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert text in result.stderr
    assert PASSWORD not in result.stderr + result.stdout


@pytest.mark.parametrize("command", [["platform", "list"], ["keys", "list"], ["lrs", "status"]])
def test_read_commands_outside_the_project_say_run_db_upgrade(
    tmp_path: Path, command: list[str]
) -> None:
    result = peerloop(tmp_path, *command)
    assert_one_line_failure(result, "run `peerloop db upgrade`")
    assert f"No database at {tmp_path}/instance/peerloop.sqlite" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no instance/ folder, no empty SQLite file


def test_a_database_without_the_schema_says_run_db_upgrade(tmp_path: Path) -> None:
    (tmp_path / "empty.sqlite").touch()
    result = peerloop(tmp_path, "platform", "list", PEERLOOP_DATABASE_URL="sqlite:///empty.sqlite")
    assert_one_line_failure(result, "has no Peerloop schema yet: run `peerloop db upgrade`")


def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://peerloop:db-sekret@127.0.0.1:1/peerloop"
    result = peerloop(tmp_path, "keys", "list", PEERLOOP_DATABASE_URL=url)
    assert_one_line_failure(result, "Cannot use the database postgresql+psycopg://peerloop:***@")
    assert "db-sekret" not in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PEERLOOP_LRS_URL": "not-a-url"}, "PEERLOOP_LRS_URL: must be an http(s) URL"),
        ({"PEERLOOP_LRS_VERSION": "3.0"}, "PEERLOOP_LRS_VERSION: Input should be '1.0.3' or"),
        (
            {"PEERLOOP_ENV": "production", "PEERLOOP_SECRET_KEY": "short-secret"},
            "PEERLOOP_SECRET_KEY must be set to a random value of at least 32 characters",
        ),
    ],
    ids=["lrs-url", "lrs-version", "short-secret"],
)
def test_bad_settings_are_one_line_without_values(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = peerloop(tmp_path, "platform", "list", **env)
    assert_one_line_failure(result, f"Error: Invalid settings: {message}")
    assert "short-secret" not in result.stderr
    assert "not-a-url" not in result.stderr


def test_db_upgrade_says_what_it_did_and_platform_commands_print_sentences(
    tmp_path: Path,
) -> None:
    created = peerloop(tmp_path, "db", "upgrade")
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("Created the database schema (revision ")
    again = peerloop(tmp_path, "db", "upgrade")
    assert again.stdout.startswith("Already up to date at revision ")

    added = peerloop(tmp_path, "platform", "add", *PLATFORM)
    assert added.returncode == 0, added.stderr
    assert added.stdout == (
        "Registered https://lms.example.edu (client id c1); deployments: none yet.\n"
    )
    assert added.stderr == ""  # no JSON log line on the operator's terminal
    removed = peerloop(
        tmp_path, "platform", "remove", "--issuer", "https://lms.example.edu", "--client-id", "c1"
    )
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout == "Removed https://lms.example.edu (client id c1).\n"
    assert removed.stderr == ""


def test_help_needs_neither_settings_nor_a_database(tmp_path: Path) -> None:
    result = peerloop(tmp_path, "--help", PEERLOOP_LRS_VERSION="3.0")
    assert result.returncode == 0
    assert "platform" in result.stdout
    assert result.stderr == ""
