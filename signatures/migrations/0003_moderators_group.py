from django.db import migrations

GROUP = "Moderators"


def create_group(apps, schema_editor):
    """The Moderators group, holding the moderate_signature permission.

    Permissions are normally created after all migrations run; create them now so the group
    can hold this one on a fresh database.
    """
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("signatures")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(Permission.objects.get(codename="moderate_signature", content_type__app_label="signatures"))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0002_moderation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
