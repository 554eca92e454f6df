"""The panel on the admin home page: the user's stations and their units by status."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count
from wagtail.admin.ui.components import Component

from stations import selectors
from stations.models import Unit

MAX_STATIONS = 12


class StationsPanel(Component):
    name = "cms_stations"
    template_name = "cms/dashboard/stations_panel.html"
    order = 50

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        stations_qs = selectors.stations_for(self.user)
        total = stations_qs.count()
        stations = list(stations_qs.order_by("code")[:MAX_STATIONS])
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for station_id, status, n in (
            Unit.objects.filter(station__in=[s.pk for s in stations])
            .values_list("station_id", "status")
            .annotate(n=Count("id"))
            .values_list("station_id", "status", "n")
        ):
            counts[station_id][status] = n
        statuses = list(Unit.Status)
        rows = [
            {
                "station": station,
                "cells": [(s.value, counts[station.pk].get(s.value, 0)) for s in statuses],
                "total": sum(counts[station.pk].values()),
            }
            for station in stations
        ]
        from cms.admin_views import may_import_units

        return {
            "can_import": may_import_units(self.user),
            "rows": rows,
            "statuses": [(s.value, s.label) for s in statuses],
            "more": max(0, total - len(stations)),
            "total": total,
        }
