"""roombooking.txmemo: a value is recalled only in the transaction that remembered it, and not
after a rollback to a savepoint it was remembered in."""

import pytest
from django.db import transaction

from roombooking import txmemo

pytestmark = pytest.mark.django_db(transaction=True)  # real transactions, committed or not


def test_recalled_in_its_transaction_only():
    with transaction.atomic():
        txmemo.remember("t", 1, "one")
        assert txmemo.recall("t", 1) == "one"
        assert txmemo.recall("t", 2) is None and txmemo.recall("other", 1) is None
    assert txmemo.recall("t", 1) is None  # committed: the next transaction reads for itself
    with transaction.atomic():
        assert txmemo.recall("t", 1) is None


def test_not_after_the_transaction_rolled_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        txmemo.remember("t", 1, "one")
        raise RuntimeError
    with transaction.atomic():
        assert txmemo.recall("t", 1) is None


def test_not_after_a_rollback_to_a_savepoint_it_was_remembered_in():
    with transaction.atomic():
        txmemo.remember("t", "before", 0)
        with pytest.raises(RuntimeError), transaction.atomic():
            txmemo.remember("t", "inside", 1)
            txmemo.remember("t", "before", 2)  # rewritten inside: gone with the savepoint
            raise RuntimeError
        assert txmemo.recall("t", "inside") is None
        assert txmemo.recall("t", "before") is None  # its newer value was rolled back
        with transaction.atomic():
            txmemo.remember("t", "released", 3)
        assert txmemo.recall("t", "released") == 3  # a released savepoint keeps its writes


def test_nothing_is_remembered_outside_a_transaction():
    txmemo.remember("t", 1, "one")
    assert txmemo.recall("t", 1) is None


def test_forget_drops_a_namespace():
    with transaction.atomic():
        txmemo.remember("t", 1, "one")
        txmemo.remember("u", 1, "uno")
        txmemo.forget("t")
        assert txmemo.recall("t", 1) is None and txmemo.recall("u", 1) == "uno"


def test_entries_of_ended_transactions_are_pruned():
    for number in range(txmemo._PRUNE_ABOVE + 10):
        with transaction.atomic():
            txmemo.remember("t", number, number)
    assert len(txmemo._memo()) <= txmemo._PRUNE_ABOVE + 1
