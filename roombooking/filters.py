"""Filter types shared by the apps' FilterSets."""

import django_filters
from django import forms


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (django-filter's NumberFilter also accepts 0.5 for an id or a count)."""

    field_class = forms.IntegerField
