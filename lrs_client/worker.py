"""Running the dispatcher: as a background thread (development server) or as the main loop
of its own process (production), stopping cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import signal
import threading
from types import FrameType

from sqlalchemy.orm import Session, sessionmaker

from lrs_client.dispatcher import DispatchConfig, Dispatcher


class WorkerThread:
    """A daemon thread running a dispatcher; ``stop()`` lets the current batch finish."""

    def __init__(self, sessions: sessionmaker[Session], config: DispatchConfig | None = None):
        self.stop_event = threading.Event()
        self.dispatcher = Dispatcher(sessions, config)
        self.thread = threading.Thread(
            target=self.dispatcher.run, args=(self.stop_event,), name="lrs-dispatcher", daemon=True
        )

    def start(self) -> WorkerThread:
        self.thread.start()
        return self

    def stop(self, timeout: float | None = 60.0) -> None:
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join(timeout)


def run_process(sessions: sessionmaker[Session], config: DispatchConfig | None = None) -> None:
    """Deliver in the calling (main) thread until SIGTERM or SIGINT. The signal only sets a
    flag: the batch in hand is delivered and settled before the function returns."""
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        Dispatcher(sessions, config).run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
