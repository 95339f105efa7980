"""New model instances as ``Model(**values)`` makes them, without its search per field.

``Model.__init__`` with keywords walks every field of the model, pops the field's value from
the keywords (a ``KeyError`` raised and caught for each field not given) and asks the field
for its default, then sets each value through ``setattr``. A booking makes eight new rows, two
of them outbox rows of 25 fields: py-spy put ``Model.__init__`` at about 9 % of a loaded web
worker's samples. ``new_instance`` keeps, per model and set of keyword names, which fields are
given, which take their defaults (the field's own default callable, asked anew each time, as
Django asks it) and which are related objects given by their field's name (set through their
descriptor, which checks and caches them); then an instance is its ``__dict__`` filled in.
Anything else goes Django's way: a model someone listens to with ``pre_init`` or
``post_init``, an abstract model, a model with an ``__init__`` of its own, a field whose
descriptor sets values itself (a file, say), keywords that are properties, unknown, or name one
field twice. Tested against ``Model(**values)`` for every model of the project (the instance's
``__dict__`` and state): tests/platform/test_instances.py.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any, TypeVar

from django.db.models import Field, Model
from django.db.models.base import ModelState
from django.db.models.fields.related import ForeignObjectRel
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=Model)

_PLANS: dict[tuple, _Plan | None] = {}
_lock = threading.Lock()
_UNSEEN = object()


class _Plan:
    __slots__ = ("defaults", "plain", "related")

    def __init__(self, defaults: list, plain: list, related: list) -> None:
        self.defaults = defaults  # (attname, default callable): the fields not given
        self.plain = plain  # attnames given: their values go to the instance's __dict__
        self.related = related  # (name, keyword): related objects, set through their descriptor


def new_instance(model: type[M], /, **values: Any) -> M:
    """``model(**values)``, made faster where the model is plain (see the module)."""
    plan = _PLANS.get((model, *values), _UNSEEN)
    if plan is _UNSEEN:
        plan = _plan_for(model, tuple(values))
    if plan is None or _listened_to(model):
        return model(**values)
    obj = model.__new__(model)
    obj._state = ModelState()
    state = obj.__dict__
    for attname, default in plan.defaults:
        state[attname] = default()
    if not plan.related:
        state.update(values)  # every keyword is its field's attname
    else:
        for attname in plan.plain:
            state[attname] = values[attname]
        for name, key in plan.related:
            setattr(obj, name, values[key])  # type-checked and cached, as Django does
    return obj


def _listened_to(model: type[Model]) -> bool:
    return bool(
        (pre_init.receivers and pre_init.has_listeners(model))
        or (post_init.receivers and post_init.has_listeners(model))
    )


def _plan_for(model: type[Model], keys: tuple[str, ...]) -> _Plan | None:
    with _lock:
        if (model, *keys) not in _PLANS:
            _PLANS[(model, *keys)] = _build_plan(model, keys)
        return _PLANS[(model, *keys)]


def _build_plan(model: type[Model], keys: tuple[str, ...]) -> _Plan | None:
    opts = model._meta
    if opts.abstract or model.__init__ is not Model.__init__:
        return None  # Django's TypeError, or the model's own __init__
    wanted = set(keys)
    defaults, plain, related = [], [], []
    for field in opts.fields:
        if field.column is None or field.generated:
            continue  # Django's __init__ leaves these alone
        if not _plain_attribute(model, field.attname):
            return None  # a descriptor that sets values itself: Django's way
        by_name = isinstance(field.remote_field, ForeignObjectRel) and field.name in wanted
        if by_name and field.attname in wanted:
            return None  # both given: Django sets both, in its order
        if by_name:
            related.append((field.name, field.name))
            wanted.discard(field.name)
        elif field.attname in wanted:
            plain.append(field.attname)
            wanted.discard(field.attname)
        else:
            defaults.append((field.attname, _default_of(field)))
    if wanted:
        return None  # properties, virtual fields or unknown names: Django's way (or its error)
    return _Plan(defaults, plain, related)


def _plain_attribute(model: type[Model], attname: str) -> bool:
    """Whether setting ``attname`` on a new instance only writes its ``__dict__``: Django's
    ``DeferredAttribute`` has no ``__set__``, and a foreign key's
    ``ForeignKeyDeferredAttribute`` only forgets a cached related object, which a new instance
    does not have."""
    descriptor = inspect.getattr_static(model, attname, None)
    return type(descriptor) in (DeferredAttribute, ForeignKeyDeferredAttribute)


def _default_of(field: Field):
    """The callable ``field.get_default()`` calls, where the field keeps Django's
    ``get_default`` (a foreign key's own version converts a model default: kept as it is)."""
    if type(field).get_default is Field.get_default:
        return field._get_default
    return field.get_default
