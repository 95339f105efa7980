from django.conf import settings
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from roombooking.queries import refuse_repeated


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=N&page_size=M``. A ``page_size`` that is not a whole number from 1 to
    ``API_MAX_PAGE_SIZE`` is a 400 naming the parameter (DRF would silently ignore or clamp it),
    and so is either parameter given twice."""

    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        refuse_repeated(request.query_params, (self.page_query_param, self.page_size_query_param))
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be a whole number from 1 to {self.max_page_size}, got {raw!r}."
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["allowEmptyValue"] = True  # ?page= is the first page, as in DRF
        return parameters
