"""Unit-of-work wrappers carry every repository the port declares."""

from __future__ import annotations

from typing import get_type_hints

from inventory.application.ports import UnitOfWork
from inventory.application.wrapping import REPOSITORIES, WrappedRepositories
from tests.unit.stories import Shop


def test_the_wrapped_repositories_are_exactly_those_of_the_unit_of_work_port() -> None:
    declared = set(get_type_hints(UnitOfWork))

    assert set(REPOSITORIES) == declared
    assert set(get_type_hints(WrappedRepositories)) == declared


def test_expose_takes_the_repositories_of_the_unit_it_wraps(shop: Shop) -> None:
    uow = shop.uow()
    wrapper = WrappedRepositories()

    with uow.reading():
        wrapper.expose(uow)

        assert all(getattr(wrapper, name) is getattr(uow, name) for name in REPOSITORIES)
