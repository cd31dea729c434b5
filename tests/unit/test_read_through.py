"""Read-through caching on the memory store: an entry never outlives a later committed write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

import pytest

from inventory.adapters.cache import MemoryCache
from inventory.adapters.memory import MemoryStore, MemoryUnitOfWork
from inventory.application.caching import InSnapshot, ReadThrough
from inventory.application.catalog import get_product, patch_product
from inventory.application.commands import PatchProduct
from inventory.application.ports import CacheStats, UnitOfWork
from inventory.application.scopes import EVERYTHING, Scopes, product, scopes
from tests.unit.stories import Shop, given_product

TTL = 30.0


class Reads:
    """What a request would read: the product's name, through a new scope each time."""

    def __init__(self, shop: Shop, cache: MemoryCache | None) -> None:
        self.shop = shop
        self.cache = cache
        self.computed = 0

    def name_of(self, sku: str, scope: ReadThrough | None = None) -> str:
        def compute(uow: UnitOfWork) -> str:
            self.computed += 1
            return get_product(sku, uow).details.name

        scope = scope or ReadThrough(self.cache, TTL)
        return scope.read(
            self.shop.uow(), f"product:{sku}", depends(sku), compute, str.encode, bytes.decode
        )


def depends(sku: str) -> Scopes:
    return scopes(product(sku))


def rename(shop: Shop, sku: str, name: str) -> None:
    patch_product(sku, PatchProduct(name=name), shop.uow(), shop.clock)


@pytest.fixture
def reads(shop: Shop) -> Reads:
    given_product(shop, "BOLT", name="Bolt")
    return Reads(shop, MemoryCache())


def test_a_second_read_is_served_from_the_cache(reads: Reads) -> None:
    first = reads.name_of("BOLT")
    second = reads.name_of("BOLT")

    assert first == second == "Bolt"
    assert reads.computed == 1
    assert reads.cache is not None
    assert reads.cache.stats() == CacheStats(hits=1, misses=1)


def test_a_committed_write_makes_the_next_read_miss_and_see_it(reads: Reads, shop: Shop) -> None:
    reads.name_of("BOLT")

    rename(shop, "BOLT", "Hex bolt")

    assert reads.name_of("BOLT") == "Hex bolt"
    assert reads.computed == 2


def test_a_write_to_another_product_keeps_the_entry(reads: Reads, shop: Shop) -> None:
    reads.name_of("BOLT")

    given_product(shop, "NUT")
    rename(shop, "NUT", "Hex nut")

    assert reads.name_of("BOLT") == "Bolt"
    assert reads.computed == 1


def test_a_write_to_everything_invalidates_every_entry(reads: Reads, shop: Shop) -> None:
    reads.name_of("BOLT")

    store = shop.uow()
    assert isinstance(store, MemoryUnitOfWork)
    store._store.versions[EVERYTHING] += 1  # what a migration or a bulk change does

    assert reads.name_of("BOLT") == "Bolt"
    assert reads.computed == 2


def test_a_unit_of_work_that_wrote_nothing_keeps_the_entry(reads: Reads, shop: Shop) -> None:
    reads.name_of("BOLT")

    with shop.uow() as uow:
        uow.products.get("BOLT")
        uow.commit()

    assert reads.name_of("BOLT") == "Bolt"
    assert reads.computed == 1


def test_a_failed_write_keeps_the_entry(reads: Reads, shop: Shop) -> None:
    reads.name_of("BOLT")

    with shop.uow() as uow:
        product = uow.products.get("BOLT")
        assert product is not None
        product.archived = True
        uow.products.save(product)  # never committed

    assert reads.name_of("BOLT") == "Bolt"
    assert reads.computed == 1


def test_without_a_cache_every_read_is_computed(shop: Shop) -> None:
    given_product(shop, "BOLT", name="Bolt")
    reads = Reads(shop, None)

    reads.name_of("BOLT")
    reads.name_of("BOLT")

    assert reads.computed == 2


def test_a_ttl_of_zero_caches_nothing(shop: Shop) -> None:
    given_product(shop, "BOLT", name="Bolt")
    cache = MemoryCache()
    scope = ReadThrough(cache, ttl=0)

    assert scope.cache is None
    assert cache.stats() == CacheStats(0, 0)


def test_a_value_encoded_as_none_is_not_kept(shop: Shop) -> None:
    cache = MemoryCache()
    computed: list[int] = []

    def compute(uow: UnitOfWork) -> str | None:
        computed.append(1)
        return None

    for _ in range(2):
        ReadThrough(cache, TTL).read(
            shop.uow(), "absent", scopes(), compute, lambda v: None, bytes.decode
        )

    assert len(computed) == 2


class CountingStore(MemoryStore):
    """A memory store that counts the read snapshots begun on it."""

    snapshots = 0

    def unit_of_work(self) -> MemoryUnitOfWork:
        store = self

        class Counting(MemoryUnitOfWork):
            @contextmanager
            def reading(self) -> Iterator[Self]:
                store.snapshots += 1
                with super().reading() as uow:
                    yield uow

        return Counting(self)


def test_one_request_reads_the_versions_of_what_it_expects_once_for_its_hits(
    shop: Shop,
) -> None:
    store = CountingStore()
    counted = Shop(store, shop.clock, shop.ids, shop.secrets)
    given_product(counted, "BOLT", name="Bolt")
    given_product(counted, "NUT", name="Nut")
    reads = Reads(counted, MemoryCache())
    reads.name_of("BOLT")
    reads.name_of("NUT")  # both entries made
    store.snapshots = 0

    scope = ReadThrough(reads.cache, TTL)
    scope.expect(depends("NUT"))
    names = [reads.name_of("BOLT", scope), reads.name_of("NUT", scope)]

    assert names == ["Bolt", "Nut"]
    assert store.snapshots == 1
    assert reads.computed == 2


def test_a_read_not_announced_reads_its_own_versions(shop: Shop) -> None:
    store = CountingStore()
    counted = Shop(store, shop.clock, shop.ids, shop.secrets)
    given_product(counted, "BOLT", name="Bolt")
    given_product(counted, "NUT", name="Nut")
    reads = Reads(counted, MemoryCache())
    reads.name_of("BOLT")
    reads.name_of("NUT")
    store.snapshots = 0

    scope = ReadThrough(reads.cache, TTL)
    reads.name_of("BOLT", scope)
    reads.name_of("NUT", scope)

    assert store.snapshots == 2


class Unkeepable(InSnapshot):
    """A unit whose snapshot may miss a write its version counts (PostgreSQL's xmin rule)."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)

    @contextmanager
    def reading(self) -> Iterator[Self]:
        with self._uow.reading():
            self.expose(self._uow)
            yield self

    def snapshot_version(self, scopes: Scopes) -> tuple[int, bool]:
        version, _ = self._uow.snapshot_version(scopes)
        return version, False


def test_an_entry_the_unit_says_not_to_keep_is_not_kept(shop: Shop) -> None:
    given_product(shop, "BOLT", name="Bolt")
    cache = MemoryCache()
    computed: list[str] = []

    def compute(uow: UnitOfWork) -> str:
        computed.append("BOLT")
        return get_product("BOLT", uow).details.name

    for _ in range(2):
        name = ReadThrough(cache, TTL).read(
            Unkeepable(shop.uow()), "product:BOLT", depends("BOLT"), compute, str.encode,
            bytes.decode,
        )  # fmt: skip
        assert name == "Bolt"

    assert computed == ["BOLT", "BOLT"]
    assert cache.stats().hits == 0


def test_a_miss_runs_the_use_case_inside_the_snapshot_the_version_came_from(
    shop: Shop,
) -> None:
    given_product(shop, "BOLT", name="Bolt")

    with shop.uow().reading() as uow:
        joined = InSnapshot(uow)
        with joined.reading() as inner:
            assert inner is joined
            assert inner.versions([depends("BOLT")]) == uow.versions([depends("BOLT")])
            assert inner.snapshot_version(depends("BOLT")) == uow.snapshot_version(depends("BOLT"))
        with pytest.raises(RuntimeError, match="cannot begin a write"), joined:
            pass
        with pytest.raises(RuntimeError, match="cannot commit"):
            joined.commit()
        with pytest.raises(RuntimeError, match="cannot write"):
            joined.prune_versions()
