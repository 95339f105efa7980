from __future__ import annotations

import django_filters
from rest_framework import mixins, viewsets

from apps.notification import selectors
from apps.notification.models import Notification
from apps.notification.serializers import NotificationSerializer
from roombooking.filters import FilterSet, IntegerFilter, OrderingFilter


class NotificationFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=Notification.Status.choices)
    eventType = django_filters.CharFilter(field_name="event_type")
    type = django_filters.CharFilter(field_name="event_type", label="Alias of eventType")
    bookingId = IntegerFilter(field_name="booking_id")
    userId = django_filters.CharFilter(field_name="recipient_username")
    ordering = OrderingFilter(
        fields=(("id", "id"), ("created_at", "createdAt"), ("send_dtm", "sendDtm"))
    )

    class Meta:
        model = Notification
        fields: list[str] = []


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The emails sent (or waiting) for you; office staff see everyone's."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        return selectors.notifications_visible_to(self.request.user)
