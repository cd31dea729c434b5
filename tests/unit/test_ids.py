"""Ids: 26-character ULIDs that sort in the order they were made, whatever the clock does."""

from __future__ import annotations

import threading

from inventory.adapters.ids import MonotonicIds, new_secret

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class FakeClock:
    """Milliseconds since the epoch that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_800_000_000_000

    def __call__(self) -> int:
        return self.now


def decode(id: str) -> int:
    """The 128-bit number an id spells in Crockford base32."""
    value = 0
    for char in id:
        value = value * 32 + ALPHABET.index(char)
    return value


def timestamp(id: str) -> int:
    """The milliseconds an id carries: its top 48 bits."""
    return decode(id) >> 80


def test_an_id_is_26_crockford_characters_carrying_the_time() -> None:
    clock = FakeClock()

    made = MonotonicIds(clock)()

    assert len(made) == 26
    assert set(made) <= set(ALPHABET)
    assert timestamp(made) == clock.now


def test_ids_made_within_one_millisecond_sort_in_the_order_they_were_made() -> None:
    ids = MonotonicIds(FakeClock())

    made = [ids() for _ in range(1_000)]

    assert made == sorted(made)
    assert len(set(made)) == 1_000


def test_ids_still_sort_in_order_when_the_clock_steps_back() -> None:
    clock = FakeClock()
    ids = MonotonicIds(clock)
    first = ids()
    clock.now -= 5_000

    later = [ids() for _ in range(3)]

    assert [first, *later] == sorted([first, *later])
    assert timestamp(later[-1]) == timestamp(first)


def test_ids_go_on_in_the_next_millisecond_once_one_is_used_up() -> None:
    clock = FakeClock()
    ids = MonotonicIds(clock, randomness=lambda ms: b"\xff" * 10)
    last_of_its_millisecond = ids()

    following = ids()

    assert decode(last_of_its_millisecond) & (2**80 - 1) == 2**80 - 1
    assert following > last_of_its_millisecond
    assert timestamp(following) == clock.now + 1


def test_after_a_reset_ids_do_not_count_up_from_the_last_one() -> None:
    ids = MonotonicIds(FakeClock())
    before = ids()

    ids.reset()
    after = ids()

    assert timestamp(after) == timestamp(before)
    assert decode(after) != decode(before) + 1  # fresh randomness, not the next count


def test_threads_sharing_a_generator_never_make_one_id_twice() -> None:
    ids = MonotonicIds(FakeClock())
    made: list[list[str]] = [[] for _ in range(8)]

    def make(n: int) -> None:
        made[n].extend(ids() for _ in range(500))

    workers = [threading.Thread(target=make, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert all(mine == sorted(mine) for mine in made)
    assert len({id for mine in made for id in mine}) == 8 * 500


def test_a_secret_is_prefixed_and_unguessable() -> None:
    secrets = {new_secret() for _ in range(100)}

    assert len(secrets) == 100
    assert all(secret.startswith("inv_") and len(secret) > 40 for secret in secrets)
