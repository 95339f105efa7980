"""Hostile input: schemathesis generates requests from our OpenAPI schema for every operation.

No answer may be a 5xx, and every answer must match the schema (status code documented, body
shape). Examples per operation are bounded (SCHEMATHESIS_MAX_EXAMPLES, default 25) so the run fits
in CI; set it higher locally for a deeper search.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import positive_data_acceptance

from roombooking.wsgi import application
from tests.factories import UserFactory

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))

# Loaded through the app itself (no server, no database needed to build the schema).
schema = schemathesis.openapi.from_wsgi("/api/schema", application)


TOKEN = "f0" * 20  # the same key in every test's (rolled back) database


@schema.auth()
class TokenAuth:
    """Sign every generated request in with the fuzzing user's token, so schemathesis also
    probes each operation without it and with a wrong one (its ignored_auth check)."""

    def get(self, case, context) -> str:
        return TOKEN

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


@pytest.fixture
def fuzzing_user(db):
    # Like Django's test client: keep the test's connection (and transaction) across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    user = UserFactory(username="fuzzer")
    Token.objects.create(user=user, key=TOKEN)
    yield user
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_within_its_schema(case, fuzzing_user):
    response = case.call()
    # Schema-valid is not the same as acceptable: a booking for a room that does not exist, or
    # that ends before it starts, matches the schema and is rightly a 400.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
