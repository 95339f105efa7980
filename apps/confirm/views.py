"""``/confirms``: list and read approval requests; PATCH decides one."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.confirm import selectors, services
from apps.confirm.filters import ConfirmFilter
from apps.confirm.serializers import ConfirmDecisionSerializer, ConfirmSerializer
from roombooking.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent


class ConfirmViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Approval requests. Room managers see their rooms' requests, bookers their own, office
    staff all. ``PATCH`` with ``{"status": "CONFIRMED" | "DENIED", "reason"?}`` decides (managers
    of the room and superusers; office staff for rooms without managers)."""

    serializer_class = ConfirmSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ConfirmFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.confirms_visible_to(self.request.user).order_by("created", "id")

    def get_serializer_class(self):
        if self.action == "partial_update":
            return ConfirmDecisionSerializer
        return ConfirmSerializer

    @extend_schema(
        request=ConfirmDecisionSerializer,
        responses=ConfirmSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        confirm = self.get_object()  # 404 for a request the caller may not see
        if not services.may_decide(request.user, confirm):
            raise PermissionDenied("Only a manager of this room may approve or deny it.")
        decision = ConfirmDecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        decided = services.decide_confirm(
            confirm_id=confirm.pk,
            user=request.user,
            status=decision.validated_data["status"],
            reason=decision.validated_data["reason"],
        )
        return Response(ConfirmSerializer(decided, context={"request": request}).data)


class SeriesDecisionAnswer(serializers.Serializer):
    seriesId = serializers.IntegerField()
    status = serializers.CharField()
    decided = ConfirmSerializer(many=True, help_text="The requests this decision decided.")


class SeriesDecisionView(APIView):
    """``PATCH /confirms/series/{seriesId}`` with ``{"status": "CONFIRMED" | "DENIED",
    "reason"?}`` decides every occurrence of the series still waiting for a decision, in one
    transaction (occurrences already decided keep their decision); one summary email."""

    http_method_names = ["patch", "options"]

    @extend_schema(
        request=ConfirmDecisionSerializer,
        responses=SeriesDecisionAnswer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def patch(self, request: Request, series_id: str) -> Response:
        decision = ConfirmDecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        if not selectors.confirms_visible_to(request.user).filter(series_id=series_id).exists():
            raise NotFound()
        decided = services.decide_series(
            series_id=int(series_id),
            user=request.user,
            status=decision.validated_data["status"],
            reason=decision.validated_data["reason"],
        )
        context = {"request": request}
        return Response(
            {
                "seriesId": int(series_id),
                "status": decision.validated_data["status"],
                "decided": ConfirmSerializer(decided, many=True, context=context).data,
            }
        )
