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
        from .text import message

        return message(self)
