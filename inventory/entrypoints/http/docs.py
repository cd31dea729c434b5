"""``/docs``: the OpenAPI document rendered as one self-contained HTML page."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from inventory.entrypoints.http.problems import CODES

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 2rem;color:#222}
h2{border-bottom:1px solid #ddd;margin-top:2.5rem}
.op{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
.GET{color:#1565c0}.POST{color:#2e7d32}.PUT,.PATCH{color:#ef6c00}.DELETE{color:#c62828}
code,pre{background:#f5f5f5;border-radius:4px;padding:0 .2rem}
pre{padding:.5rem;overflow:auto;font-size:13px}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
table.r td{border:0;border-top:1px solid #eee}
"""


_CODE = re.compile(r"`([^`]+)`")


def _text(markdown: str) -> str:
    """Escaped text, with `code spans` (all the markup the descriptions use) as <code>."""
    return _CODE.sub(r"<code>\1</code>", escape(markdown))


def _by_status(item: tuple[str, Any]) -> tuple[int, str]:
    status = item[0]
    return (int(status), status) if status.isdigit() else (1000, status)


def _schema_link(schema: dict[str, Any]) -> str:
    name = _schema_name(schema)
    target = name.removeprefix("page of ")
    return f'<a href="#schema-{escape(target)}"><code>{escape(name)}</code></a>'


def _schema_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    if schema.get("type") == "object" and "items" in schema.get("properties", {}):
        return f"page of {_schema_name(schema['properties']['items']['items'])}"
    return "JSON"


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    parts = [
        f'<div class="op"><p><span class="m {method.upper()}">{method.upper()}</span>'
        f"<code>{escape(path)}</code> — {_text(op.get('summary', ''))}</p>"
    ]
    if "description" in op:
        parts.append(f"<p>{_text(op['description'])}</p>")
    params = op.get("parameters", [])
    if params:
        rows = "".join(
            f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
            f"<td>{escape(json.dumps(p.get('schema', {})))}</td></tr>"
            for p in params
        )
        parts.append(f"<table><tr><th>parameter</th><th>in</th><th>schema</th></tr>{rows}</table>")
    body = op.get("requestBody")
    if body:
        media, content = next(iter(body["content"].items()))
        parts.append(f"<p>Body ({escape(media)}): {_schema_link(content['schema'])}</p>")
    answers: list[str] = []
    for status, answer in sorted(op.get("responses", {}).items(), key=_by_status):
        content = answer.get("content", {})
        shape = _schema_link(next(iter(content.values()))["schema"]) if content else ""
        answers.append(
            f"<tr><td><b>{escape(status)}</b></td><td>{_text(answer.get('description', ''))}</td>"
            f"<td>{shape}</td></tr>"
        )
    parts.append(f"<table class=r>{''.join(answers)}</table></div>")
    return "".join(parts)


def render(document: dict[str, Any]) -> bytes:
    """The page: every operation by tag, the schemas, and the problem codes."""
    info = document["info"]
    by_tag: dict[str, list[str]] = {}
    for path, item in document["paths"].items():
        for method, op in item.items():
            tag = (op.get("tags") or ["operations"])[0]
            by_tag.setdefault(tag, []).append(_operation(path, method, op))
    contents = " · ".join(
        f'<a href="#{escape(tag)}">{escape(tag)}</a>' for tag in [*by_tag, "problems", "schemas"]
    )
    sections = "".join(
        f'<h2 id="{escape(tag)}">{escape(tag)}</h2>{"".join(ops)}' for tag, ops in by_tag.items()
    )
    schemas = "".join(
        f'<h3 id="schema-{escape(name)}">{escape(name)}</h3>'
        f"<pre>{escape(json.dumps(schema, indent=2))}</pre>"
        for name, schema in document["components"]["schemas"].items()
    )
    problems = "".join(f'<li id="problem-{code}"><code>{code}</code></li>' for code in CODES)
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(info['title'])} {escape(info['version'])}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{escape(info['title'])} <small>{escape(info['version'])}</small></h1>"
        f"<p>{_text(info['description'])}</p><p>{contents}</p>"
        "<p>Authenticate with <code>Authorization: Bearer &lt;api-key&gt;</code>. "
        'The machine-readable document is <a href="/openapi.json">/openapi.json</a>.</p>'
        f"{sections}<h2 id=problems>Problem codes</h2><ul>{problems}</ul>"
        f"<h2 id=schemas>Schemas</h2>{schemas}</body></html>"
    )
    return page.encode()
