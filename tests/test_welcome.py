"""Issue 20 item 1: bare `xent` welcomes a newcomer; every usage error stays one line with no literal escapes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from xent_tutor.cli import app

ROOT = Path(__file__).parent.parent
runner = CliRunner()


def _path_ids() -> list[str]:
    """The built-in learning path, read from the exercise files themselves."""
    files = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "exercises").glob("*.json"))]
    return [d["id"] for d in sorted((d for d in files if d.get("order") is not None), key=lambda d: d["order"])]


@pytest.fixture
def pfile(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(path))
    return path


def test_bare_xent_welcomes_with_the_three_ways_in(pfile):
    r = runner.invoke(app, [])
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "\\n" not in out and "error" not in out.lower()
    for command in ("xent explain", "xent quiz", "xent play", "xent --help"):
        assert command in out
    ids = _path_ids()
    assert f"exercise 1 of {len(ids)}, {ids[0]}" in " ".join(out.split())
    assert not pfile.exists()  # a welcome reads the progress file, never writes it


def test_welcome_says_where_the_learner_is_on_the_path(pfile):
    ids = _path_ids()
    pfile.write_text(json.dumps({"format": 2, "solved": ids[:2], "attempted": [], "sessions": []}))
    before = pfile.read_bytes()
    out = " ".join(runner.invoke(app, []).stdout.split())
    assert f"next on your path: exercise 3 of {len(ids)}, {ids[2]}" in out
    assert pfile.read_bytes() == before


def test_welcome_when_the_path_is_done(pfile):
    ids = _path_ids()
    pfile.write_text(json.dumps({"format": 2, "solved": ids, "attempted": [], "sessions": []}))
    out = " ".join(runner.invoke(app, []).stdout.split())
    assert f"all {len(ids)} exercises" in out and "xent quiz --random" in out


def test_welcome_in_chinese(pfile):
    r = runner.invoke(app, ["--lang", "zh"])
    assert r.exit_code == 0
    assert "三种入门方式" in r.stdout and "xent --help" in r.stdout
    r = runner.invoke(app, [], env={"LANG": "zh_CN.UTF-8"})
    assert "三种入门方式" in r.stdout


def test_welcome_with_an_unreadable_progress_file_still_welcomes(pfile):
    pfile.write_bytes(b"\x00garbage")
    r = runner.invoke(app, [])
    assert r.exit_code == 0 and "xent quiz" in r.stdout
    assert pfile.read_bytes() == b"\x00garbage"


def _commands(command=None, path=()):
    command = command or typer.main.get_command(app)
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def _usage_errors():
    """For every command: an unknown option, each valued option without its value, each number option given text."""
    for path, command in _commands():
        yield (*path, "--no-such-option")
        yield (*path, "extra", "arguments", "--bogus=1")
        for p in command.params:
            if not getattr(p, "opts", None) or p.opts[0] in ("--help",) or not p.opts[0].startswith("-"):
                continue
            if getattr(p, "is_flag", False) or getattr(p, "count", False):
                continue
            yield (*path, p.opts[0])
            if isinstance(p.default, (int, float)) and not isinstance(p.default, bool):
                yield (*path, p.opts[0], "abc")


CASES = sorted(set(_usage_errors()))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a))
def test_every_usage_error_is_one_line_without_literal_escapes(args, lang):
    r = runner.invoke(app, [*args, "--lang", lang] if len(args) > 1 else list(args), env={"LANG": f"{lang}_X.UTF-8"})
    assert r.exit_code == 2, (r.exit_code, r.output)
    err = r.stderr
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert not re.search(r"\\[ntr]", err), err
    assert "Traceback" not in err
