"""Environment variables checked like options, once, before any command reads them.

A value xent cannot use is never passed on: COLUMNS and LINES out of range are clamped (garbage or 0 is
dropped, so the terminal's own size is used), an unknown XENT_LANG or FORCE_COLOR value is dropped; each
with one warning naming the variable. XENT_NUM_THREADS, XENT_PROGRESS_FILE and XENT_EXERCISES are refused
by the commands that use them (one line naming the variable), so a command that does not never fails on them.
"""

from __future__ import annotations

import os

MIN_WIDTH, MAX_WIDTH = 40, 1000  # the --width range (common.py's)
MAX_LINES = 10_000
FORCE_OFF = ("0", "false", "no", "off")
FORCE_ON = ("1", "2", "3", "true", "yes", "on", "always")


def sanitize(env: dict[str, str] | os._Environ[str] | None = None) -> list[tuple[str, dict[str, object]]]:
    """Fix the process environment in place; the warnings to print, as (catalogue key, params)."""
    env = os.environ if env is None else env
    warnings: list[tuple[str, dict[str, object]]] = []
    for name, low, high, unit in (("COLUMNS", MIN_WIDTH, MAX_WIDTH, "columns"), ("LINES", 1, MAX_LINES, "lines")):
        raw = env.get(name)
        if raw is None or raw == "":
            continue
        shown = _clip(raw)
        text = raw.strip()
        if not (text.isascii() and text.isdigit()) or int(text) == 0:
            del env[name]
            warnings.append(("env.ignored", {"name": name, "value": shown, "why": f"env.why.{unit}"}))
            continue
        value = int(text)
        used = min(max(value, low), high)
        if used != value:
            warnings.append(("env.clamped", {"name": name, "value": shown, "used": used, "low": low, "high": high,
                                             "unit": f"env.unit.{unit}"}))  # fmt: skip
        env[name] = str(used)
    lang = env.get("XENT_LANG")
    if lang is not None and lang not in ("", "en", "zh"):
        del env["XENT_LANG"]
        warnings.append(("env.ignored", {"name": "XENT_LANG", "value": _clip(lang), "why": "env.why.lang"}))
    force = env.get("FORCE_COLOR")
    if force is not None and force != "":
        word = force.strip().lower()
        if word in FORCE_OFF:
            del env["FORCE_COLOR"]  # "do not force": Rich would read any value as forcing colour
        elif word not in FORCE_ON:
            del env["FORCE_COLOR"]
            warnings.append(("env.ignored", {"name": "FORCE_COLOR", "value": _clip(force), "why": "env.why.force"}))
    return warnings


def _clip(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"
