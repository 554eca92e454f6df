"""Factories for stations, levels, units, zones and utility points (built through services)."""

from decimal import Decimal

import factory

from stations import services
from stations.models import Station


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n:03d}")
    name_zh = factory.Sequence(lambda n: f"测试站{n}")
    name_en = factory.Sequence(lambda n: f"Test Station {n}")
    line = "Wuhan–Guangzhou HSR"
    city = "Changsha"
    tier = Station.Tier.PREFECTURE
    latitude = Decimal("28.147000")
    longitude = Decimal("113.064000")
    plan_rotation_deg = Decimal("0")


def square(x: float, y: float, size: float = 10.0, height: float | None = None) -> str:
    """WKT of an axis-aligned rectangle with its lower-left corner at (x, y)."""
    h = size if height is None else height
    return f"POLYGON (({x} {y}, {x + size} {y}, {x + size} {y + h}, {x} {y + h}, {x} {y}))"


def level(station=None, *, name="高架层", ordinal=1, width=200, depth=100):
    station = station or StationFactory()
    return services.level_create(
        actor=None, station=station, name=name, ordinal=ordinal, outline=square(0, 0, width, depth)
    )


def unit(level_obj, code, x, y, size=10.0, **fields):
    return services.unit_create(
        actor=None, level=level_obj, code=code, polygon=square(x, y, size), **fields
    )


def cabinet(level_obj, x, y, capacity_kw="100", code=""):
    return services.utility_point_create(
        actor=None,
        level=level_obj,
        kind="cabinet",
        x=x,
        y=y,
        capacity_kw=Decimal(capacity_kw),
        code=code,
    )
