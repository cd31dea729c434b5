"""Input errors named after the options that carried them (``--to``, not ``to_warehouse``).

Each option's ``dest`` is its field's name, so the command's own parser maps
field names back to flags and cannot drift from the options it takes.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping

from inventory.domain.errors import FieldError

SUPPLIED_BY = "supplied_by"
"""A namespace attribute a handler may set: field -> how the user spelt it (``--clear name``).

A field may be a path (``lot.expires_on``), its list indexes as ``*`` (``lines.*.lot``):
an option that fills a member of a nested object, or of every item of a list."""


class Flags:
    """How one command line spells each API field it supplied."""

    def __init__(self, parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
        self._args = args
        self._names = {
            action.dest: max(action.option_strings, key=len)
            for action in parser._actions
            if action.option_strings and action.dest != argparse.SUPPRESS
        }
        self._names.update(getattr(args, SUPPLIED_BY, {}))
        # Only names no one would take for a word: "sku" in a message is a sku.
        spelt = [name for name, flag in self._names.items() if "_" in name]
        self._in_text = re.compile(rf"\b({'|'.join(map(re.escape, spelt))})\b") if spelt else None

    def field(self, path: str) -> str:
        """``to_warehouse`` -> ``--to``; ``lines.1.quantity`` -> ``--line B:0 (quantity)``.

        A path a handler named whole (``lot.expires_on`` -> ``--expires``) is
        that option. A path that no option supplied (``params.`` wrapping, say)
        is named by its first part that one did, or left as it is.
        """
        parts = path.split(".")
        any_index = ".".join("*" if part.isdigit() else part for part in parts)
        for whole in (path, any_index):
            if "." in whole and whole in self._names:
                return self._names[whole]
        for at, part in enumerate(parts):
            if part in self._names:
                return self._label(part, parts[at + 1 :])
        return path

    def message(self, text: str) -> str:
        """A message's mentions of fields (``must differ from from_warehouse``) as flags."""
        if self._in_text is None:
            return text
        return self._in_text.sub(lambda found: self._names[found.group(1)], text)

    def detail(self, text: str) -> str:
        """A refusal about one field (``location: location 'X' not found``), named by its option."""
        field, colon, rest = text.partition(": ")
        if colon and field in self._names:
            return f"{self._names[field]}: {rest}"
        return text

    def error(self, error: FieldError) -> FieldError:
        return FieldError(self.field(error.field), self.message(error.message))

    def _label(self, name: str, rest: list[str]) -> str:
        flag = self._names[name]
        if not rest:
            return flag
        given = getattr(self._args, name, None)
        if rest[0].isdigit() and isinstance(given, list) and int(rest[0]) < len(given):
            # One of a repeated option, shown as typed: --line B:0 (quantity).
            item = given[int(rest[0])]
            text = ":".join(map(str, item.values())) if isinstance(item, Mapping) else str(item)
            inner = ".".join(rest[1:])
            return f"{flag} {text}" + (f" ({inner})" if inner else "")
        return f"{flag} ({'.'.join(rest)})"
