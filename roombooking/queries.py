"""Query strings: a parameter that takes one value must be given once.

Django's ``QueryDict.get``, which forms, serializers and DRF's paginator read a query with,
answers the last of several values, so ``?roomId=1&roomId=2`` and ``?roomId=2&roomId=1`` would
be two different requests; a 400 naming the parameter says so instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework import serializers


def repeated(query, names: Iterable[str]) -> dict[str, str]:
    """For each of ``names`` that ``query`` (a ``QueryDict``) holds more than once, the error."""
    getlist = getattr(query, "getlist", None)
    if getlist is None:  # a plain dict (a form or serializer used in code) has one value a key
        return {}
    return {
        name: f"Give one value; it was given {given} times."
        for name in names
        if (given := len(getlist(name))) > 1
    }


def refuse_repeated(query, names: Iterable[str]) -> None:
    """A 400 naming each of ``names`` that ``query`` holds more than once."""
    if errors := repeated(query, names):
        raise serializers.ValidationError({name: [error] for name, error in errors.items()})


class QuerySerializer(serializers.Serializer):
    """A serializer of a view's query parameters, each of which takes one value."""

    def to_internal_value(self, data):
        refuse_repeated(data, self.fields)
        return super().to_internal_value(data)
