"""Every error lrs_client raises. Each carries a message an operator can act on."""

from __future__ import annotations


class LrsError(Exception):
    """Base of every delivery or query failure. ``str(error)`` is the operator's message."""


class LrsUnreachableError(LrsError):
    """No HTTP answer: connection refused, DNS failure, TLS failure or a timeout.
    ``maybe_sent``: the request may have reached the LRS (a reset or a read timeout hides
    whether it stored the batch); False when no connection was made at all."""

    def __init__(self, message: str, maybe_sent: bool = True) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class LrsUnavailableError(LrsError):
    """The LRS answered 5xx or 429; ``retry_after`` (seconds) is honoured when it sent one."""

    def __init__(self, message: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class LrsConfigError(LrsError):
    """The destination is misconfigured: wrong URL (404), refused credentials (401/403), or
    an xAPI version the LRS does not speak. Statements wait until an operator fixes it.
    ``kind`` says which: "url", "credentials", "version" (or "" when unknown), so a caller can
    point at the right setting."""

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind


class LrsRejectedError(LrsError):
    """The LRS refused the statement(s) themselves (400, 409, 413…), with its own message."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
