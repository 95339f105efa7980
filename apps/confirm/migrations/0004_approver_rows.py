import django.db.models.deletion
from django.db import migrations, models


def fill_approver_rows(apps, schema_editor):
    Confirm = apps.get_model("confirm", "Confirm")
    ConfirmApprover = apps.get_model("confirm", "ConfirmApprover")
    rows = [
        ConfirmApprover(confirm_id=confirm_id, username=username)
        for confirm_id, approvers in Confirm.objects.values_list("id", "approvers").iterator()
        for username in approvers or []
    ]
    ConfirmApprover.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("confirm", "0003_office_staff_decide_unmanaged_rooms"),
    ]

    operations = [
        migrations.CreateModel(
            name="ConfirmApprover",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("username", models.CharField(max_length=150)),
                (
                    "confirm",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="approver_rows",
                        to="confirm.confirm",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("username", "confirm"), name="confirm_approver_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill_approver_rows, migrations.RunPython.noop),
        migrations.RemoveField(model_name="confirm", name="approvers_key"),
    ]
