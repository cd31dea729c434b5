"""``/docs``: the OpenAPI document rendered as one self-contained HTML page.

Field tables per operation, links from response bodies to their schemas, and
the error format described once, under "Errors".
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from inventory.application.commands import (
    MONEY_MAX,
    MONEY_PATTERN,
    MULTILINE_PATTERN,
    NAME_PATTERN,
    TEXT_PATTERN,
)
from inventory.entrypoints.http.openapi import RATE_LIMIT_HEADERS, REFUSALS, Schema
from inventory.entrypoints.http.problems import CODES

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:64rem;padding:1rem 2rem;color:#222}
h2{border-bottom:1px solid #ddd;margin-top:2.5rem}
h3{margin:.2rem 0;font-size:1.05rem}
h4{margin:.8rem 0 .2rem;font-size:.95rem}
.op{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
.GET{color:#1565c0}.POST{color:#2e7d32}.PUT,.PATCH{color:#ef6c00}.DELETE{color:#c62828}
code{background:#f5f5f5;border-radius:4px;padding:0 .2rem;overflow-wrap:anywhere}
table{border-collapse:collapse;margin:.4rem 0;width:100%;font-size:14px}
table.f{table-layout:fixed}
table.f th:nth-child(1){width:19%}table.f th:nth-child(2){width:14%}
table.f th:nth-child(3){width:8%}table.f th:nth-child(4){width:31%}
table.p{table-layout:fixed}
table.p th:nth-child(1){width:16%}table.p th:nth-child(2){width:7%}
table.p th:nth-child(3){width:12%}table.p th:nth-child(4){width:8%}
table.p th:nth-child(5){width:31%}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#fafafa}
td.n{white-space:nowrap}
.muted{color:#666}
"""

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")

# Patterns a reader should not have to decode: what each one means.
_PATTERN_MEANING = {
    TEXT_PATTERN: "no control characters or bidirectional overrides",
    NAME_PATTERN: "not blank; no control characters or bidirectional overrides",
    MULTILINE_PATTERN: "line breaks and tabs, but no other control characters "
    "or bidirectional overrides",
    MONEY_PATTERN: f"a decimal string from 0 to {MONEY_MAX}, at most 4 decimal places",
}


CODE_MEANINGS = {
    "bad_request": (400, "Malformed JSON, or a bad query parameter, cursor or header"),
    "unauthorized": (401, "No API key, or an unknown or revoked one"),
    "forbidden": (403, "The API key's role is too low"),
    "not_found": (404, "No such path or resource, or the body names one that does not exist"),
    "method_not_allowed": (405, "The path exists, the method does not: see `Allow`"),
    "conflict": (409, "It clashes with what exists: a duplicate, stock held, an archived product"),
    "insufficient_stock": (409, "Not enough available stock; `errors` lists each short line"),
    "invalid_state": (409, "The order cannot make that move from its current status"),
    "precondition_failed": (412, "`If-Match` names an older version: read it again"),
    "payload_too_large": (413, "The body is larger than 1 MiB"),
    "unsupported_media_type": (415, "The body is not sent as JSON"),
    "validation_error": (422, "The body fails validation: `errors` names each field"),
    "idempotency_key_reused": (422, "The `Idempotency-Key` was used with another body"),
    "rate_limited": (429, "Over the rate limit; retry after `Retry-After` seconds"),
    "internal_error": (500, "A fault of the server; quote `request_id` when reporting it"),
    "unavailable": (503, "Storage busy, unreachable or read-only; retry after `Retry-After` s"),
}
"""What each problem ``code`` means, with the status it comes with."""


def _text(markdown: str) -> str:
    """Escaped text, with code spans (`x`, or ``x`` from docstrings) as <code>."""
    return _CODE_SPAN.sub(lambda m: f"<code>{m.group(2).strip()}</code>", escape(markdown))


def _code(value: Any) -> str:
    shown = value if isinstance(value, str) else _json(value)
    return f"<code>{escape(shown)}</code>"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Page:
    """Renders schemas of one document, resolving its ``$ref``s."""

    def __init__(self, document: Schema) -> None:
        self.schemas: dict[str, Schema] = document["components"]["schemas"]

    def resolve(self, schema: Schema) -> tuple[str | None, Schema]:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            return name, self.schemas[name]
        return None, schema

    # --- one field -----------------------------------------------------------------

    def type_of(self, schema: Schema) -> str:
        name, target = self.resolve(schema)
        if name is not None:
            if "enum" in target:
                return f"{escape(target.get('type', 'string'))} ({_link(name)})"
            return _link(name)
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            return " or ".join(self.type_of(option) for option in options)
        kind = schema.get("type")
        if kind == "array":
            return f"array of {self.type_of(schema.get('items', {}))}"
        if isinstance(kind, list):
            return " or ".join(escape(k) for k in kind)
        if kind is None:
            return "any"
        shown = escape(kind)
        return f"{shown} ({escape(schema['format'])})" if "format" in schema else shown

    def constraints(self, schema: Schema) -> list[str]:
        _, target = self.resolve(schema)
        found: list[str] = []
        for option in [target, *target.get("anyOf", []), *target.get("oneOf", [])]:
            found += _constraints_of(self.resolve(option)[1])
        if "default" in schema and "const" not in target:
            found.append(f"default {_code(_json(schema['default']))}")
        return list(dict.fromkeys(found))

    def description(self, schema: Schema) -> str:
        text = schema.get("description")
        return _text(text) if isinstance(text, str) else ""

    # --- tables --------------------------------------------------------------------

    def fields(self, schema: Schema, heading: str = "field") -> str:
        """An object's fields as a table; nested objects' fields follow with dotted names."""
        rows = self._rows(schema, "", 0)
        if not rows:
            return ""
        head = "".join(
            f"<th>{h}</th>" for h in (heading, "type", "required", "constraints", "description")
        )
        return f'<table class="f"><tr>{head}</tr>{"".join(rows)}</table>'

    def _rows(self, schema: Schema, prefix: str, depth: int) -> list[str]:
        _, target = self.resolve(schema)
        required = set(target.get("required", []))
        rows = []
        for name, prop in target.get("properties", {}).items():
            rows.append(
                f'<tr><td class="n"><code>{escape(prefix + name)}</code></td>'
                f"<td>{self.type_of(prop)}</td><td>{'yes' if name in required else 'no'}</td>"
                f"<td>{'<br>'.join(self.constraints(prop))}</td>"
                f"<td>{self.description(prop)}</td></tr>"
            )
            nested, inner = self._nested(prop)
            if nested is not None and depth < 2:
                rows += self._rows(nested, f"{prefix}{name}{inner}.", depth + 1)
        return rows

    def _nested(self, prop: Schema) -> tuple[Schema | None, str]:
        """The object a field holds (or holds an array of), to list its fields too."""
        for option in [prop, *prop.get("anyOf", [])]:
            _, target = self.resolve(option)
            if target.get("type") == "array":
                inner = self.resolve(target.get("items", {}))[1]
                if "properties" in inner:
                    return inner, "[]"
            if "properties" in target:
                return target, ""
        return None, ""

    def body(self, schema: Schema) -> str:
        """A request body: its field table, or one per variant of a union."""
        target = self.resolve(schema)[1]
        variants = target.get("oneOf")
        if not variants:
            return self.fields(target)
        tag = target.get("discriminator", {}).get("propertyName", "")
        parts = [f"<p>One of these, chosen by <code>{escape(tag)}</code>:</p>"]
        for variant in variants:
            variant_name, variant_schema = self.resolve(variant)
            value = variant_schema.get("properties", {}).get(tag, {})
            which = value.get("const", value.get("default", variant_name))
            parts.append(
                f"<h4><code>{escape(tag)}: {escape(_json(which))}</code> "
                f'<span class="muted">({escape(variant_name or "")})</span></h4>'
                f"{self.fields(variant_schema)}"
            )
        return "".join(parts)

    def shape(self, schema: Schema) -> str:
        """What a response body is, linked to its schema's table."""
        name, target = self.resolve(schema)
        if name is not None:
            return _link(name)
        items = target.get("properties", {}).get("items")
        if target.get("type") == "object" and items is not None:
            return (
                f"a page: <code>items</code> (array of {self.type_of(items.get('items', {}))}), "
                "<code>next_cursor</code>"
            )
        return self.type_of(target)


def _link(name: str) -> str:
    return f'<a href="#schema-{escape(name)}"><code>{escape(name)}</code></a>'


def _constraints_of(schema: Schema) -> list[str]:
    found = []
    found += _range(schema.get("minLength"), schema.get("maxLength"), "characters")
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        found.append(f"from {low} to {high}")
    else:
        bounds = [
            f"{sign} {schema[key]}"
            for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"))
            if key in schema
        ]
        if bounds:
            found.append(", ".join(bounds))
    found += _range(schema.get("minItems"), schema.get("maxItems"), "items")
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        meaning = _PATTERN_MEANING.get(pattern)
        found.append(escape(meaning) if meaning else f"pattern {_code(pattern)}")
    if "enum" in schema:
        found.append("one of " + ", ".join(_code(_json(v)) for v in schema["enum"]))
    if "const" in schema:
        found.append(f"exactly {_code(_json(schema['const']))}")
    return found


def _range(low: int | None, high: int | None, unit: str) -> list[str]:
    if high is not None:
        return [f"{low or 0} to {high} {unit}"]
    return [] if low is None else [f"at least {low} {unit}"]


def _by_status(item: tuple[str, Any]) -> tuple[int, str]:
    status = item[0]
    return (int(status), status) if status.isdigit() else (1000, status)


def _is_shared(status: str, answer: Schema) -> bool:
    """A refusal every operation may give, explained once under "Errors"."""
    if status == "default":
        return True
    return status.isdigit() and REFUSALS.get(int(status)) == answer.get("description")


def _operation(page: _Page, path: str, method: str, op: Schema) -> str:
    parts = [
        f'<div class="op" id="op-{escape(op.get("operationId", ""))}">'
        f'<h3><span class="m {method.upper()}">{method.upper()}</span>'
        f"<code>{escape(path)}</code> — {_text(op.get('summary', ''))}</h3>"
    ]
    if "description" in op:
        parts.append(f"<p>{_text(op['description'])}</p>")
    params = op.get("parameters", [])
    if params:
        rows = "".join(
            f'<tr><td class="n"><code>{escape(p["name"])}</code></td><td>{escape(p["in"])}</td>'
            f"<td>{page.type_of(p.get('schema', {}))}</td>"
            f"<td>{'yes' if p.get('required') else 'no'}</td>"
            f"<td>{'<br>'.join(page.constraints(p.get('schema', {})))}</td>"
            f"<td>{_text(p.get('description') or p.get('schema', {}).get('description', ''))}</td>"
            "</tr>"
            for p in params
        )
        parts.append(
            '<h4>Parameters</h4><table class="p"><tr>'
            "<th>parameter</th><th>in</th><th>type</th>"
            f"<th>required</th><th>constraints</th><th>description</th></tr>{rows}</table>"
        )
    body = op.get("requestBody")
    if body:
        media = " or ".join(f"<code>{escape(m)}</code>" for m in body["content"])
        schema = next(iter(body["content"].values()))["schema"]
        name = page.resolve(schema)[0]
        called = f" ({_link(name)})" if name else ""
        parts.append(f"<h4>Request body{called}, sent as {media}</h4>{page.body(schema)}")
    answers: list[str] = []
    shared: list[str] = []
    for status, answer in sorted(op.get("responses", {}).items(), key=_by_status):
        if _is_shared(status, answer):
            if status.isdigit():
                shared.append(f'<a href="#status-{status}">{status}</a>')
            continue
        content = answer.get("content", {})
        shapes = " or ".join(
            f"{page.shape(c['schema'])} as <code>{escape(media)}</code>"
            if media != "application/problem+json"
            else '<a href="#errors">a problem document</a>'
            for media, c in content.items()
        )
        answers.append(
            f"<tr><td><b>{escape(status)}</b></td><td>{_text(answer.get('description', ''))}</td>"
            f"<td>{shapes}</td></tr>"
        )
    parts.append(
        "<h4>Responses</h4><table><tr><th>status</th><th>when</th><th>body</th></tr>"
        f"{''.join(answers)}</table>"
    )
    if shared:
        parts.append(
            f'<p class="muted">Also: {", ".join(shared)} (see <a href="#errors">Errors</a>).</p>'
        )
    parts.append("</div>")
    return "".join(parts)


def _errors(page: _Page) -> str:
    """The one description of refusals: the problem document, the statuses, the codes."""
    first_of: dict[int, str] = {}
    for code in CODES:
        first_of.setdefault(CODE_MEANINGS[code][0], code)
    codes = "".join(
        f'<tr id="problem-{code}"><td><code>{code}</code></td>'
        f"<td>{_status_anchor(code, first_of)}</td><td>{_text(CODE_MEANINGS[code][1])}</td></tr>"
        for code in CODES
    )
    headers = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{_text(header['description'])}</td></tr>"
        for name, header in RATE_LIMIT_HEADERS.items()
    )
    problem = dict(page.schemas["Problem"])
    # The codes have their own table below; the member's enum would repeat it.
    members = {**problem["properties"]}
    members["code"] = {k: v for k, v in members["code"].items() if k != "enum"}
    problem["properties"] = members
    return (
        '<h2 id="errors">Errors</h2>'
        f"<p>{_text(problem.get('description', ''))} Every refusal is sent as "
        "<code>application/problem+json</code>, with these members:</p>"
        f"{page.fields(problem, 'member')}"
        "<h3>Problem codes</h3><p>Any operation may answer these; branch on "
        "<code>code</code>, not on the text.</p>"
        f"<table><tr><th>code</th><th>status</th><th>meaning</th></tr>{codes}</table>"
        "<h3>Rate limit headers</h3><p>On every <code>/api/v1</code> answer while the rate "
        f"limit is on:</p><table><tr><th>header</th><th>meaning</th></tr>{headers}</table>"
    )


def _status_anchor(code: str, first_of: dict[int, str]) -> str:
    status = CODE_MEANINGS[code][0]
    return (
        f'<span id="status-{status}">{status}</span>' if first_of[status] == code else str(status)
    )


def _schema_section(page: _Page, name: str, schema: Schema) -> str:
    head = f'<h3 id="schema-{escape(name)}">{escape(name)}</h3>'
    about = f"<p>{_text(schema['description'])}</p>" if schema.get("description") else ""
    if "enum" in schema:
        values = ", ".join(_code(_json(v)) for v in schema["enum"])
        return f"{head}{about}<p>One of {values}.</p>"
    if "oneOf" in schema:
        return f"{head}{about}{page.body(schema)}"
    return f"{head}{about}{page.fields(schema)}"


def render(document: Schema) -> bytes:
    """The page: every operation by tag, then errors, then every schema's fields."""
    page = _Page(document)
    info = document["info"]
    by_tag: dict[str, list[str]] = {}
    for path, item in document["paths"].items():
        for method, op in item.items():
            tag = (op.get("tags") or ["operations"])[0]
            by_tag.setdefault(tag, []).append(_operation(page, path, method, op))
    contents = " · ".join(
        f'<a href="#{escape(tag)}">{escape(tag)}</a>' for tag in [*by_tag, "errors", "schemas"]
    )
    sections = "".join(
        f'<h2 id="{escape(tag)}">{escape(tag)}</h2>{"".join(ops)}' for tag, ops in by_tag.items()
    )
    schemas = "".join(
        _schema_section(page, name, schema)
        for name, schema in page.schemas.items()
        if name != "Problem"
    )
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(info['title'])} {escape(info['version'])}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{escape(info['title'])} <small>{escape(info['version'])}</small></h1>"
        f"<p>{_text(info['description'])}</p><p>{contents}</p>"
        "<p>Authenticate with <code>Authorization: Bearer &lt;api-key&gt;</code>. "
        'The machine-readable document is <a href="/openapi.json">/openapi.json</a>.</p>'
        f"{sections}{_errors(page)}<h2 id=schemas>Schemas</h2>{schemas}</body></html>"
    )
    return html.encode()
