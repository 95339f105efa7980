"""OpenAPI schema generation: every operation documents the error answers it can give.

The error bodies all share ``ErrorSerializer``'s shape (see roombooking/errors.py), so clients and
schemathesis know what a 400, 401, 403, 404, 409, 413, 429 or 503 looks like.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from roombooking.throttling import WriteRateThrottle


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    error = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    path = serializers.CharField()


# Answers any endpoint may give; 404 also covers an out-of-range ?page=.
COMMON_ERRORS = ("400", "404", "413", "503")
AUTHENTICATED_ERRORS = ("401", "403")
WRITE_ERRORS = ("409", "415", "422", "429")


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        return responses

    def _get_filter_parameters(self):
        # Filters ignore an empty value (?roomId=), as the browsable API's filter form sends
        # every field; the schema says so.
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            parameter["allowEmptyValue"] = True
        return parameters

    def _error_codes(self) -> tuple[str, ...]:
        codes = COMMON_ERRORS
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes += AUTHENTICATED_ERRORS
        if self.method in {"POST", "PUT", "PATCH", "DELETE"}:
            codes += WRITE_ERRORS + ("405",)
        elif self._throttles_reads():
            codes += ("429",)
        return codes

    def _throttles_reads(self) -> bool:
        # WriteRateThrottle lets every read through; any other throttle (the calendar feed's
        # per-address limit) may answer a GET with 429.
        return any(not isinstance(t, WriteRateThrottle) for t in self.view.get_throttles())
