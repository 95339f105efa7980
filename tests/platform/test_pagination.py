import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from roombooking.pagination import PageNumberPagination


def page_size(query: str) -> int:
    request = Request(APIRequestFactory().get(f"/things?{query}"))
    return PageNumberPagination().get_page_size(request)


def test_page_size_defaults_and_accepts_the_range(settings):
    assert page_size("") == settings.REST_FRAMEWORK["PAGE_SIZE"]
    assert page_size("page_size=1") == 1
    assert page_size(f"page_size={settings.API_MAX_PAGE_SIZE}") == settings.API_MAX_PAGE_SIZE


@pytest.mark.parametrize("raw", ["0", "-3", "abc", "2.5", "101", ""])
def test_a_bad_page_size_is_a_400_naming_it(raw):
    with pytest.raises(ValidationError) as error:
        page_size(f"page_size={raw}")
    assert "page_size" in error.value.detail
