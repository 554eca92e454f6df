"""Everything a restore must give back, read from the database and media the settings name:
the journal's count and head, every registered report rendered as CSV (``report NAME``), each
round's standings recomputed from its bids and scores, each committee report as signed, and
the SHA-256 of every media file. Run by test_backup_restore.py before the backup and after the
restore: ``python -m tests.faults.fingerprint`` prints it as JSON."""

import dataclasses
import json
import os
from pathlib import Path


def fingerprint() -> dict:
    from django.conf import settings

    from audit.models import Entry
    from backup.archive import media_hashes
    from stations.reports import all_reports, render_report
    from tenders.models import Result, TenderRound
    from tenders.scoring import lot_standings

    latest = Entry.objects.order_by("-seq").values_list("seq", "hash").first()
    reports = {
        name: render_report(report(), "csv").decode("utf-8")
        for name, report in all_reports().items()
    }
    standings = {
        round.code: {
            str(lot): [dataclasses.asdict(s) for s in rows]
            for lot, rows in lot_standings(round, detail=True).items()
        }
        for round in TenderRound.objects.order_by("code")
    }
    results = {
        f"{code}/{pk}": report
        for pk, code, report in Result.objects.order_by("pk").values_list(
            "pk", "round__code", "report"
        )
    }
    return json.loads(
        json.dumps(
            {
                "journal": {"entries": Entry.objects.count(), "head": list(latest or ())},
                "reports": reports,
                "standings": standings,
                "results": results,
                "media": media_hashes(Path(settings.MEDIA_ROOT)),
            },
            default=str,
            sort_keys=True,
        )
    )


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.fault_settings")
    django.setup()
    print(json.dumps(fingerprint(), ensure_ascii=False, sort_keys=True))
