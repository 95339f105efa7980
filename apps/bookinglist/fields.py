"""The API (camelCase, as in the original service) name of each column, in display order."""

API_NAMES: dict[str, str] = {
    "booking_id": "bookingId",
    "room_id": "roomId",
    "room_name": "roomName",
    "room_managers": "roomManagers",
    "booking_user_id": "bookingUserId",
    "use_start_dtm": "useStartDtm",
    "use_end_dtm": "useEndDtm",
    "booking_dtm": "bookingDtm",
    "booking_status": "bookingStatus",
    "confirm_id": "confirmId",
    "confirm_status": "confirmStatus",
    "confirm_user_id": "confirmUserId",
    "confirm_dtm": "confirmDtm",
    "confirm_reason": "confirmReason",
    "cancelled_dtm": "cancelledDtm",
    "cancel_cause": "cancelCause",
    "cancel_reason": "cancelReason",
    "updated_dtm": "updatedDtm",
    "series_id": "seriesId",
    "last_seq": "lastSeq",
}
