"""Data: the business classes and types, and the role groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def load_catalogue(apps, schema_editor):
    from stations.catalogue import CLASSES, TYPES

    BusinessCategory = apps.get_model("stations", "BusinessCategory")
    parents = {}
    for order, (code, zh, en, basic) in enumerate(CLASSES):
        parents[code], _ = BusinessCategory.objects.update_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "is_basic": basic, "sort_order": order},
        )
    for order, (parent, code, zh, en, kw, sockets, water, drain, exhaust, basic) in enumerate(
        TYPES
    ):
        BusinessCategory.objects.update_or_create(
            code=code,
            defaults={
                "parent": parents[parent],
                "name_zh": zh,
                "name_en": en,
                "min_power_kw": kw,
                "min_floor_sockets": sockets,
                "needs_water": water,
                "needs_drainage": drain,
                "needs_exhaust": exhaust,
                "is_basic": basic,
                "sort_order": 100 + order,
            },
        )


def create_roles(apps, schema_editor):
    from stations.roles import ROLE_PERMISSIONS

    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codename in perms:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0001_initial"),
        ("audit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0006_formstate"),
    ]
    operations = [
        migrations.RunPython(load_catalogue, migrations.RunPython.noop),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
