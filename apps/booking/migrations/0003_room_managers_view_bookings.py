from django.db import migrations

# Room managers (the confirm app puts them in this group) read rooms and their rooms' bookings in
# the admin; BookingAdmin limits them to the rooms they manage. They change nothing here.
ROOM_MANAGERS_GROUP = "Room managers"  # roombooking.roles.ROOM_MANAGERS_GROUP (kept literal)
PERMISSIONS = ["view_room", "view_booking"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("booking")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ROOM_MANAGERS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="booking", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=ROOM_MANAGERS_GROUP):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="booking", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [("booking", "0002_office_staff_permissions")]
    operations = [migrations.RunPython(grant, revoke)]
