from django.db import migrations


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure ours exists now.
    for label in ("roombooking", "auth"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Office staff")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="roombooking", codename="office_staff"),
        # Office staff manage users too (rooms' permissions are added by the booking app).
        *Permission.objects.filter(
            content_type__app_label="auth",
            codename__in=["view_user", "add_user", "change_user", "view_group"],
        ),
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Office staff").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("roombooking", "0002_role"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
