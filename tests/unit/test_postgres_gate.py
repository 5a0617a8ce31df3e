"""The CI gate on PostgreSQL (tests/support/postgres_gate.py), run in an inner pytest."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SUITE = """
import pytest

@pytest.fixture(params={databases})
def database_url(request):
    return request.param

def test_touches_the_database(database_url):
    pass
"""


def _run(pytester: pytest.Pytester, databases: list[str]) -> pytest.RunResult:
    pytester.makepyfile(SUITE.format(databases=databases))
    return pytester.runpytest("-p", "tests.support.postgres_gate")


def test_ci_fails_a_run_without_postgresql(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an exported PEERLOOP_TEST_DATABASES=sqlite would do: the tests pass, CI fails."""
    monkeypatch.setenv("CI", "true")
    result = _run(pytester, ["sqlite"])
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["tests that passed on PostgreSQL: 0", "CI: no test ran on *"])


def test_ci_passes_a_run_with_postgresql(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = _run(pytester, ["sqlite", "postgresql"])
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["tests that passed on PostgreSQL: 1"])


def test_a_local_run_may_leave_postgresql_out(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert _run(pytester, ["sqlite"]).ret == pytest.ExitCode.OK
