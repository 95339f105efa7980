from django.db import migrations

# Series in the admin: room managers read their rooms' series (SeriesAdmin limits them to the
# rooms they manage); office staff read them and may cancel what is left of one.
GROUPS = {
    "Room managers": ["view_series"],  # roombooking.roles.ROOM_MANAGERS_GROUP (kept literal)
    "Office staff": ["view_series", "change_series"],  # roombooking.roles.OFFICE_STAFF_GROUP
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("booking")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="booking", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        for group in apps.get_model("auth", "Group").objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="booking", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [("booking", "0006_series")]
    operations = [migrations.RunPython(grant, revoke)]
