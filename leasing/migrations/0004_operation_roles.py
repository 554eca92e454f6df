"""Data: who keeps the fit-out and operation records.

Leasing officers keep them all; station managers keep their stations' inspections,
complaints and price checks (the scope is the station, held by guardian); discipline
inspectors read everything.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = (
    "milestone",
    "milestonedocument",
    "inspection",
    "complaint",
    "violationtype",
    "penalty",
    "pricecheck",
    "marketingevent",
)
KEEP = ("view", "add", "change")
ROLE_PERMISSIONS = {
    "leasing officer": [f"{verb}_{model}" for model in MODELS for verb in KEEP],
    "station manager": [f"view_{model}" for model in MODELS]
    + [f"{verb}_{model}" for model in ("inspection", "complaint", "pricecheck") for verb in KEEP],
    "discipline inspector": [f"view_{model}" for model in MODELS],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("leasing")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="leasing", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        for group in Group.objects.filter(name=role):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="leasing", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [("leasing", "0003_milestones_operation")]

    operations = [migrations.RunPython(grant, revoke)]
