"""Reads from a PostgreSQL streaming replica: where a read goes, decided in one place.

With ``DATABASE_REPLICA_URL`` set, settings add a second database alias, ``replica`` (read-only
at the session level as well as by the server), and install ``ReplicaRouter``. The router sends
every write to ``default`` (the primary) and a read to the replica only inside
``replica_reads()``: the reports wrap their heavy, read-only views in it. Everything else (the
pages and API that change things, the worker, beat, the admin) reads the primary, as with one
database. Unset, there is no ``replica`` alias and ``replica_reads()`` does nothing.

Inside ``replica_reads()`` a read still goes to the primary when

- it reads who is asking (sessions, users, API tokens, login attempts): a session or token
  written a moment ago may not have reached the replica yet;
- a transaction is open on the primary (a service writing, ``select_for_update``): what it reads
  decides what it writes;
- the block has written anything already, or is inside ``primary_reads()``: a report that must
  see its own write (a quality review just generated, say) reads the primary from then on;
- the replica cannot be reached when the block starts: the report is served from the primary
  (and a warning logged) rather than not at all.

Raw SQL bypasses routers: a report that runs its own SQL takes its cursor from
``connections[read_alias()]``.
"""

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

REPLICA = "replica"
# What identifies the request is read where it was written: the primary.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "accounts", "authtoken", "axes"})


@dataclass
class _Reads:
    replica: bool  # reads of this block may go to the replica
    wrote: bool = False  # something was written inside the block: read your own writes


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar("core_db_reads", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _replica_usable() -> bool:
    """Connect (or health-check the kept connection) once at the start of a block."""
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError:
        logger.warning("The replica cannot be reached; this report reads the primary.", exc_info=True)
        connection.close()
        return False
    return True


@contextmanager
def _block(replica: bool) -> Iterator[None]:
    outer = _reads.get()
    reads = _Reads(replica=replica and (outer is None or outer.replica), wrote=outer is not None and outer.wrote)
    token = _reads.set(reads)
    try:
        yield
    finally:
        _reads.reset(token)
        if outer is not None and reads.wrote:
            outer.wrote = True  # a write inside an inner block holds for the rest of the outer one


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads of the block (a report's view, as a decorator or a ``with``) go to the replica when
    one is configured and usable; writes go to the primary, and so do the reads after them. Inside
    ``primary_reads()`` it changes nothing."""
    outer = _reads.get()
    wanted = replica_configured() and (outer is None or outer.replica)
    with _block(wanted and _replica_usable()):
        yield


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads of the block go to the primary, even inside ``replica_reads()``."""
    with _block(False):
        yield


def read_alias(model: type[Model] | None = None) -> str:
    """The alias a read of ``model`` (of raw SQL: None) goes to here and now."""
    reads = _reads.get()
    if reads is None or not reads.replica or reads.wrote:
        return DEFAULT_DB_ALIAS
    if model is not None and model._meta.app_label in PRIMARY_ONLY_APPS:
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


class ReplicaRouter:
    """``DATABASE_ROUTERS`` when ``DATABASE_REPLICA_URL`` is set: the replica holds the same rows
    (a physical copy), is never written, and never migrated."""

    def db_for_read(self, model: type[Model], **hints) -> str:
        return read_alias(model)

    def db_for_write(self, model: type[Model], **hints) -> str:
        if (reads := _reads.get()) is not None:
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints) -> bool:
        return True  # one set of rows, wherever it was read

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def replica_view(view: Callable[P, R]) -> Callable[P, R]:
    """A view whose reads go to the replica (``replica_reads`` around each call); its attributes
    (``csrf_exempt``, a DRF view's ``cls``) are kept, so URL confs and the schema see the view."""
    return replica_reads()(view)
