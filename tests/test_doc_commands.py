"""Every command the docs show can be run as written: it parses, and what it names exists.

Code blocks (``sh``) of README.md and docs/: ``inventory ...`` lines parse with the
CLI's own parser (``[--opt]``, ``a|b`` and placeholders expanded); ``python3 dev.py X``
names a task of dev.py; a script path exists and is executable; ``docker compose``
names the compose file and its services. Inline code that starts a command is held
to the same existence checks. The README's tour itself runs in tests/e2e/test_readme_tour.py.
"""

from __future__ import annotations

import argparse
import ast
import functools
import itertools
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from inventory.entrypoints.cli.main import build_parser
from tests.test_docs import _PARSER, PAGES, ROOT, _tokens

PLACEHOLDERS = {"N": "2", "ID": "1", "URL": "sqlite:///copy.db", "FILE": "out.csv", "IMAGE": "x:1"}
"""What a placeholder of the docs stands for when a command line is parsed."""
SHELL_WORDS = {"eval", "export", "until", "do", "done", "sleep", "grep", "sh", "curl"}
"""Commands of the shell, or of the tour's HTTP calls (run by test_readme_tour)."""
COMPOSE = yaml.safe_load((ROOT / "ops" / "docker-compose.yml").read_text(encoding="utf-8"))


def code_blocks(page: Path) -> Iterator[str]:
    for token in _tokens(_PARSER.parse(page.read_text(encoding="utf-8"))):
        if token.type == "fence" and token.info.strip() in ("sh", "bash", "shell", "console"):
            yield token.content


def inline_code(page: Path) -> Iterator[str]:
    for token in _tokens(_PARSER.parse(page.read_text(encoding="utf-8"))):
        if token.type == "code_inline":
            yield token.content


def commands(block: str) -> Iterator[list[str]]:
    """Each simple command of a shell block: continuations joined, comments and redirections
    dropped, split at `` && ``, `` | `` and ``;`` (``a | b`` also means "a or b" in the docs;
    ``a|b`` without spaces is a choice within one command, kept for :func:`expansions`)."""
    for line in block.replace("\\\n", " ").splitlines():
        words, current = iter(shlex.split(line, comments=True)), list[str]()
        for word in words:
            if word in (">", ">>", "<"):
                next(words, None)
            elif word in ("|", "||", "&&", ";"):
                yield from [current] if current else []
                current = []
            elif word.endswith(";"):
                yield [*current, word[:-1]]
                current = []
            else:
                current.append(word)
        yield from [current] if current else []


def expansions(words: list[str]) -> Iterator[list[str]]:
    """A usage line's concrete forms: each ``[...]`` left out or put in, each ``a|b`` choice."""
    parts: list[tuple[bool, list[str]]] = []  # (optional, words)
    for word in words:
        if parts and parts[-1][0] and not parts[-1][1][-1].endswith("]"):
            parts[-1][1].append(word)
        else:
            parts.append((word.startswith("["), [word]))
    optional = [i for i, (is_optional, _) in enumerate(parts) if is_optional]
    for keep in itertools.product((False, True), repeat=len(optional)):
        kept = {i for i, yes in zip(optional, keep, strict=True) if yes}
        filled = [
            w.strip("[]") for i, (opt, ws) in enumerate(parts) if not opt or i in kept for w in ws
        ]
        choices = [w.split("|") if "|" in w else [w] for w in filled]
        for position, options in enumerate(choices):
            for option in options:
                form = [alternatives[0] for alternatives in choices]
                form[position] = option
                yield [PLACEHOLDERS.get(word, word) for word in form]


@functools.cache
def parser() -> argparse.ArgumentParser:
    return build_parser()


@functools.cache
def subcommands() -> set[str]:
    actions = parser()._subparsers._group_actions  # type: ignore[union-attr]
    return {name for action in actions for name in getattr(action, "choices", None) or {}}


def inventory_problem(arguments: list[str]) -> str | None:
    """Why ``inventory ARGUMENTS`` does not parse, or None when it does."""
    for form in expansions(arguments):
        try:
            parser().parse_args(form)
        except SystemExit:
            return f"`inventory {' '.join(form)}` does not parse"
    return None


@functools.cache
def dev_tasks() -> set[str]:
    module = ast.parse((ROOT / "dev.py").read_text(encoding="utf-8"))
    for node in module.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "TASKS":
            assert isinstance(node.value, ast.Dict)
            return {ast.literal_eval(key) for key in node.value.keys if key is not None}
    raise AssertionError("dev.py has no TASKS")


def script_problem(path: str) -> str | None:
    found = ROOT / path
    if not found.is_file():
        return f"{path} does not exist"
    if not os.access(found, os.X_OK):
        return f"{path} is not executable"
    return None


def docker_problem(words: list[str]) -> str | None:
    """A ``docker compose -f FILE VERB SERVICE ...`` names a file and a service that exist;
    an ``inventory`` command run in a container parses."""
    if "-f" in words and not (ROOT / words[words.index("-f") + 1]).is_file():
        return f"no file {words[words.index('-f') + 1]}"
    verbs = ("exec", "logs", "run")
    if words[1:2] == ["compose"] and (verb := next((w for w in words if w in verbs), None)):
        rest = [w for w in words[words.index(verb) + 1 :] if not w.startswith("-")]
        if rest and rest[0] not in COMPOSE["services"]:
            return f"the compose file has no service {rest[0]!r}"
    known = subcommands()
    for i, word in enumerate(words[2:-1], 2):
        if word == "inventory" and words[i + 1] in known:
            return inventory_problem(words[i + 1 :])
    return None


def problem(words: list[str]) -> str | None:
    """Why one command the docs show could not run as written, or None."""
    while words and re.fullmatch(r"\w+=.*", words[0]):
        inner = words[0].partition("$(")[2]  # VAR=$(command ...)
        words = [inner, *words[1:]] if inner else words[1:]
    if words[:1] == ["eval"] and words[1].startswith("$("):
        words = shlex.split(words[1][2:].rstrip(")"))
    if not words or words[0] in SHELL_WORDS:
        return None
    head = words[0]
    if head == "inventory":
        return inventory_problem(words[1:])
    if head == "python3" and words[1:2] == ["dev.py"]:
        return None if words[2] in dev_tasks() else f"dev.py has no task {words[2]!r}"
    if head == "docker":
        return docker_problem(words)
    if "/" in head:
        return script_problem(head)
    return f"{head}: a command tests/test_doc_commands.py does not know; teach it"


def shown_commands() -> Iterator[tuple[str, list[str]]]:
    for page in PAGES:
        for block in code_blocks(page):
            for words in commands(block):
                yield page.relative_to(ROOT).as_posix(), words


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_command_in_a_code_block_parses_and_names_what_exists(page: Path) -> None:
    found = [
        f"{' '.join(words)}: {why}"
        for block in code_blocks(page)
        for words in commands(block)
        if (why := problem(words))
    ]
    assert not found, "\n".join(found)


CURRENT_PAGES = [page for page in PAGES if page.parent.name != "adr"]
"""The pages about what is; the decision records also name what was (``ops/deploy``)."""


@pytest.mark.parametrize("page", CURRENT_PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_script_and_task_named_in_inline_code_exists(page: Path) -> None:
    found = []
    for code in inline_code(page):
        words = code.split()
        if words[:2] == ["python3", "dev.py"] and len(words) > 2 and words[2] not in dev_tasks():
            found.append(f"`{code}`: dev.py has no task {words[2]!r}")
        if (
            re.fullmatch(r"(ops|\.ci|\.github)/\w[\w./-]*", words[0])
            and not (ROOT / words[0]).exists()
        ):
            found.append(f"`{code}`: {words[0]} does not exist")
        command = words[1] if words[0] == "inventory" and len(words) > 1 else ""
        if re.fullmatch(r"[a-z][a-z-]*", command) and command not in subcommands():
            found.append(f"`{code}`: the CLI has no command {command!r}")
    assert not found, "\n".join(found)


def test_the_docs_show_commands_of_each_kind() -> None:
    heads = {words[0] for _, words in shown_commands()}
    assert {"inventory", "python3", "docker", "ops/release", "ops/container/check-image"} <= heads


def test_a_command_that_cannot_run_as_written_is_found() -> None:
    assert problem(["inventory", "products", "add", "--sku", "X", "--name", "Y"]) is None
    assert problem(["inventory", "export", "products|stock", "[--format", "csv|json]"]) is None
    assert problem(["inventory", "products", "add", "--skew", "X"]) is not None
    assert problem(["inventory", "export", "products|nothing"]) is not None
    assert problem(["inventory", "keys", "revoke", "ID"]) is None
    assert problem(["python3", "dev.py", "test"]) is None
    assert problem(["python3", "dev.py", "deploy"]) is not None
    assert problem(["ops/release", "status"]) is None
    assert problem(["ops/relaese", "status"]) is not None
    assert problem(["docs/api.md"]) is not None  # exists, not executable
    compose = ["docker", "compose", "-f", "ops/docker-compose.yml"]
    assert problem([*compose, "exec", "worker", "inventory", "keys", "list"]) is None
    assert problem([*compose, "exec", "wrker", "inventory", "keys", "list"]) is not None
    assert problem([*compose, "exec", "app", "inventory", "keys", "lst"]) is not None
    assert problem(["docker", "compose", "-f", "ops/compose.yml", "up"]) is not None
    assert problem(["make", "deploy"]) is not None
    block = "A=1 inventory check  # a comment\ninventory orders ship SO-1 | inventory \\\n  check\n"
    assert list(commands(block)) == [
        ["A=1", "inventory", "check"],
        ["inventory", "orders", "ship", "SO-1"],
        ["inventory", "check"],
    ]
