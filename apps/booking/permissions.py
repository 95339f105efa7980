from __future__ import annotations

from rest_framework import permissions

from roombooking.roles import is_office_staff


class OfficeStaffOrReadOnly(permissions.BasePermission):
    """Everyone signed in reads; office staff write (see roombooking.roles)."""

    message = "Only office staff may create or change rooms."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or is_office_staff(request.user)
