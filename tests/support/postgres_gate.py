"""A pytest plugin: on CI, a run in which no PostgreSQL test passed fails.

PostgreSQL is the production database and proves what SQLite cannot (``SKIP LOCKED``,
concurrency, migrations), so CI must not go green on SQLite alone — for instance with a
``PEERLOOP_TEST_DATABASES=sqlite`` exported in the environment. A test counts as a PostgreSQL
test when a fixture of it ran with the ``postgresql`` parameter (``database_url``, and the
launch-store fixture of tests/unit/lti). Every run prints
how many did; ``CI`` set (as ``.ci/run`` has it) turns none into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

_PASSED = pytest.StashKey[int]()
#: Any value but these means "running on CI", as CI services set it (CI=true, CI=1).
_NOT_CI = ("", "0", "false", "no")


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in _NOT_CI


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_PASSED] = 0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    callspec = getattr(item, "callspec", None)
    on_postgres = callspec is not None and "postgresql" in callspec.params.values()
    if report.when == "call" and report.passed and on_postgres:
        item.config.stash[_PASSED] += 1
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    passed = terminalreporter.config.stash[_PASSED]
    terminalreporter.write_line(f"tests that passed on PostgreSQL: {passed}")
    if passed == 0 and on_ci():
        terminalreporter.write_line(
            "CI: no test ran on PostgreSQL (is PEERLOOP_TEST_DATABASES set without it?); "
            "this run fails",
            red=True,
        )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if on_ci() and session.config.stash[_PASSED] == 0 and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
