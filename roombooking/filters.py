"""Filter types shared by the apps' FilterSets, and their base class."""

import copy
import re

import django_filters
from django import forms
from django_filters.fields import BaseCSVField

from roombooking.queries import repeated

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def invalid_input(reason: str) -> forms.ValidationError:
    """A field's error whose text quotes the client's input. django-filter's DRF backend formats
    every message with ``%`` (``translate_validation``), so a ``%`` in the input, put straight
    into the message, was a 500; as a parameter it is only ever text."""
    return forms.ValidationError("%(reason)s", code="invalid", params={"reason": reason})


class WholeNumberField(forms.IntegerField):
    """Digits only: Django's IntegerField also takes ``1.0`` and ``0.0`` (it strips a decimal
    part of zeros), which the schema's integer does not."""

    def to_python(self, value):
        if value not in self.empty_values and not re.fullmatch(r"\s*[+-]?[0-9]+\s*", str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within the database's 64-bit range: ``1.5``, ``1.0`` or ``10**30`` is a
    400 naming the parameter, not an empty list or an overflow (django-filter's NumberFilter takes
    decimals)."""

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (also 1/0, yes/no); empty means "do not filter"; anything else is a
    400 (Django's NullBooleanField reads every unknown word as "unknown")."""

    TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Expected true or false.", code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # A plain select hands the raw text to the field (django-filter's widget would turn any
        # unknown word into "unknown" before the field could refuse it).
        kwargs.setdefault(
            "widget", forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])
        )
        super().__init__(*args, **kwargs)


class OrderingField(BaseCSVField):
    """The terms of ``?ordering=a,-b``, none of them empty: ``,,`` or ``a,`` is a 400 naming the
    parameter (django-filter lets empty terms through, which the schema's enum does not)."""

    def clean(self, value):
        if value and any(not term.strip() for term in value):
            raise forms.ValidationError(
                "An empty field name: separate field names with single commas.", code="empty"
            )
        return super().clean(value)


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's ordering, with unknown and empty field names refused (``OrderingField``).
    The only ordering of the API: DRF's OrderingFilter ignores unknown names and its schema
    offers any text."""

    base_field_class = OrderingField


class SharedFields(dict):
    """A form class's fields, which its forms share instead of deep-copying them.

    Django deep-copies ``base_fields`` for every form so that one form may change its fields
    (a widget's attributes, a choice list) without touching the others'; a filter form never
    does, and the copy (every field, its widget, its choices) was a tenth of a list page."""

    def __deepcopy__(self, memo):
        return dict(self)


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet with its form class built once per FilterSet class, and its
    filters copied shallowly per request.

    django-filter builds a new form class, with a new form field per filter, on every request
    (``get_form_class``); profiled, that was a tenth of a list page. Our filter sets are the same
    for every request (nothing in them depends on the request or the user), so the class is
    built on first use and kept, and its forms share its fields (``SharedFields``). A subclass
    whose filters depend on the request must not use it.

    django-filter also deep-copies every filter for every request, to give each request's
    filters their own ``parent``; a shallow copy per filter does that (another tenth of a page).
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        base_filters = self.base_filters
        self.base_filters = {}  # django-filter deep-copies nothing; ours are copied below
        try:
            super().__init__(data, queryset, request=request, prefix=prefix)
        finally:
            del self.base_filters
        model = self.queryset.model
        self.filters = {
            name: _own_copy(base, parent=self, model=model) for name, base in base_filters.items()
        }

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class_cache")
        if form_class is None:
            form_class = type(f"{cls.__name__}Form", (OneValueEach, super().get_form_class()), {})
            form_class.base_fields = SharedFields(form_class.base_fields)
            cls._form_class_cache = form_class
        return form_class


class OneValueEach(forms.Form):
    """A parameter that takes one value, given several times (``?roomId=1&roomId=x``), is a 400
    naming it: the form would read only the last, so the answer depended on the order. Lists
    (``?status=A&status=B``) take several."""

    def clean(self):
        data = super().clean()
        one_value = [
            name
            for name, field in self.fields.items()
            if not isinstance(field, forms.MultipleChoiceField)
        ]
        for name, error in repeated(self.data, one_value).items():  # (our filter sets: no prefix)
            self.add_error(name, error)
        return data


def _own_copy(base: django_filters.Filter, *, parent, model) -> django_filters.Filter:
    own = copy.copy(base)
    own.model, own.parent = model, parent
    if own.method is not None:  # its FilterMethod must call this copy's parent, not the base's
        own.method = own.method
    return own
