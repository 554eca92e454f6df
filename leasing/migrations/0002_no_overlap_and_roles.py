"""The guarantee that no two leases of one unit overlap, on PostgreSQL; the leasing roles.

An exclusion constraint over (unit, [start, end)) with btree_gist: two periods of one unit
that share a day cannot both be stored, whatever the application does. SQLite has no such
constraint; there the lease services hold the units' rows while they check.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONSTRAINT = "leaseunit_periods_do_not_overlap"

ROLE_PERMISSIONS = {
    "leasing officer": ["view_lease", "manage_lease", "view_instalment", "view_turnoverreport"],
    "station manager": ["view_lease", "view_instalment", "view_turnoverreport"],
    "discipline inspector": ["view_lease", "view_instalment", "view_turnoverreport"],
}


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE leasing_leaseunit ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(unit_id WITH =, daterange(start_date, end_date, '[)') WITH &&)"
    )


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE leasing_leaseunit DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


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
    for group in Group.objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="leasing"))


class Migration(migrations.Migration):
    dependencies = [("leasing", "0001_leases")]

    operations = [
        migrations.RunPython(add_exclusion, drop_exclusion),
        migrations.RunPython(grant, revoke),
    ]
