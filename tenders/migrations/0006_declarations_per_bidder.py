"""Declarations of interest are made towards each bidder, not each lot.

Declarations made per lot cannot be turned into declarations per bidder (a lot has several
bidders): they are removed, and the members of rounds being scored declare again.
"""

import django.db.models.deletion
from django.db import migrations, models


def forget_lot_declarations(apps, schema_editor):
    apps.get_model("tenders", "Declaration").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("tenders", "0005_committee_roles")]

    operations = [
        migrations.RunPython(forget_lot_declarations, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="declaration", name="declaration_once_per_lot"),
        migrations.RemoveField(model_name="declaration", name="lot"),
        migrations.AddField(
            model_name="declaration",
            name="merchant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenders.merchant",
                verbose_name="bidder",
                default=None,
            ),
            preserve_default=False,
        ),
        migrations.AlterModelOptions(
            name="declaration",
            options={
                "ordering": ["seat", "merchant"],
                "verbose_name": "declaration of interest",
                "verbose_name_plural": "declarations of interest",
            },
        ),
        migrations.AddConstraint(
            model_name="declaration",
            constraint=models.UniqueConstraint(
                fields=("seat", "merchant"), name="declaration_once_per_bidder"
            ),
        ),
    ]
