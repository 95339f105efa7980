"""Office staff see everyone's notifications in the API; the admin now lets them too, and lets
them send failed ones again (the action needs "change"). Rows stay read-only in the admin."""

from django.db import migrations

PERMISSIONS = ["view_notification", "change_notification"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure ours exist now.
    app_config = apps.get_app_config("notification")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Office staff")  # roombooking.roles
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="notification", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Office staff"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="notification", codename__in=PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notification", "0004_occurrence_invites"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("roombooking", "0003_office_staff_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
