"""Bookings remember their approval status, told by the confirm app's events.

Existing bookings take theirs from the event log (the last Confirm* event of each booking), as the
receiver would have set it.
"""

from django.db import migrations, models

STATUS_OF = {"BOOKED": "PENDING", "CONFIRMED": "CONFIRMED", "DENIED": "DENIED"}
CONFIRM_EVENTS = ("ConfirmRequested", "ConfirmCompleted", "ConfirmDenied")


def from_event_log(apps, schema_editor):
    EventLog = apps.get_model("roombooking", "EventLog")
    Booking = apps.get_model("booking", "Booking")
    last: dict[int, tuple[int, str]] = {}
    events = (
        EventLog.objects.filter(event_type__in=CONFIRM_EVENTS, booking_id__isnull=False)
        .order_by("id")
        .values_list("id", "booking_id", "payload")
    )
    for seq, booking_id, payload in events.iterator():
        status = STATUS_OF.get((payload or {}).get("status"))
        if status:
            last[booking_id] = (seq, status)
    for booking_id, (seq, status) in last.items():
        Booking.objects.filter(pk=booking_id).update(approval_status=status, approval_seq=seq)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0003_room_managers_view_bookings"),
        ("roombooking", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="approval_seq",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="booking",
            name="approval_status",
            field=models.CharField(
                choices=[
                    ("PENDING", "Waiting for approval"),
                    ("CONFIRMED", "Approved"),
                    ("DENIED", "Denied"),
                ],
                default="PENDING",
                max_length=16,
            ),
        ),
        migrations.RunPython(from_event_log, migrations.RunPython.noop),
    ]
