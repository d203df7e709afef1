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
                  "title": "标题", "teaches": "讲解", "reason": "原因", "difficulty": "困难", "detail": "说明",
                  "level": "简单", "how": "样本数 N（这里是 2）", "up": "类别 1", "down": "类别 0", "cell": "第 1 行类别 2",
                  "kinds": "漏了负号（1 次）", "files": "2 个文件", "kind": "练习文件", "dims": "2 × 3"}  # fmt: skip
# Placeholders that mean something else in one key.
KEY_PARAMS = {
    "new.title": {"samples": "2 个样本", "classes": "3 个类别"},
    "err.src": {"src": "a.csv"},
    "stage.logits.kdim_dims": {"dims": "2 × 3"},
}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9]|[A-Za-z]")


def glossary() -> dict:
    """The repository's glossary of terms and of Latin words Chinese text may keep."""
    return json.loads((LOCALES / "glossary.json").read_text(encoding="utf-8"))


def fill(template: str, key: str = "") -> str:
    """A template with its placeholders filled as at run time: Chinese words or a number."""
    params = {**CHINESE_PARAMS, **KEY_PARAMS.get(key, {})}
    return PLACEHOLDER.sub(lambda m: params.get(m.group(1), "1"), template)


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
    out = {f"zh.json {k}": fill(v, k) for k, v in json.loads((LOCALES / "zh.json").read_text("utf-8")).items()}
    for path in sorted((ROOT / "exercises").glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        parts = [("title", data["title"]), ("teaches", data["teaches"])]
        parts += [(f"hint {i + 1}", h) for i, h in enumerate(data["hints"])]
        for name, value in parts:
            out[f"{path.name} {name}"] = value["zh"]
    return out


def style() -> dict:
    """The Chinese style sheet: rules, words to avoid, measure words and count placeholders."""
    return json.loads((LOCALES / "zh-style.json").read_text(encoding="utf-8"))


_QUOTED = re.compile(r"'[^'\n]*'|`[^`\n]*`")
# ASCII '-' as a minus: before a digit, ln, Σ, e^, exp or a bracket, not inside a word, option or range.
_ASCII_MINUS = re.compile(r"(?<![A-Za-z0-9_\-'/.])-(?=\d|ln\b|Σ|e\^|exp\b|log|\(|t_|w\[| )(?!-)")
_LATIN_NEXT = re.compile(rf"{HAN.pattern}(?=[A-Za-z0-9'`\[−+=<>√Σ∂ε-])|(?<=[A-Za-z0-9'`\]−+=<>%])(?={HAN.pattern})")


def style_problems(text: str, *, minus: bool = True, colons: bool = True) -> list[str]:
    """Where a Chinese text breaks zh-style.json: colons, nested brackets, spacing, words to avoid, minus."""
    if not HAN.search(text):
        return []
    problems: list[str] = []
    for prefix in style()["labels"]["prefixes"]:
        text = text.removeprefix(prefix)
    text = re.sub(r"^(?:--[a-z-]+|环境变量 \S+)：", "", text)  # the option or variable an error names
    plain = _QUOTED.sub(lambda m: "'" + "x" * (len(m.group()) - 2) + "'", text)
    plain = re.sub(r"“[^”\n]*”", lambda m: "“" + "x" * (len(m.group()) - 2) + "”", plain)
    for sentence in re.split(r"(?<=[。？！\n])", plain):
        if sentence.count("：") > 1 and colons:
            problems.append(f"one_colon: {sentence.strip()!r}")
    depth = 0
    for i, ch in enumerate(plain):
        if ch == "（":
            if depth:
                problems.append(f"no_nested_brackets: {text[max(0, i - 20) : i + 20]!r}")
            depth += 1
        elif ch == "）":
            depth = max(0, depth - 1)
    if re.search(r"（\(|\)）", plain):
        problems.append(f"no_nested_brackets: a formula's bracket inside （）: {text!r}")
    for m in _LATIN_NEXT.finditer(plain):
        problems.append(f"space_around_latin: {text[max(0, m.start() - 8) : m.start() + 8]!r}")
    for item in style()["avoid"]:
        if item["zh"] in plain:
            problems.append(f"{item['rule']}: {item['zh']!r} (use {item['use']!r}) in {text!r}")
    for m in re.finditer(r"(?<![\w])[行题步] \d", plain):
        if not re.search(r"第 [\d、，–~ ]+ ?$", plain[: m.start() + 1][:-1]):
            problems.append(f"ordinal_rows: a row written without 第 in {text!r}")
    counted = "|".join(style()["count_verbs"])
    if re.search(rf"(?:{counted}) \d+(?![\d./]| ?[{style()['measure_words']}])", plain):
        problems.append(f"measure_words: a count without its measure word in {text!r}")
    if re.search(r"×\s?\d", re.sub(r"\d\s?×\s?\d", "", plain)):
        problems.append(f"measure_words: a tally written ×N in {text!r}")
    if minus:
        masked = _code_mask(plain)
        for m in _ASCII_MINUS.finditer(masked):
            problems.append(f"minus_sign: ASCII '-' as a minus in {text[max(0, m.start() - 10) : m.start() + 12]!r}")
    return problems


def count_problems(template: str) -> list[str]:
    """Count placeholders ({n}, {done}, …) not followed by a measure word in a Chinese template."""
    s = style()
    problems = []
    for m in re.finditer(r"\{(" + "|".join(s["counts"]) + r")(?::[^}]*)?\}", template):
        after = template[m.end() :]
        before = template[: m.start()]
        if not (re.match(rf" ?[{s['measure_words']}]|·| ×", after) or (before.endswith("数（") and after[:1] == "）")):
            problems.append(f"measure_words: {{{m.group(1)}}} has no measure word in {template!r}")
    return problems
