"""Count the pipeline's months of the rows already recorded (tenders.PipelineMonth is kept by
the services from now on). Written against the models as they are at this migration."""

import datetime as dt
from collections import Counter

from django.db import migrations
from django.utils import timezone

STAGES = ("demands", "applications", "bids", "awards", "leases", "openings")


def _month(when):
    if isinstance(when, dt.datetime) and timezone.is_aware(when):
        when = timezone.localtime(when)
    return dt.date(when.year, when.month, 1)


def fill(apps, schema_editor):
    Demand = apps.get_model("tenders", "Demand")
    Application = apps.get_model("tenders", "Application")
    Bid = apps.get_model("tenders", "Bid")
    Award = apps.get_model("tenders", "Award")
    Lease = apps.get_model("leasing", "Lease")
    PipelineMonth = apps.get_model("tenders", "PipelineMonth")
    rows = {
        "demands": Demand.stations.through.objects.values_list("station", "demand__created_at"),
        # An application counts once for each station of its lots.
        "applications": Application.lots.through.objects.values_list(
            "application", "lot__station", "application__submitted_at"
        ).distinct(),
        "bids": Bid.objects.exclude(status="replaced").values_list("lot__station", "received_at"),
        "awards": Award.objects.values_list("lot__station", "awarded_at"),
        "leases": Lease.objects.exclude(signed_at=None).values_list("station", "signed_at"),
        "openings": Lease.objects.exclude(opened_on=None).values_list("station", "opened_on"),
    }
    counts = {}
    for stage, pairs in rows.items():
        pairs = pairs.order_by().iterator(chunk_size=5000)
        for (station, month), n in Counter((r[-2], _month(r[-1])) for r in pairs).items():
            counts.setdefault((station, month), dict.fromkeys(STAGES, 0))[stage] = n
    PipelineMonth.objects.bulk_create(
        [
            PipelineMonth(station_id=station, month=month, **stages)
            for (station, month), stages in counts.items()
        ],
        batch_size=5000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("leasing", "0005_lease_business_type"),
        ("tenders", "0009_pipeline_months"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
