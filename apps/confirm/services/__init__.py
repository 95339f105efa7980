"""Write operations of the confirm app (one function per user-visible action).

Every function takes keyword arguments only and does its whole job in one
``transaction.atomic()``; the API, the admin and the receivers call the same functions.
"""

from apps.confirm.services.decisions import (
    REASON_MAX_LENGTH,
    complete_confirm,
    decide_confirm,
    deny_confirm,
    may_decide,
)
from apps.confirm.services.lifecycle import expire_pending_approvals, remind_pending_approvals
from apps.confirm.services.managers import ROOM_MANAGER_PERMISSIONS, make_room_manager
from apps.confirm.services.requests import delete_confirm, reopen_confirm, request_confirm
from apps.confirm.services.series import decide_series

__all__ = [
    "REASON_MAX_LENGTH",
    "ROOM_MANAGER_PERMISSIONS",
    "complete_confirm",
    "decide_confirm",
    "decide_series",
    "delete_confirm",
    "deny_confirm",
    "expire_pending_approvals",
    "make_room_manager",
    "may_decide",
    "remind_pending_approvals",
    "reopen_confirm",
    "request_confirm",
]
