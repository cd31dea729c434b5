"""JSON bodies are written by pydantic-core, byte for byte as the standard library would."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from inventory.entrypoints.http.response import encode

# No floats: the API writes money and quantities as text and integers (the two
# libraries spell some exponents differently: 1e-7 against 1e-07).
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=30,
)


@given(JSON)
def test_a_body_is_compact_utf8_json_as_the_standard_library_writes_it(value: object) -> None:
    assert encode(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def test_text_is_kept_as_utf8_and_only_what_json_requires_is_escaped() -> None:
    assert encode({"name": 'Café "β" \\ \u2028\x00\n</'}) == (
        '{"name":"Café \\"β\\" \\\\ \u2028\\u0000\\n</"}'.encode()
    )
