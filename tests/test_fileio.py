"""Issue 22 items 1 and 4: one reader and one writer for every path a user names."""

from __future__ import annotations

import errno
import json
import os
import socket
from pathlib import Path

import pytest

from xent_tutor import fileio
from xent_tutor.errors import XentError
from xent_tutor.lesson.text import catalogue, message


def said(e: XentError, lang: str = "en") -> str:
    return message(e, lang)


def refusal(fn, *args, **kw) -> XentError:
    with pytest.raises(XentError) as info:
        fn(*args, **kw)
    return info.value


# --- Reading: regular files only, capped, every OSError in words. ---


def test_reads_a_regular_file_and_follows_a_symlink(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"x,y\n")
    (tmp_path / "link.csv").symlink_to(tmp_path / "a.csv")
    assert fileio.read_bytes(tmp_path / "a.csv", None) == b"x,y\n"
    assert fileio.read_text(tmp_path / "link.csv", None) == "x,y\n"


def test_fifo_is_refused_at_once_without_opening_it(tmp_path):
    fifo = tmp_path / "answers.csv"
    os.mkfifo(fifo)  # no writer: opening it for reading the ordinary way would block forever
    e = refusal(fileio.read_bytes, fifo, None, "answers")
    assert said(e) == f"cannot read '{fifo}': it is a named pipe (FIFO), not a regular file"
    assert said(e, "zh") == f"无法读取 '{fifo}'：这是命名管道（FIFO），不是普通文件"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused_unread(device):
    e = refusal(fileio.read_bytes, device, "logits")
    assert said(e) == f"--logits: cannot read '{device}': it is a device, not a regular file"


def test_socket_is_refused(tmp_path):
    path = tmp_path / "s.sock"
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(path))
        assert said(refusal(fileio.read_bytes, path, None)).endswith("it is a socket, not a regular file")
    finally:
        s.close()


def test_folder_missing_and_part_of_path_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    assert said(refusal(fileio.read_bytes, tmp_path, None)).endswith(": it is a folder, not a file")
    assert said(refusal(fileio.read_bytes, tmp_path / "no.csv", None)).endswith(": no such file or folder")
    assert said(refusal(fileio.read_bytes, tmp_path / "f" / "x", None)).endswith(
        ": a part of the path is a file, not a folder"
    )
    assert said(refusal(fileio.read_bytes, tmp_path / "no.csv", None), "zh").endswith("：没有这个文件或文件夹")


def test_size_cap_names_the_limit_and_the_kind(tmp_path):
    big = tmp_path / "ex.json"
    big.write_bytes(b" " * (fileio.LIMITS["exercise"] + 1))
    e = refusal(fileio.read_bytes, big, None, "exercise")
    assert said(e) == f"cannot read '{big}': it is larger than 1 MiB, the most xent reads as an exercise file"
    assert said(e, "zh") == f"无法读取 '{big}'：文件超过 1 MiB，这是 xent 读取练习文件的上限"
    assert fileio.read_bytes(big, None, "exercise", limit=2 << 20)[:1] == b" "


def test_long_names_are_refused_before_the_os_sees_them(tmp_path):
    name = tmp_path / ("n" * 300 + ".csv")
    e = refusal(fileio.read_bytes, name, "summary")
    assert said(e).endswith("a name in the path is 304 bytes long; file systems allow at most 255")
    deep = "/".join(["d" * 200] * 25)
    assert "the path is" in said(refusal(fileio.read_bytes, deep, None))


def test_nul_and_unencodable_names(tmp_path):
    assert said(refusal(fileio.read_bytes, "a\0b", None)) == "cannot read 'a\\x00b': the name holds a NUL character"
    e = refusal(fileio.read_bytes, "bad\ud800.csv", None)  # not a surrogate-escaped byte: unencodable
    assert said(e) == "cannot read 'bad\\ud800.csv': the name is not valid in this system's file-name encoding"


def test_undecodable_byte_names_work_and_are_shown_escaped(tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9.csv"
    with open(raw, "wb") as f:
        f.write(b"1,2\n")
    name = os.fsdecode(raw)
    assert fileio.read_bytes(name, None) == b"1,2\n"
    os.unlink(raw)
    assert "caf\\udce9.csv" in said(refusal(fileio.read_bytes, name, None))


def test_not_utf8_text(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"\xff\xfe1,2")
    assert said(refusal(fileio.read_text, tmp_path / "a.csv", None)).endswith(": it is not UTF-8 text")


def test_symlink_loop(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert said(refusal(fileio.read_bytes, tmp_path / "a", None)).endswith("too many symbolic links (a loop?)")


def test_a_fifo_swapped_in_after_the_check_does_not_block(tmp_path, monkeypatch):
    fifo = tmp_path / "x.csv"
    os.mkfifo(fifo)
    monkeypatch.setattr(fileio, "regular", lambda *a, **k: 0)  # the race: the check saw a regular file
    assert said(refusal(fileio.read_bytes, fifo, None)).endswith("it is a named pipe (FIFO), not a regular file")


ALL_ERRNOS = sorted(errno.errorcode)


@pytest.mark.parametrize("code", ALL_ERRNOS)
def test_every_errno_is_one_catalogue_sentence_in_both_languages(code):
    e = OSError(code, "ENGLISH TEXT FROM THE OS")
    for write in (False, True):
        err = fileio.io_error(e, "f.csv", "output", write=write)
        for lang in ("en", "zh"):
            text = said(err, lang)
            assert "ENGLISH" not in text
            assert "\n" not in text and "{" not in text
            assert text.startswith("--output")
        assert f"io.why.{err.params['why']}" in catalogue("zh")


def test_unknown_errno_names_its_code_and_the_os_text_only_when_debugging(monkeypatch):
    e = OSError(errno.ECHRNG, "Channel number out of range")
    assert said(fileio.io_error(e, "f", None)) == "cannot read 'f': system error ECHRNG"
    monkeypatch.setenv("XENT_DEBUG", "1")
    assert said(fileio.io_error(e, "f", None)) == "cannot read 'f': system error ECHRNG [Channel number out of range]"


def test_permission_denied_reading(tmp_path, monkeypatch):
    (tmp_path / "a.csv").write_text("1")

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(fileio.os, "open", denied)
    assert said(refusal(fileio.read_bytes, tmp_path / "a.csv", None), "zh").endswith("：没有权限")


# --- Writing: one overwrite rule. ---


def test_new_file_is_written_and_an_existing_one_kept_without_force(tmp_path):
    out = tmp_path / "out.csv"
    fileio.write_file(out, "one\n", "output")
    assert out.read_text() == "one\n"
    e = refusal(fileio.write_file, out, "two\n", "output")
    assert said(e) == f"--output: '{out}' already exists; use --force to replace it"
    assert out.read_text() == "one\n"
    fileio.write_file(out, "two\n", "output", force=True)
    assert out.read_text() == "two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temporary file left


def test_force_keeps_permissions_and_a_symlink(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    fileio.write_file(link, "new", "output", force=True)
    assert link.is_symlink() and real.read_text() == "new"
    assert real.stat().st_mode & 0o777 == 0o640


def test_private_files_are_0600(tmp_path):
    fileio.write_file(tmp_path / "p.json", "{}", "progress_file", private=True)
    assert (tmp_path / "p.json").stat().st_mode & 0o777 == 0o600 & ~_umask()


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    out = tmp_path / "sheet.md"
    out.write_text("the teacher's sheet")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", full)
    e = refusal(fileio.write_file, out, "x" * 1000, "output", force=True)
    assert said(e) == f"--output: cannot write '{out}': the disk is full"
    assert said(e, "zh") == f"--output：无法写入 '{out}'：磁盘已满"
    assert out.read_text() == "the teacher's sheet"
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.md"]


def test_a_writer_callback_that_fails_midway_changes_nothing(tmp_path):
    out = tmp_path / "l.npy"
    out.write_bytes(b"old")

    def half(f):
        f.write(b"partial")
        raise OSError(errno.EFBIG, "File too large")

    e = refusal(fileio.write_file, out, half, "output", force=True)
    assert said(e).endswith("the file would be larger than the file system or a size limit ('ulimit -f') allows")
    assert out.read_bytes() == b"old"


def test_write_targets_that_are_not_files(tmp_path):
    assert said(refusal(fileio.write_file, tmp_path, "x", "export", force=True)).endswith("it is a folder, not a file")
    assert said(refusal(fileio.write_file, "/dev/null", "x", "export", force=True)).endswith("it is not a regular file")
    assert said(refusal(fileio.write_file, tmp_path / "no" / "x.csv", "x", "output")).endswith(
        "its folder does not exist"
    )
    long = tmp_path / ("n" * 256)
    assert "256 bytes long" in said(refusal(fileio.write_file, long, "x", "summary"))


def test_long_but_legal_name_still_gets_a_temporary_file(tmp_path):
    name = tmp_path / ("n" * 250 + ".csv")
    fileio.write_file(name, "ok", "output")
    assert name.read_text() == "ok"


def test_may_write_refuses_before_any_work(tmp_path):
    (tmp_path / "a.svg").write_text("<svg/>")
    assert said(refusal(fileio.may_write, tmp_path / "a.svg", "export")).endswith("use --force to replace it")
    assert fileio.may_write(tmp_path / "a.svg", "export", force=True) == tmp_path / "a.svg"
    assert fileio.may_write(tmp_path / "b.svg", "export") == tmp_path / "b.svg"


def test_catalogue_words_exist_for_every_word_the_module_can_say():
    words = set(fileio._WHY.values()) | {"no_folder", "other", "fifo", "socket", "device", "not_regular", "too_big",
                                         "nul", "bad_name", "empty_name", "name_too_long_by", "path_too_long_by",
                                         "not_utf8", "folder"}  # fmt: skip
    for lang in ("en", "zh"):
        table = catalogue(lang)
        assert all(f"io.why.{w}" in table for w in words), lang
        assert all(f"io.kind.{k}" in table for k in fileio.LIMITS)
    assert json.loads(Path(fileio.__file__).with_name("lesson").joinpath("locales", "zh.json").read_text())
