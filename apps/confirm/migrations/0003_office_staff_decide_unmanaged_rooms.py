from django.db import migrations

OFFICE_STAFF_GROUP = "Office staff"  # roombooking.roles.OFFICE_STAFF_GROUP (kept literal)
# Office staff see every approval request in the admin and decide those of rooms without managers.
OFFICE_STAFF_PERMISSIONS = ["view_confirm", "change_confirm"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=OFFICE_STAFF_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="confirm", codename__in=OFFICE_STAFF_PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=OFFICE_STAFF_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="confirm", codename__in=OFFICE_STAFF_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("confirm", "0002_room_managers_group"),
        ("roombooking", "0003_office_staff_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
