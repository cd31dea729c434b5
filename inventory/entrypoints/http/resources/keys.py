"""API keys (API.md §7)."""

from __future__ import annotations

from inventory.application import access
from inventory.application.commands import CreateApiKey
from inventory.application.listing import API_KEY_SORTS, ApiKeyList
from inventory.application.views import ApiKeyView, NewApiKeyView
from inventory.domain.keys import Role
from inventory.entrypoints.http.representation import one, page_of
from inventory.entrypoints.http.response import Response, no_content
from inventory.entrypoints.http.routing import Call, Route

API_KEYS = "/api/v1/api-keys"


def create_key(call: Call) -> Response:
    services = call.services
    key, secret = access.create_api_key(
        call.body, call.uow(), services.clock, services.new_id, services.new_secret
    )
    # The secret is in this body alone: no cache may keep it.
    return one(NewApiKeyView.of(key, secret), 201).with_header("Cache-Control", "no-store")


def list_keys(call: Call) -> Response:
    return page_of(call, access.page_api_keys(call.query, call.uow()), ApiKeyView.of)


def revoke_key(call: Call) -> Response:
    access.revoke_api_key(call.params["id"], call.uow(), call.services.clock)
    return no_content()


ROUTES = [
    Route("POST", API_KEYS, create_key, Role.ADMIN, "Create an API key (its secret is shown once)",
          "api-keys", status=201, body=CreateApiKey, response=NewApiKeyView, shows_secret=True,
          responses={409: "a retry with the Idempotency-Key of a key already made"}),
    Route("GET", API_KEYS, list_keys, Role.ADMIN, "List API keys, without secrets", "api-keys",
          query=ApiKeyList, sorting=API_KEY_SORTS, response=ApiKeyView, paged=True),
    Route("DELETE", f"{API_KEYS}/{{id:id}}", revoke_key, Role.ADMIN,
          "Revoke an API key; every server refuses it at once", "api-keys", status=204),
]  # fmt: skip
