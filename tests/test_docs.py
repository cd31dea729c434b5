"""The documentation holds together: links resolve, the README stays short, docstrings stay short.

The README's tour is run against a live server by tests/e2e/test_readme_tour.py.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
README_MAX_CHARS = 12_000
DOCSTRING_MAX_LINES = 5


_PARSER = MarkdownIt("commonmark").enable("table")


def _tokens(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of a Markdown page (a repeated heading gets -1, -2 ...)."""
    found: set[str] = set()
    tokens = _PARSER.parse(page.read_text(encoding="utf-8"))
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "heading_open":
            base = slug("".join(t.content for t in inline.children or [] if t.type != "softbreak"))
            name, n = base, 0
            while name in found:
                n += 1
                name = f"{base}-{n}"
            found.add(name)
    return found


def links(page: Path) -> Iterator[str]:
    """The target of every link and image in a page, outside code."""
    for token in _tokens(_PARSER.parse(page.read_text(encoding="utf-8"))):
        if token.type == "link_open":
            yield str(token.attrs["href"])
        elif token.type == "image":
            yield str(token.attrs["src"])


def broken(page: Path, target: str) -> str | None:
    """Why a relative link of ``page`` does not resolve, or None when it does."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None  # an outside address: not checked here
    path = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    if not path.exists():
        return f"{path} does not exist"
    if parts.fragment:
        if path.suffix != ".md":
            return f"#{parts.fragment} on {path}, which is not a Markdown page"
        if parts.fragment not in anchors(path):
            return f"{path} has no heading #{parts.fragment}"
    return None


def test_the_docs_exist() -> None:
    names = {page.relative_to(ROOT).as_posix() for page in PAGES}
    for wanted in ("api", "operating", "scaling", "deploying", "benchmarks"):
        assert f"docs/{wanted}.md" in names
    assert len([name for name in names if name.startswith("docs/adr/0")]) >= 8


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page: Path) -> None:
    problems = [f"{target}: {why}" for target in links(page) if (why := broken(page, target))]
    assert not problems, "\n".join(problems)


def test_a_broken_link_or_anchor_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A title\n\n## Second one\n\n[ok](#second-one) [missing](nowhere.md)\n")
    (tmp_path / "there.md").write_text("# There\n")
    assert broken(page, "#second-one") is None
    assert broken(page, "there.md#there") is None
    assert broken(page, "https://example.com/x") is None
    assert broken(page, "nowhere.md") is not None
    assert broken(page, "#third") is not None
    assert broken(page, "there.md#here") is not None
    assert list(links(page)) == ["#second-one", "nowhere.md"]


def test_the_readme_is_short() -> None:
    size = len((ROOT / "README.md").read_text(encoding="utf-8"))
    assert size <= README_MAX_CHARS, f"README.md has {size} characters; move detail to docs/"


def module_docstrings() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "inventory").rglob("*.py")):
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=True)
        yield path.relative_to(ROOT).as_posix(), docstring or ""


def test_every_module_says_what_it_is_for_in_at_most_five_lines() -> None:
    too_long = [
        f"{name}: {len(docstring.splitlines())} lines"
        for name, docstring in module_docstrings()
        if len(docstring.splitlines()) > DOCSTRING_MAX_LINES
    ]
    assert not too_long, "move the essay to docs/adr/ and leave a pointer:\n" + "\n".join(too_long)


def test_every_page_a_docstring_points_to_exists() -> None:
    pointers = [
        (name, found)
        for name, docstring in module_docstrings()
        for found in re.findall(r"docs/[\w/.-]+\.md(?:#[\w-]+)?", docstring)
    ]
    assert pointers, "no module points to docs/"
    problems = [f"{name}: {target}: {why}" for name, target in pointers
                if (why := broken(ROOT / "README.md", target))]  # fmt: skip
    assert not problems, "\n".join(problems)


def test_the_adr_index_lists_every_record() -> None:
    index = (ROOT / "docs" / "adr" / "README.md").read_text(encoding="utf-8")
    records = sorted(p.name for p in (ROOT / "docs" / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))

    assert [name for name in records if f"]({name})" not in index] == []
