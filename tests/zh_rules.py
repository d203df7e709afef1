"""What a native reader expects of Chinese text: GB/T 15834 punctuation and no stray English words."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
LOCALES = ROOT / "xent_tutor" / "lesson" / "locales"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
FULL_PUNCT = set("，。、：；？！（）《》“”‘’…—【】「」")
PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::[^}]*)?\}")
# Placeholders that are filled with Chinese words (a place, a stage name, a sentence); the rest are numbers or code.
CHINESE_PARAMS = {"at": "第 1 行", "loc": "第 1 行第 2 列", "src": "（在 a.csv 中）", "text": "提示", "stage": "最终损失",
                  "title": "标题", "teaches": "讲解", "reason": "原因", "difficulty": "困难", "detail": "说明"}  # fmt: skip
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9]|[A-Za-z]")


def glossary() -> dict:
    """The repository's glossary of terms and of Latin words Chinese text may keep."""
    return json.loads((LOCALES / "glossary.json").read_text(encoding="utf-8"))


def fill(template: str) -> str:
    """A template with its placeholders filled as at run time: Chinese words or a number."""
    return PLACEHOLDER.sub(lambda m: CHINESE_PARAMS.get(m.group(1), "1"), template)


def _chinese(ch: str) -> bool:
    return bool(HAN.match(ch)) or ch in FULL_PUNCT


def _code_mask(text: str) -> str:
    """Blank out code: quoted spans ('…', `…`) and command-line options (--name value)."""
    text = re.sub(r"\b[a-z_]+='[^'\n]*'|'[^'\n]*'|`[^`\n]*`", lambda m: "'" + "x" * (len(m.group()) - 2) + "'", text)
    command = r"(?<![A-Za-z])xent(?: [A-Za-z0-9_./|'()+\[\],=-]+)+"  # a command line to type, with its options
    option = r"--[a-z][a-z-]*(?: [A-Za-z0-9_./-]+\b)?"
    return re.sub(f"{command}|{option}", lambda m: "x" * len(m.group()), text)


def _neighbour(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] == " ":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def punctuation_problems(text: str) -> list[str]:
    """Half-width , : ; ? ! ( ) used as Chinese punctuation (outside formulas, numbers and code)."""
    if not HAN.search(text):
        return []
    masked = _code_mask(text)
    problems: list[str] = []
    opened: list[int] = []
    depth = 0
    for i, ch in enumerate(masked):
        around = text[max(0, i - 8) : i + 9]
        if ch in "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif ch == "(":
            opened.append(i)
            if HAN.match(masked[i - 1 : i] or "x"):
                problems.append(f"half-width ( after a Chinese character: {around!r}")
        elif ch == ")":
            start = opened.pop() if opened else 0
            if HAN.search(masked[start:i]):
                problems.append(f"half-width ( ) around Chinese words: {text[start : i + 1]!r}")
            elif HAN.match(masked[i + 1 : i + 2] or "x"):
                problems.append(f"half-width ) before a Chinese character: {around!r}")
        elif ch in ",;?!:":
            left, right = _neighbour(masked, i, -1), _neighbour(masked, i, 1)
            if ch == "!" and right == "=":
                continue
            if _chinese(left) or _chinese(right):
                problems.append(f"half-width {ch} next to Chinese text: {around!r}")
            elif depth == 0 and not opened and (ch != ":" or masked[i + 1 : i + 2] in ("", " ")):
                problems.append(f"half-width {ch} between two parts of a Chinese sentence: {around!r}")
    return problems


def stray_words(text: str) -> list[str]:
    """English words standing alone in Chinese text: not code, not glossed, not a kept name or symbol."""
    if not HAN.search(text):
        return []
    g = glossary()
    keep = {w.lower() for w in g["keep"]}
    masked = _code_mask(text)
    problems = []
    for m in LATIN_WORD.finditer(masked):
        word = m.group()
        code = re.search(r"[_.0-9]", word) or word.isupper()  # identifiers, env vars, metavars, acronyms
        if set(word) <= {"x"} or len(word) == 1 or word.lower() in keep or code:
            continue
        before, after = masked[: m.start()], masked[m.end() :]
        glossed_after = after.startswith("（")  # e.g. mean（平均）
        is_gloss = before.endswith("（") and after.startswith("）")  # e.g. 独热（one-hot）
        if not (glossed_after or is_gloss):
            problems.append(f"{word!r} stands alone in {text!r}")
    return problems


def zh_texts() -> dict[str, str]:
    """Every Chinese sentence xent has: the catalogue (placeholders filled) and the exercises' zh text."""
    out = {f"zh.json {k}": fill(v) for k, v in json.loads((LOCALES / "zh.json").read_text("utf-8")).items()}
    for path in sorted((ROOT / "exercises").glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        parts = [("title", data["title"]), ("teaches", data["teaches"])]
        parts += [(f"hint {i + 1}", h) for i, h in enumerate(data["hints"])]
        for name, value in parts:
            out[f"{path.name} {name}"] = value["zh"]
    return out
