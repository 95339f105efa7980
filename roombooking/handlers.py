"""The WSGI handler, remembering where each recent path resolved to.

Django resolves every request's path by trying the URL patterns in order: 41 pattern matches
for a booking list page, about a twenty-fifth of its CPU under cProfile. A path resolves to the
same view with the same arguments every time (for one URLconf), so the last ``KEEP`` paths'
matches are remembered. A path that does not resolve (404) is not; a request with a URLconf of
its own (``request.urlconf``) resolves as Django does. Each request gets its own copy of the
match, with its own ``kwargs``: middleware and views may change them.
"""

from __future__ import annotations

import functools

from django.core.handlers.wsgi import WSGIHandler
from django.urls import get_resolver
from django.urls.resolvers import ResolverMatch, URLResolver

KEEP = 1024


class RememberingWSGIHandler(WSGIHandler):
    def resolve_request(self, request):
        if hasattr(request, "urlconf"):
            return super().resolve_request(request)
        match = _own_copy(_resolved(get_resolver(), request.path_info))
        request.resolver_match = match
        return match


@functools.lru_cache(maxsize=KEEP)
def _resolved(resolver: URLResolver, path: str) -> ResolverMatch:
    # Keyed by the resolver itself: a changed ROOT_URLCONF (tests) makes a new one.
    return resolver.resolve(path)


def _own_copy(match: ResolverMatch) -> ResolverMatch:
    copy = ResolverMatch.__new__(ResolverMatch)  # copy.copy: ResolverMatch refuses pickling
    copy.__dict__.update(match.__dict__)
    copy.kwargs = dict(match.kwargs)
    for name in ("captured_kwargs", "extra_kwargs"):
        value = getattr(match, name)
        setattr(copy, name, None if value is None else dict(value))
    return copy
