"""The one domain error of xent."""

from __future__ import annotations


class XentError(Exception):
    """A bad input or option; `key` names a catalogue message, `where` the option or file."""

    def __init__(self, key: str, where: str | None = None, **params: object) -> None:
        self.key = key
        self.where = where
        self.params = params
        super().__init__(key)

    def __str__(self) -> str:
        # The message in words is the catalogue's (lesson.text.message); this is for logs and tracebacks.
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.key} [{self.where}] {params}".rstrip()
