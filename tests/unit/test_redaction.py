"""Secrets never leave in a log line or an error report (inventory.redaction)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.redaction import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://app:s3cret@db:5432/inv", "postgresql://app:***@db:5432/inv"),
        ("redis://:pw@cache:6379/0", "redis://:***@cache:6379/0"),
        ("smtp://mailer:p%40ss@mail:25", "smtp://mailer:***@mail:25"),
        ("connect to postgresql://app@db/inv failed", "connect to postgresql://app@db/inv failed"),
        ("key inv_AbCdEfGh12345678_-xyz revoked", "key inv_*** revoked"),
        ("Authorization: Bearer abc.def", "Authorization: Bearer ***"),
        ("plain text, nothing to hide", "plain text, nothing to hide"),
    ],
)
def test_secrets_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@given(st.text(alphabet=st.characters(codec="ascii", exclude_characters="@:/"), max_size=60))
def test_text_without_secrets_is_unchanged(text: str) -> None:
    if "inv_" not in text and "bearer" not in text.lower():
        assert redact(text) == text


_PASSWORD_CHARACTERS = st.characters(codec="ascii", exclude_characters="@/ \t\n\r")


@given(password=st.text(alphabet=_PASSWORD_CHARACTERS, min_size=1, max_size=30))
def test_no_url_password_survives(password: str) -> None:
    assert redact(f"postgresql://app:{password}@db/inv") == "postgresql://app:***@db/inv"
