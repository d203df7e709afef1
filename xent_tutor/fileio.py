"""Every path a user names: read as a regular file under a size cap, written atomically under one overwrite rule.

Errors are XentError("io.read" | "io.write" | "io.name", where, path=..., why=WORD): the catalogue words
every OSError (lesson.text renders `why` as "io.why.WORD"), so the OS's English text is never shown
(except under XENT_DEBUG, for a bug report).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import XentError

MIB = 1 << 20
# The largest file read for each kind of file, in bytes; the message names the limit and the kind.
LIMITS = {
    "exercise": 1 * MIB,  # an exercise is a few kB
    "answers": 64 * MIB,  # a class's answers CSV: a row is ~40 bytes, so over a million rows
    "progress": 64 * MIB,  # a history this large is not one xent wrote
    "input": 256 * MIB,  # JSON / CSV arrays (--max-input changes it)
    "file": 64 * MIB,
}
NAME_MAX = 255  # bytes in one file or folder name (Linux, macOS, Windows)
PATH_MAX = 4095  # bytes in a whole path

# errno -> catalogue word ("io.why.WORD"); anything else is "other", named by its code.
_WHY = {
    errno.EACCES: "denied",
    errno.EPERM: "denied",
    errno.ENOENT: "missing",
    errno.ENOTDIR: "not_dir",
    errno.EISDIR: "folder",
    errno.ENAMETOOLONG: "name_too_long",
    errno.ELOOP: "loop",
    errno.ENOSPC: "disk_full",
    errno.EROFS: "read_only",
    errno.EEXIST: "exists",
    errno.EBUSY: "busy",
    errno.ETXTBSY: "busy",
    errno.EAGAIN: "busy",
    errno.EIO: "io",
    errno.EMFILE: "too_many_open",
    errno.ENFILE: "too_many_open",
    errno.ENOMEM: "no_memory",
    errno.EFBIG: "too_big_for_fs",
    errno.EXDEV: "cross_device",
    errno.ENXIO: "not_regular",
    errno.ENODEV: "not_regular",
    errno.EOPNOTSUPP: "unsupported",
    errno.EINVAL: "invalid",
    errno.EILSEQ: "bad_name",
    errno.EINTR: "interrupted",
    errno.ETIMEDOUT: "network",
    errno.EHOSTDOWN: "network",
    errno.ENETDOWN: "network",
    errno.ENETUNREACH: "network",
    errno.EHOSTUNREACH: "network",
    errno.ECONNREFUSED: "network",
    errno.ECONNRESET: "network",
}
for _name, _word in (("EDQUOT", "quota"), ("ESTALE", "stale"), ("ENOTSUP", "unsupported")):
    if hasattr(errno, _name):
        _WHY[getattr(errno, _name)] = _word


def why(e: OSError, write: bool = False) -> dict[str, object]:
    """The catalogue word (and its parameters) for an OSError: {'why': 'denied'} or {'why': 'other', 'code': ...}."""
    code = e.errno or 0
    word = _WHY.get(code, "other")
    if word == "missing" and write:
        word = "no_folder"  # writing creates the file: what is missing is its folder
    out: dict[str, object] = {"why": word}
    if word == "other":
        out["code"] = errno.errorcode.get(code, str(code))
    if os.environ.get("XENT_DEBUG"):
        out["debug"] = f" [{e.strerror or e}]"
    return out


def io_error(e: OSError, path: object, where: str | None, write: bool = False) -> XentError:
    """One XentError for any OSError on `path`: 'cannot read/write PATH: WHY' in the user's language."""
    return XentError("io.write" if write else "io.read", where, path=str(path), **why(e, write))


def check_name(path: str | os.PathLike[str], where: str | None, write: bool = False) -> Path:
    """The path as a Path once its name is usable: no NUL, encodable, no part over 255 bytes, under 4096."""
    text = os.fspath(path)
    key = "io.write" if write else "io.read"
    if not text:
        raise XentError(key, where, path=text, why="empty_name")
    if "\0" in text:
        raise XentError(key, where, path=text, why="nul")
    try:
        raw = os.fsencode(text)
    except UnicodeError:
        raise XentError(key, where, path=text, why="bad_name") from None
    longest = max(len(part) for part in raw.split(b"/"))
    if longest > NAME_MAX:
        raise XentError(key, where, path=text, why="name_too_long_by", size=longest, limit=NAME_MAX)
    if len(raw) > PATH_MAX:
        raise XentError(key, where, path=text, why="path_too_long_by", size=len(raw), limit=PATH_MAX + 1)
    return Path(text)


def is_folder(path: str | os.PathLike[str]) -> bool:
    """True for a folder; False for anything else, a name too long or a loop included (the reader says why)."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def human(size: int) -> str:
    """A byte count as people read a limit: '1 MiB', '64 MiB', '512 KiB'."""
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} B"


def regular(path: str | os.PathLike[str], where: str | None, kind: str = "file", limit: int | None = None) -> int:
    """The size of a regular file (symlinks followed); folders, devices, FIFOs, sockets and oversize files refused."""
    p = check_name(path, where)
    try:
        st = os.stat(p)
    except OSError as e:
        raise io_error(e, path, where) from None
    _kind(st, path, where)
    cap = LIMITS.get(kind, LIMITS["file"]) if limit is None else limit
    if st.st_size > cap:
        raise XentError("io.read", where, path=str(path), why="too_big", limit=human(cap), kind=kind)
    return st.st_size


def _kind(st: os.stat_result, path: object, where: str | None) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise XentError("io.read", where, path=str(path), why="folder")
    if not stat.S_ISREG(st.st_mode):
        word = "fifo" if stat.S_ISFIFO(st.st_mode) else "socket" if stat.S_ISSOCK(st.st_mode) else "device"
        raise XentError("io.read", where, path=str(path), why=word)


@contextlib.contextmanager
def open_regular(
    path: str | os.PathLike[str], where: str | None, kind: str = "file", limit: int | None = None
) -> Iterator[BinaryIO]:
    """Open a regular file for reading (never blocking on a FIFO swapped in after the check); yields a binary file."""
    regular(path, where, kind, limit)
    try:
        fd = os.open(os.fspath(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise io_error(e, path, where) from None
    try:
        _kind(os.fstat(fd), path, where)  # the file opened is the file checked
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        try:
            yield f
        except OSError as e:
            raise io_error(e, path, where) from None


def read_bytes(path: str | os.PathLike[str], where: str | None, kind: str = "file", limit: int | None = None) -> bytes:
    """A regular file's bytes, at most the kind's limit (a file that grows past it while read is refused too)."""
    cap = LIMITS.get(kind, LIMITS["file"]) if limit is None else limit
    with open_regular(path, where, kind, cap) as f:
        data = read_stream(f, cap, hint=os.fstat(f.fileno()).st_size)
    if data is None:
        raise XentError("io.read", where, path=str(path), why="too_big", limit=human(cap), kind=kind)
    return data


CHUNK = 1 << 20


def read_stream(stream: BinaryIO, cap: int, hint: int = 0) -> bytes | None:
    """Everything a stream holds, or None past `cap` bytes; memory grows with what is read, never with `cap`."""
    want = min(cap, hint) + 1
    first = stream.read(want) if hint else b""
    if hint and len(first) < want:  # the usual case: a file read whole at its size (a short read is its end)
        return first
    chunks, total = [first], len(first)
    while total <= cap:
        chunk = stream.read(min(CHUNK, cap + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    return None


def read_text(path: str | os.PathLike[str], where: str | None, kind: str = "file", limit: int | None = None) -> str:
    """A regular file's text (UTF-8, a BOM ignored); bytes that are not UTF-8 are refused with the path."""
    data = read_bytes(path, where, kind, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise XentError("io.read", where, path=str(path), why="not_utf8") from None


# --- Writing: one overwrite rule for every output file. ---


def may_write(path: str | os.PathLike[str], where: str | None, force: bool = False) -> Path:
    """Refuse early (before any work) what write_file would refuse: a bad name, a folder, a device, or an
    existing file without force. Returns the file to write (a symlink's target, so the link stays)."""
    p = check_name(path, where, write=True)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        folder = p.parent if str(p.parent) else Path(".")
        if not folder.is_dir():
            raise XentError("io.write", where, path=str(path), why="no_folder") from None
        return _target(p)
    except OSError as e:
        raise io_error(e, path, where, write=True) from None
    if stat.S_ISDIR(st.st_mode):
        raise XentError("io.write", where, path=str(path), why="folder")
    if not stat.S_ISREG(st.st_mode):
        raise XentError("io.write", where, path=str(path), why="not_regular")
    if not force:
        raise XentError("file_exists", where, path=str(path))
    return _target(p)


def _target(p: Path) -> Path:
    return Path(os.path.realpath(p)) if p.is_symlink() else p


Writer = Callable[[BinaryIO], object]


def write_file(
    path: str | os.PathLike[str],
    data: bytes | str | Writer,
    where: str | None,
    force: bool = False,
    private: bool = False,
) -> None:
    """Write a file whole or not at all: to a temporary file beside it, then renamed into place.

    An existing file is replaced only with `force` (keeping its permissions; through a symlink, the link
    stays); without it, the rename never replaces a file that appeared meanwhile. A failure (disk full,
    no permission) leaves the old file whole and no temporary file behind.
    """
    dest = may_write(path, where, force)
    folder = dest.parent if str(dest.parent) else Path(".")
    prefix = "." + dest.name + "." if len(os.fsencode(dest.name)) <= NAME_MAX - 20 else ".xent-"
    try:
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError as e:
        raise io_error(e, path, where, write=True) from None
    try:
        try:
            mode = os.stat(dest).st_mode & 0o7777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = (0o600 if private else 0o666) & ~umask
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        if force:
            os.replace(tmp, dest)
        else:
            _link(tmp, dest, path, where)
    except OSError as e:
        raise io_error(e, path, where, write=True) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _link(tmp: str, dest: Path, shown: object, where: str | None) -> None:
    """Put the new file in place only if nothing is there (a hard link never replaces a file)."""
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise XentError("file_exists", where, path=str(shown)) from None
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise
        if dest.exists():  # a file system without hard links: check, then rename
            raise XentError("file_exists", where, path=str(shown)) from None
        os.replace(tmp, dest)
