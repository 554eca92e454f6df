"""Data: the tender permissions of the role groups.

Leasing officers run rounds and see reserve prices; discipline inspectors read everything of the
tender and confirm openings; committee members see rounds (their seats narrow it to theirs);
merchants hold nothing globally: they act for their own merchant through guardian.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TENDER_MODELS = (
    "merchant",
    "brand",
    "creditrecord",
    "demand",
    "tenderround",
    "rounddocument",
    "lot",
    "criterion",
    "application",
)

ROLE_PERMISSIONS = {
    "leasing officer": [
        f"{verb}_{model}"
        for model in TENDER_MODELS
        for verb in ("view", "add", "change", "delete")
    ]
    + ["run_round", "view_reserve_price"],
    "discipline inspector": [f"view_{model}" for model in TENDER_MODELS] + ["confirm_opening"],
    "committee member": ["view_tenderround"],
    "merchant": [],
}


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; the groups need them now.
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
    tender_perms = Permission.objects.filter(content_type__app_label="tenders")
    for group in Group.objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*tender_perms)


class Migration(migrations.Migration):
    dependencies = [
        ("tenders", "0001_initial"),
        ("stations", "0002_catalogue_and_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
