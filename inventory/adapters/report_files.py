"""Finished reports as files in one directory (``INVENTORY_REPORTS_DIR``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")


class ReportDirectory:
    """Reports under ``root`` (created when first needed); a file appears only once complete."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @contextmanager
    def create(self, name: str) -> Iterator[TextIO]:
        path = self._path(name)
        self.root.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{name}.{os.getpid()}.partial")
        try:
            with partial.open("w", encoding="utf-8", newline="") as out:
                yield out
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    def open(self, name: str) -> tuple[BinaryIO, int]:
        path = self._path(name)
        stream = path.open("rb")
        return stream, os.fstat(stream.fileno()).st_size

    def _path(self, name: str) -> Path:
        # Names come from job ids and formats; refuse anything that could leave the directory.
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a report file name: {name!r}")
        return self.root / name
