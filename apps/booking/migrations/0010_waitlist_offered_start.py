"""The offered part of a waitlist slot (``offered_start_dtm``): a slot freed after it began is
offered from the next whole minute. Every offer made before this was of the whole slot, so
existing offers start where their slot does (the check constraint needs it of live ones)."""

from django.db import migrations, models
from django.db.models import F, Q


def whole_slot_offers(apps, schema_editor):
    WaitlistEntry = apps.get_model("booking", "WaitlistEntry")
    WaitlistEntry.objects.filter(offered_at__isnull=False).update(
        offered_start_dtm=F("use_start_dtm")
    )
    # An OFFERED row always has offered_at (set with the status); this covers any that do not.
    WaitlistEntry.objects.filter(status="OFFERED", offered_start_dtm__isnull=True).update(
        offered_start_dtm=F("use_start_dtm")
    )


class Migration(migrations.Migration):
    dependencies = [("booking", "0009_waitlist")]

    operations = [
        migrations.AddField(
            model_name="waitlistentry",
            name="offered_start_dtm",
            field=models.DateTimeField(blank=True, null=True, verbose_name="offered from"),
        ),
        migrations.RunPython(whole_slot_offers, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="waitlistentry",
            constraint=models.CheckConstraint(
                condition=~Q(status="OFFERED") | Q(offered_start_dtm__isnull=False),
                name="waitlist_offer_has_start",
            ),
        ),
    ]
