"""How results reach the terminal: JSON documents, aligned tables, and row files."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from inventory.application.reports import ReportFormat, ReportRow, write_report

_MONEY = re.compile(r"^-?\d+\.\d{4}$")


@dataclass(frozen=True)
class Console:
    """Where one run writes: its result on ``out`` (one JSON document with ``--json``),
    and notes meant for people on ``err``."""

    as_json: bool
    out: TextIO
    err: TextIO

    def show(self, data: Mapping[str, object], text: Mapping[str, object] | None = None) -> None:
        """One object: its API JSON, or ``field  value`` lines (``text`` restates some values)."""
        if self.as_json:
            self.document(data)
        else:
            self.fields(data if text is None else {**data, **text})

    def page(
        self,
        items: Sequence[Mapping[str, object]],
        next_cursor: str | None,
        columns: Sequence[str],
    ) -> None:
        """A list as the API pages it, or a table and a hint how to get the next page."""
        if self.as_json:
            self.document({"items": list(items), "next_cursor": next_cursor})
            return
        self.table(items, columns)
        if next_cursor is not None:
            self.note(f"next page: --cursor {next_cursor}")

    def say(self, text: str, data: Mapping[str, object]) -> None:
        """A short outcome: a sentence for people, or its JSON."""
        if self.as_json:
            self.document(data)
        else:
            self.line(text)

    def document(self, data: Mapping[str, object]) -> None:
        self.out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self.out.flush()

    def fields(self, data: Mapping[str, object]) -> None:
        width = max((len(name) for name in data), default=0)
        for name, value in data.items():
            self.line(f"{name.ljust(width)}  {cell(value)}".rstrip())

    def table(self, rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> None:
        """A header row and one padded row per item; numeric columns align right."""
        grid = [[cell(row.get(column)) for column in columns] for row in rows]
        numeric = [
            any(row.get(c) is not None for row in rows)
            and all(_is_number(row.get(c)) for row in rows if row.get(c) is not None)
            for c in columns
        ]
        header = [column.upper() for column in columns]
        widths = [max(len(text) for text in column) for column in zip(header, *grid, strict=True)]
        for texts in (header, *grid):
            padded = (
                text.rjust(width) if right else text.ljust(width)
                for text, width, right in zip(texts, widths, numeric, strict=True)
            )
            self.line("  ".join(padded).rstrip())

    def line(self, text: str) -> None:
        self.out.write(text + "\n")

    def note(self, text: str) -> None:
        """A remark for people, on stderr, so that stdout stays the result alone."""
        self.err.write(text + "\n")
        self.err.flush()


def cell(value: object) -> str:
    """A value as a table shows it: never an empty cell, so columns stay easy to read."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(cell(item) for item in value)
    return str(value)


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | Decimal):
        return True
    return isinstance(value, str) and _MONEY.match(value) is not None


def write_rows(
    console: Console,
    rows: Iterable[ReportRow],
    columns: Sequence[str],
    fmt: ReportFormat,
    output: str | None,
    what: str,
    total: Callable[[], ReportRow] | None = None,
) -> int:
    """Stream rows as CSV or JSON to stdout, or to ``output`` (replaced only once complete).

    ``total``: the report's grand total, written after the rows (see ``write_report``).
    """
    if output is None or output == "-":
        return write_report(rows, columns, fmt, console.out, total)
    with replacing(Path(output)) as out:
        count = write_report(rows, columns, fmt, out, total)
    console.say(f"wrote {count} {what} to {output}", {"rows": count, "output": output})
    return count


@contextmanager
def replacing(path: Path) -> Iterator[TextIO]:
    """A file to write ``path``'s new content to; ``path`` is replaced only if all went well."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        out = partial.open("w", encoding="utf-8", newline="")
    except OSError as exc:  # name the file the user asked for, not the partial one
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with out:
            yield out
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def report_format(chosen: str | None, console: Console) -> ReportFormat:
    """The format asked for; without ``--format``, JSON under ``--json``, else CSV."""
    if chosen is None:
        return ReportFormat.JSON if console.as_json else ReportFormat.CSV
    return ReportFormat(chosen)
