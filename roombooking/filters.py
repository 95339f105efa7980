"""Filter types shared by the apps' FilterSets."""

import django_filters
from django import forms

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within the database's 64-bit range: ``1.5`` or ``10**30`` is a 400 naming
    the parameter, not an empty list or an overflow (django-filter's NumberFilter takes
    decimals)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)
