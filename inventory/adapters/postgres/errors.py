"""psycopg's errors, as the refusals the use cases and entrypoints understand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg

from inventory.application.errors import RECEIVED_MEANWHILE, Contention, ReadOnly, Unavailable


@contextmanager
def translated() -> Iterator[None]:
    """Turn a lost race into :class:`Contention`, a busy, read-only or unreachable server into 503s.

    Anything else (a constraint the code should have checked first, a bug)
    goes up unchanged, to be logged as an internal error.
    """
    try:
        yield
    except (pg.DeadlockDetected, pg.SerializationFailure) as exc:
        raise Contention(f"storage is contended; retry ({exc.sqlstate})") from exc
    except pg.UniqueViolation as exc:
        if exc.diag.table_name != "serials":
            raise
        # Two writers each found a serial new and received it (SqlSerialRepository):
        # tried again, the loser finds the winner's unit.
        raise Contention(RECEIVED_MEANWHILE) from exc
    except pg.ReadOnlySqlTransaction as exc:
        raise ReadOnly(f"the database is read-only: {_first_line(exc)}") from exc
    except pg.LockNotAvailable as exc:
        raise Unavailable("storage is busy; retry") from exc
    except pg.QueryCanceled as exc:
        raise Unavailable("a database statement ran out of time; retry") from exc
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        raise Unavailable(f"cannot reach the database: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
