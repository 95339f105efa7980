"""A tiny API used only to test roombooking.idempotency in isolation from the apps."""

from django.urls import path
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from roombooking.idempotency import idempotent
from roombooking.models import WorkerHeartbeat


class ThingSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)


class ThingViewSet(viewsets.ViewSet):
    @idempotent
    def create(self, request):
        data = ThingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        from django.utils import timezone

        thing = WorkerHeartbeat.objects.create(
            hostname=data.validated_data["name"], last_seen=timezone.now()
        )
        response = Response({"id": thing.pk, "name": thing.hostname}, status.HTTP_201_CREATED)
        response["Location"] = f"/things/{thing.pk}"
        return response


urlpatterns = [path("things", ThingViewSet.as_view({"post": "create"}))]
