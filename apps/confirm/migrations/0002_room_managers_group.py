from django.db import migrations

ROOM_MANAGERS_GROUP = "Room managers"  # roombooking.roles.ROOM_MANAGERS_GROUP (kept literal)
# Exactly what a manager needs: see approval requests and decide them (the admin asks for the
# change permission before an Approve or Deny). No add or delete: requests come from bookings.
MANAGER_PERMISSIONS = [("confirm", "view_confirm"), ("confirm", "change_confirm")]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure ours exist now.
    app_config = apps.get_app_config("confirm")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ROOM_MANAGERS_GROUP)
    for app_label, codename in MANAGER_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ROOM_MANAGERS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("confirm", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
