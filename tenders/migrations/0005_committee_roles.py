"""Data: committee members may sit on committees; officers and inspectors read the committee's
work (seats, declarations, results, objections, awards) — score values stay behind the
selectors until each reader may see them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COMMITTEE_MODELS = ("seat", "declaration", "result", "objection", "award")

ROLE_PERMISSIONS = {
    "leasing officer": [f"view_{model}" for model in COMMITTEE_MODELS],
    "discipline inspector": [f"view_{model}" for model in COMMITTEE_MODELS],
    "committee member": ["sit_on_committee"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("tenders")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="tenders", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        for group in Group.objects.filter(name=role):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="tenders", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [("tenders", "0004_committee_scores_award")]

    operations = [migrations.RunPython(grant, revoke)]
