"""The three teacher workflows as real processes, as a teacher types them."""

from __future__ import annotations

import os
import subprocess
import sys


def run(*args, cwd, lang="C.UTF-8", env=None):
    e = {**os.environ, "LANG": lang, "NO_COLOR": "1", "XENT_PROGRESS_FILE": str(cwd / "progress.json"), **(env or {})}
    e.pop("XENT_EXERCISES", None)
    return subprocess.run([sys.executable, "-m", "xent_tutor", *map(str, args)], cwd=cwd, env=e,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_own_exercise_worksheet_and_grading_in_real_processes(tmp_path):
    (tmp_path / "class").mkdir()
    r = run("exercises", "new", "--id", "two-rows", "--logits", "[[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]]",
            "--labels", "[0, 2]", "--output", "class", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0 and r.stdout == "" and "wrote class/two-rows.json (answer 0.1755)" in r.stderr
    r = run("exercises", "check", "class", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == "class/two-rows.json: ok\n"
    r = run("worksheet", "--exercise", "class", "--count", "1", "--key", "key.md", cwd=tmp_path)
    assert r.returncode == 0 and "`class/two-rows.json`" in r.stdout
    assert "Loss = 0.1755" in (tmp_path / "key.md").read_text()
    (tmp_path / "answers.csv").write_text("ana,class/two-rows.json,0.1755\nbo,two-rows,-0.1755\ncy,two-rows\n")
    r = run("grade", "answers.csv", "--format", "csv", cwd=tmp_path, env={"XENT_EXERCISES": "class"})
    assert r.returncode == 0
    assert [line.split(",")[5] for line in r.stdout.splitlines()[1:]] == ["right", "wrong", "malformed"]
    assert r.stderr == "xent: 3 rows: 1 right, 1 wrong, 0 blank, 0 unreadable, 1 malformed\n"


def test_errors_are_one_line_in_the_teachers_language(tmp_path):
    r = run("grade", "missing.csv", cwd=tmp_path, lang="zh_CN.UTF-8")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "无法读取 'missing.csv'" in r.stderr
    (tmp_path / "bad.json").write_text('{"format": 2, "id": "bad",\n "answer": "x"}')
    r = run("exercises", "check", "bad.json", cwd=tmp_path, lang="zh_CN.UTF-8")
    assert r.returncode == 2 and "bad.json:2:12：错误：'answer' 的 JSON 类型必须是 'number'" in r.stdout
