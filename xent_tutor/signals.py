"""Signals from the first instruction: Ctrl-C, SIGTERM and a closed terminal (SIGHUP) stop xent quietly.

Installed by the entry point before any heavy import. Each raises an exception at the next Python
instruction (KeyboardInterrupt for Ctrl-C, Terminated for the others), so a quiz ends as it does on
Ctrl-C, its answers saved; a file being saved is finished first (`deferred`). The process then exits
with 128 + the signal's number, as a shell reports a process a signal stopped (130, 143, 129).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from typing import Any

NAMES = ("SIGINT", "SIGTERM", "SIGHUP")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stop as on Ctrl-C (what was answered is saved), then exit 128 + the signal."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.code = 128 + signum
        super().__init__(signum)


_received: list[int] = []  # signals that arrived, first first
_pending: list[int] = []  # arrived inside a deferred block: raised when it ends
_depth = [0]


def install() -> None:
    """Handle SIGINT, SIGTERM and SIGHUP (one that the caller ignores, as nohup does, stays ignored)."""
    for name in NAMES:
        signum = getattr(signal, name, None)
        if signum is None:  # Windows has no SIGHUP
            continue
        with contextlib.suppress(ValueError, OSError):  # not the main thread (an embedding program)
            if signal.getsignal(signum) != signal.SIG_IGN:
                signal.signal(signum, _handler)


def _handler(signum: int, frame: Any) -> None:
    if signum not in _received:
        _received.append(signum)
    if _depth[0]:
        _pending.append(signum)
        return
    if frame is not None and frame.f_code.co_name == "cb" and "importlib" in frame.f_code.co_filename:
        # An import's lock callback, whose exceptions Python prints and ignores: deliver it again after it.
        os.kill(os.getpid(), signum)
        return
    raise _exception(signum)


def _exception(signum: int) -> KeyboardInterrupt:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def received() -> int | None:
    """The first signal that arrived (SIGINT, SIGTERM or SIGHUP), or None."""
    return _received[0] if _received else None


def exit_code(code: int) -> int:
    """The process's exit status: 128 + the first signal that arrived (the one that stopped it), else `code`."""
    return 128 + _received[0] if _received else code


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold a signal's exception until the block ends, so a file being written is written whole."""
    _depth[0] += 1
    try:
        yield
    finally:
        _depth[0] -= 1
        if not _depth[0] and _pending:
            signum = _pending[0]
            _pending.clear()
            raise _exception(signum)


def hold() -> None:
    """From now on a signal is only noted (the process is ending: nothing is left to stop)."""
    _depth[0] += 1
