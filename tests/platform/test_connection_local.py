"""roombooking.connection_local: Django's connection lookups, without asgiref's exception per
lookup, find the very connection Django's own lookup finds: per thread in sync code, per
context inside an event loop, and what was set or deleted."""

import asyncio
import threading

import pytest
from asgiref.local import Local
from django.db import connection, connections, transaction
from django.db.utils import ConnectionHandler

from roombooking.connection_local import SyncFirstConnectionHandler, install


def djangos_lookup(alias: str = "default"):
    return ConnectionHandler.__getitem__(connections, alias)


def in_thread(work):
    """``work()``'s answer, run in a new thread, whose connections are closed afterwards."""
    answers = []

    def run():
        try:
            answers.append(work())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return answers[0]


def test_installed_on_djangos_handler_when_the_app_is_ready():
    assert type(connections) is SyncFirstConnectionHandler
    assert install(connections) is True  # idempotent


def test_a_thread_finds_its_own_connection_as_django_does():
    mine = connections["default"]
    assert mine is djangos_lookup() is connections["default"]
    theirs, djangos, again = in_thread(
        lambda: (connections["default"], djangos_lookup(), connections["default"])
    )
    assert theirs is djangos is again
    assert theirs is not mine


def test_inside_an_event_loop_the_lookup_is_asgirefs():
    def work():
        sync_connection = connections["default"]

        async def lookups():
            return connections["default"], djangos_lookup()

        in_loop, djangos = asyncio.run(lookups())
        return sync_connection, in_loop, djangos

    sync_connection, in_loop, djangos = in_thread(work)
    assert in_loop is djangos
    assert in_loop is not sync_connection  # asgiref: an async context has its own connections


def test_what_is_set_and_deleted_is_seen():
    stand_in = object()
    connections["stand_in"] = stand_in
    try:
        assert connections["stand_in"] is stand_in is djangos_lookup("stand_in")
    finally:
        del connections["stand_in"]
    with pytest.raises(AttributeError):
        getattr(connections._connections, "stand_in")  # noqa: B009  (gone from the Local too)


def test_an_unknown_alias_is_djangos_error():
    with pytest.raises(connections.exception_class):
        connections["no_such_database"]


def test_another_kind_of_local_is_left_alone():
    handler = ConnectionHandler({})
    handler._connections = Local()  # not thread-critical: its storage is no threading.local
    assert install(handler) is False
    assert type(handler) is ConnectionHandler


@pytest.mark.django_db(transaction=True)
def test_transactions_and_the_connection_proxy_use_the_same_connection():
    with transaction.atomic():
        assert connection.in_atomic_block
        assert transaction.get_connection() is connections["default"] is djangos_lookup()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    assert not connection.in_atomic_block
