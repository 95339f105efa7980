"""Serializers whose fields are copied per instance without re-making them.

DRF gives every serializer instance its own fields by deep-copying the declared ones, and a
field's deep copy calls its class again with deep copies of its arguments: for the five fields
of ``POST /bookings``' input that was about half of its validation (py-spy on a loaded worker:
``copy.deepcopy`` 2.8 % of the samples, the whole validation 5.5 %). The declared fields are
prototypes that are never bound, so a shallow copy of each (with its own list of validators,
the one list a field changes after it is made) is the same fresh field. Only for plain fields:
a field with a child field or a nested serializer (``ListField``, a ``Serializer``) holds
objects bound to it, which a shallow copy would share; such a class is refused.
"""

from __future__ import annotations

import copy

from rest_framework import serializers


class PlainFieldCopies:
    """Mixin for a ``serializers.Serializer`` whose declared fields are all plain."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name, field in getattr(cls, "_declared_fields", {}).items():
            if isinstance(field, serializers.BaseSerializer) or hasattr(field, "child"):
                raise TypeError(f"{cls.__name__}.{name}: not a plain field ({type(field)})")

    def get_fields(self) -> dict:
        fields = {}
        for name, declared in self._declared_fields.items():
            field = copy.copy(declared)
            if "_validators" in declared.__dict__:
                field._validators = list(declared._validators)
            fields[name] = field
        return fields
