"""Help pages and Typer's usage errors in the learner's language; Chinese help wrapped by Chinese rules."""

from __future__ import annotations

import itertools
import re
from typing import Any

import typer

from .lesson.text import HAN, catalogue, t

_HEADINGS = {
    "Options": "help.heading.options",
    "Commands": "help.heading.commands",
    "Arguments": "help.heading.arguments",
}


def localize(command: Any, lang: str, path: tuple[str, ...] = ()) -> None:
    """Give `command` and every subcommand their help from the catalogue, laid out for `lang`."""
    key = "help." + (".".join(path) or "xent")
    # English help is the code's own (docstrings, help=); en.json keeps a copy a test holds equal.
    table = catalogue(lang) if lang != "en" else {}
    command.help = table.get(key, command.help)
    command.short_help = table.get(key + ".short", command.short_help)
    command.epilog = table.get(key + ".epilog", command.epilog)
    command.options_metavar = t("help.metavar.options", lang)
    if hasattr(command, "subcommand_metavar"):
        command.subcommand_metavar = t("help.metavar.command", lang)
    for param in command.params:
        for name in (f"{key}.{param.name}", f"help.opt.{param.name}"):
            if name in table:
                param.help = table[name]
                break
    command.context_class = _context_class(lang)
    for name, sub in getattr(command, "commands", {}).items():
        localize(sub, lang, (*path, name))


def _context_class(lang: str) -> type:
    class Formatter(typer.Context.formatter_class):  # type: ignore[name-defined,misc]
        """Click's help formatter, with the catalogue's words and Chinese line breaking."""

        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            from rich.cells import cell_len

            prefix = t("help.usage", lang) if prefix is None else prefix
            line = f"{prefix}{prog} {args}".rstrip()
            if cell_len(line) <= self.width or not HAN.search(prefix):
                return super().write_usage(prog, args, prefix)
            indent = " " * cell_len(prefix)  # Chinese is two columns a character: Click counts one
            self.write(
                f"{prefix}{prog}\n"
                + "\n".join(indent + part for part in _command(args, self.width - len(indent)))
                + "\n"
            )

        def write_heading(self, heading: str) -> None:
            words = t(_HEADINGS[heading], lang) if heading in _HEADINGS else heading
            self.write(f"{'':>{self.current_indent}}{t('help.heading', lang, heading=words)}\n")

        def write_text(self, text: str) -> None:
            from rich.cells import cell_len

            room = self.width - self.current_indent
            if not HAN.search(text) and all(cell_len(line) <= room for line in text.splitlines()):
                return super().write_text(text)
            self.write(_fill(text, self.width, " " * self.current_indent) + "\n")

        def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
            rows = [(first, _extras(second, lang)) for first, second in rows]
            if not any(HAN.search(second) for _, second in rows):
                return super().write_dl(rows, col_max, col_spacing)
            first_col = min(max(len(first) for first, _ in rows), col_max) + col_spacing
            indent = " " * self.current_indent
            for first, second in rows:
                self.write(indent + first)
                if len(first) <= first_col - col_spacing:
                    self.write(" " * (first_col - len(first)))
                else:
                    self.write("\n" + indent + " " * first_col)
                text = _fill(second, max(self.width - first_col - self.current_indent, 10), "").lstrip()
                self.write(text.replace("\n", "\n" + indent + " " * first_col) + "\n")

    class Context(typer.Context):
        formatter_class = Formatter

    return Context


def _fill(text: str, width: int, indent: str) -> str:
    """Paragraphs wrapped to `width` columns after `indent`; a paragraph after a \\b line kept as it is."""
    out = []
    for para in re.split(r"\n\s*\n", text.strip("\n")):
        if para.startswith("\b"):  # examples: each line as it is, or broken at a space outside quotes
            out.append(
                "\n".join(
                    indent + part for line in para.splitlines()[1:] for part in _command(line, width - len(indent))
                )
            )
            continue
        para = " ".join(line.strip() for line in para.splitlines())
        from .lesson.wrap import divide

        cuts = [0, *divide(para, width - len(indent)), len(para)]
        out.append("\n".join(indent + para[a:b].rstrip() for a, b in itertools.pairwise(cuts)))
    return "\n\n".join(out)


def _command(line: str, width: int) -> list[str]:
    """An example command line that fits `width`: broken at spaces outside quotes, each part but the last
    ending in a shell continuation ' \\' and the next indented, so the lines still copy and run."""
    from rich.cells import cell_len

    if cell_len(line) <= width:
        return [line]
    spaces = [m.start() for m in re.finditer(" ", line)]
    quoted = {i for m in re.finditer(r"'[^']*'|\"[^\"]*\"", line) for i in range(m.start(), m.end())}
    cuts = [i for i in spaces if i not in quoted and line[:i].strip() and line[i + 1 : i + 2] != " "]
    out, start, lead = [], 0, ""
    while cell_len(lead + line[start:]) > width:
        fit = [i for i in cuts if i > start and cell_len(lead + line[start:i] + " \\") <= width]
        if not fit:
            break
        options = [i for i in fit if line[i + 1 : i + 2] == "-"]  # an option stays with its value
        cut = (options or fit)[-1]
        out.append(lead + line[start:cut] + " \\")
        start, lead = cut + 1, "    "
    return [*out, lead + line[start:]]


def _extras(text: str, lang: str) -> str:
    """Typer's '[default: 4]', '[required]' and the help option's sentence, in the catalogue's words."""
    if text == "Show this message and exit.":
        return t("help.opt.help", lang)
    m = re.search(r"\s*\[([^\[\]]*)\]$", text)
    if not m or not m.group(1).startswith(("default: ", "required", "env var: ")):
        return text
    parts = []
    for part in m.group(1).split("; "):
        name, _, value = part.partition(": ")
        parts.append(t("help.extra." + name.replace(" ", "_"), lang, value=value))
    return text[: m.start()] + t("help.extras", lang, extras=t("help.extra_sep", lang).join(parts))


def usage_error(e: Any, lang: str) -> str:
    """Typer's usage error as one line in `lang`: what is wrong, and where to read about it."""
    ctx = getattr(e, "ctx", None)
    hint = t("usage.see_help", lang, command=ctx.command_path if ctx else "xent")
    return _usage_text(e, lang) + hint


def _usage_text(e: Any, lang: str) -> str:
    kind = type(e).__name__
    message = e.format_message() if hasattr(e, "format_message") else str(e)
    if kind == "NoSuchOption":
        text = t("usage.no_such_option", lang, option=e.option_name)
        if e.possibilities:
            text += t("usage.possible", lang, options=t("usage.sep", lang).join(sorted(e.possibilities)))
        return text
    if kind == "MissingParameter":
        kind = e.param_type or (e.param.param_type_name if e.param else "option")
        name = e.param_hint if isinstance(e.param_hint, str) else ""
        if e.param and not name:
            name = e.param.metavar or e.param.opts[0] if kind == "argument" else e.param.opts[0]
        return t("usage.missing_" + ("argument" if kind == "argument" else "option"), lang, name=name)
    if kind == "BadParameter":
        param = e.param_hint if isinstance(e.param_hint, str) else (e.param.opts[0] if e.param else "")
        return t("usage.bad_value", lang, option=param.strip("'"), detail=_detail(e.message, lang))
    patterns = {
        r"No such command '(?P<name>.*)'\.(?: Did you mean (?P<names>.*)\?)?": "usage.no_such_command",
        r"Option '(?P<option>.*)' requires an argument\.": "usage.requires_value",
        r"Option '(?P<option>.*)' requires (?P<count>\d+) arguments\.": "usage.requires_values",
        r"Option '(?P<option>.*)' does not take a value\.": "usage.takes_no_value",
        r"Got unexpected extra argument\(s\) \((?P<args>.*)\)": "usage.extra_args",
        r"Missing command\.": "usage.missing_command",
    }
    for pattern, key in patterns.items():
        m = re.fullmatch(pattern, message)
        if m:
            params = {k: v for k, v in m.groupdict().items() if k != "names"}
            text = t(key, lang, **params)
            if m.groupdict().get("names"):
                names = m.group("names").replace(", ", t("usage.sep", lang))
                text += t("usage.did_you_mean", lang, names=names)
            return text
    return message


def _detail(message: str, lang: str) -> str:
    """Why a value was refused, from Typer's English sentence."""
    if lang == "en":
        return message
    for word, key in (("integer", "usage.not_int"), ("number", "usage.not_number"), ("boolean", "usage.not_bool")):
        if f"valid {word}" in message:
            return t(key, lang)
    return message
