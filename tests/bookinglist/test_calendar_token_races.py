"""Concurrent token requests (PostgreSQL, real concurrent transactions): one person asking for
their personal calendar from several devices at once gets one token, the same for all; a reset
racing a reset leaves one valid token."""

from __future__ import annotations

import pytest

from apps.bookinglist import calendar_tokens
from apps.bookinglist.models import CalendarToken
from tests.confirm.race import race
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONTENDERS = 8


def test_concurrent_requests_for_a_personal_token_make_one():
    alice = UserFactory(username="alice")

    def issue():
        token, _ = calendar_tokens.issue_calendar_token(owner=alice, kind="personal")
        return token.token

    outcomes = race(*[issue] * CONTENDERS)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    [stored] = CalendarToken.objects.filter(owner=alice).values_list("token", flat=True)
    assert set(outcomes) == {stored}


def test_concurrent_resets_leave_exactly_the_last_committed_token():
    alice = UserFactory(username="alice")
    token, _ = calendar_tokens.issue_calendar_token(owner=alice, kind="personal")

    def reset():
        return calendar_tokens.reset_calendar_token(owner=alice, token_id=token.pk).token

    outcomes = race(*[reset] * 4)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    [stored] = CalendarToken.objects.filter(owner=alice).values_list("token", flat=True)
    assert stored in outcomes and token.token not in outcomes and len(set(outcomes)) == 4
