"""API keys: ``keys create|list|revoke``."""

from __future__ import annotations

import argparse

from inventory.application.access import create_api_key, list_api_keys, revoke_api_key
from inventory.application.commands import CreateApiKey
from inventory.application.validation import parse
from inventory.application.views import ApiKeyView, NewApiKeyView
from inventory.bootstrap import Services
from inventory.entrypoints.cli.arguments import Subcommands, command, command_group, given
from inventory.entrypoints.cli.output import Console

KEY_COLUMNS = ("id", "name", "role", "created_at", "revoked_at")


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    keys = command_group(commands, "keys", "API keys for the HTTP API", shared)

    create = command(
        keys,
        "create",
        create_key,
        "create a key and print its secret",
        shared,
        epilog="Prints the secret alone on stdout (it is shown this once; only a hash is\n"
        'stored). With --json, prints the new key\'s object, the secret as "key".',
    )
    create.add_argument("--name", required=True, help="who or what will use the key")
    create.add_argument("--role", required=True, help="viewer, clerk or admin")

    command(keys, "list", list_keys, "list keys (never their secrets)", shared)

    revoke = command(keys, "revoke", revoke_key, "revoke a key; it is refused at once", shared)
    revoke.add_argument("id", metavar="ID")


def create_key(args: argparse.Namespace, services: Services, console: Console) -> int:
    cmd = parse(CreateApiKey, given(args, "name", "role"))
    key, secret = create_api_key(
        cmd, services.uow(), services.clock, services.new_id, services.new_secret
    )
    view = NewApiKeyView.of(key, secret)
    if console.as_json:
        console.document(view.to_json())
    else:
        console.line(secret)
        console.note(f"created key {key.id} ({key.name}, {key.role}); the secret is shown once")
    return 0


def list_keys(args: argparse.Namespace, services: Services, console: Console) -> int:
    keys = list_api_keys(services.uow())
    console.page([ApiKeyView.of(key).to_json() for key in keys], None, KEY_COLUMNS)
    return 0


def revoke_key(args: argparse.Namespace, services: Services, console: Console) -> int:
    key = revoke_api_key(args.id, services.uow(), services.clock)
    console.show(ApiKeyView.of(key).to_json())
    return 0
