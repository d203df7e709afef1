"""The process's standard streams: closed, full, broken or non-UTF-8 ones end in one line, not a traceback."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Callable
from typing import Any

EXIT_OUTPUT = 1  # a write to stdout failed: what was asked for was not delivered


class OutputError(Exception):
    """Writing to stdout (or stderr) failed; `reason` says why in a few words."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _reason(e: OSError) -> str:
    if e.errno == errno.EPIPE:
        from .lesson.text import t

        return t("pipe_closed", _lang())
    return (e.strerror or str(e)).lower()


class _Guarded:
    """A text stream whose write failures become OutputError; everything else is the stream's own."""

    def __init__(self, stream: Any, closed_reason: str | None = None) -> None:
        self._stream = stream
        self._closed = closed_reason

    def write(self, text: str) -> int:
        if self._closed:
            raise OutputError(self._closed)
        try:
            return self._stream.write(text)
        except OSError as e:
            raise OutputError(_reason(e)) from None

    def flush(self) -> None:
        if self._closed:
            return
        try:
            self._stream.flush()
        except OSError as e:
            raise OutputError(_reason(e)) from None

    def isatty(self) -> bool:
        return False if self._closed else self._stream.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _occupy(fd: int) -> bool:
    """Put /dev/null on a closed standard fd, so no file opened later lands there; True if it was closed."""
    try:
        os.fstat(fd)
        return False
    except OSError:
        pass
    null = os.open(os.devnull, os.O_RDWR)
    if null != fd:
        os.dup2(null, fd)
        os.close(null)
    return True


def _buffered(stream: Any) -> Any:
    """The stream over a buffered writer: an unbuffered one (PYTHONUNBUFFERED, -u) drops what a short
    write (a full disk, `ulimit -f`) did not take, silently; a buffered writer retries and raises."""
    raw = getattr(stream, "buffer", None)
    if not isinstance(raw, io.RawIOBase):
        return stream
    with contextlib.suppress(AttributeError, ValueError, OSError):
        wrapped = io.TextIOWrapper(io.BufferedWriter(raw), encoding=stream.encoding, errors=stream.errors,
                                   line_buffering=stream.line_buffering, write_through=True)  # fmt: skip
        return _Flushed(wrapped)
    return stream


class _Flushed:
    """A text stream flushed after every write, as the unbuffered one it stands for was."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        n = self._stream.write(text)
        self._stream.flush()
        return n

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _stream(fd: int, current: Any) -> Any:
    if current is not None and not _occupy(fd):
        current = _buffered(current)
        # Text that the encoding cannot show is written as \u escapes (ASCII-safe) instead of failing.
        if (getattr(current, "encoding", "") or "").lower().replace("-", "") not in ("utf8", "utf8sig"):
            with contextlib.suppress(AttributeError, ValueError):
                current.reconfigure(errors="backslashreplace")
        return _Guarded(current)
    _occupy(fd)
    mode = "r" if fd == 0 else "w"
    stream = open(fd, mode, encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    return stream if fd == 0 else _Guarded(stream, ("stdin", "stdout", "stderr")[fd] + " is closed")


def install() -> None:
    """Guard stdout and stderr, and give closed standard streams a harmless stand-in."""
    sys.stdin_closed = sys.stdin is None  # type: ignore[attr-defined]
    sys.stdin = _stream(0, sys.stdin) if sys.stdin is None else sys.stdin
    sys.stdout = _stream(1, sys.stdout)
    sys.stderr = _stream(2, sys.stderr)


def stdin_closed() -> bool:
    """True when the process started with standard input closed (`<&-`)."""
    return bool(getattr(sys, "stdin_closed", False))


def report(reason: str) -> None:
    """One line on stderr: output could not be written (silently nothing if stderr is broken too)."""
    from .lesson.text import t

    try:
        sys.stderr.write(t("err.prefix", _lang()) + t("stdout_failed", _lang(), reason=reason) + "\n")
        sys.stderr.flush()
    except (OutputError, OSError):
        pass


def _lang() -> str:
    from .lesson.text import LANGS, detect_lang, lang_in_args

    chosen = lang_in_args(sys.argv[1:]) or os.environ.get("XENT_LANG")
    return chosen if chosen in LANGS else detect_lang()


def _silence(fd: int) -> None:
    """Point a failed stream at /dev/null, so the interpreter's own flush at exit stays quiet."""
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)


def run(main: Callable[[], Any]) -> int:
    """Run `main` and flush stdout; a failed write is one line on stderr and exit 1."""
    try:
        try:
            main()
            code: Any = 0
        except SystemExit as e:
            code = e.code
        except KeyboardInterrupt:  # Ctrl-C before the command began, or after it ended: quietly
            code = 130
        sys.stdout.flush()
    except (OutputError, BrokenPipeError) as e:
        _silence(1)
        report(e.reason if isinstance(e, OutputError) else _reason(e))
        code = EXIT_OUTPUT
    try:
        sys.stderr.flush()
    except (OutputError, OSError):
        _silence(2)
    if code is None:
        return 0
    return code if isinstance(code, int) else 1
