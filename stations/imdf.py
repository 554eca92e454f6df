"""A station as an IMDF 1.0 archive (Indoor Mapping Data Format, OGC 20-094) and back.

Georeferencing: plan metres (x, y) are rotated by the station's ``plan_rotation_deg`` (the
clockwise angle from true north to the plan's y axis) into east/north metres, then placed on
a local tangent plane at the station's latitude/longitude (the plan origin) using the WGS84
meridional and prime-vertical radii there. :func:`wgs84_to_plan` is its exact inverse.

The archive (a zip, every GeoJSON coordinate [lon, lat] in WGS84 with 10 decimals):

- ``manifest.json``: version 1.0.0, language zh-Hans, ``extensions`` naming ours (below);
- ``address.geojson``: one address (the station, its city, country CN); the venue points at it;
- ``venue.geojson``: one venue, category ``transitstation``, the convex hull of the levels;
- ``level.geojson``: one level per Level (category ``unspecified``, outline polygon);
- ``unit.geojson``: one unit per Unit, the IMDF category chosen from kind and business types;
- ``section.geojson``: one section per Zone (no-build corridors ``walkway``, ``paidarea``);
- ``amenity.geojson``: one amenity per toilet (``restroom``) and washbasin (``unspecified``)
  water/power interface, ``unit_ids`` naming the unit that contains it (empty if none);
- ``occupant.geojson`` and ``anchor.geojson``: the outlets trading in the station, which the
  apps that know them give through :func:`register_occupants` (the space does not import the
  lease; ``leasing.occupants`` gives the open leases). Each outlet is one occupant per unit
  passengers visit (a shop, kiosk, counter, vending machine or ATM; a lease of storage or
  a lightbox alone is anchored in those), named by its brand (zh-Hans and en), with the
  IMDF occupant category of its business type (:data:`OCCUPANT_CATEGORY_BY_TYPE`, else its
  class's), ``validity`` from the day it opened to the end of its lease (RFC 3339, the
  site's time zone), phone and website when known, and ``correlation_id`` shared by the
  occupants of one outlet; its anchor is the unit's display point and names the unit;
- ``opening.geojson``: empty (the plans keep no doors);
- ``hsr_utility.geojson``: our extension feature type ``hsr_utility`` (IMDF has no point
  feature for them): the other utility points — cabinets with ``capacity_kw``, floor and
  lightbox sockets, water supply, drainage — each with ``category`` (our kind), ``code``,
  ``level_id`` and ``unit_ids``.

What IMDF has no property for travels in properties prefixed ``hsr:`` (extension
``imdf:extension:hsr-leasing:space#1.0.0``): the station's code, tier, line, city and exact
georeference on the venue; a level's short name; a unit's code, kind, name, business types,
power, exhaust, paid-area flag (and status and area, for information); a zone's kind and
name; an amenity's kind, code and level. Every feature id is a UUID5 of the station code,
the object kind and our code or id, so exporting again gives the same ids.

Import checks the whole archive before writing anything and raises :class:`ArchiveInvalid`
listing every fault (file and feature id); then it creates the station through
``stations.services`` in one transaction. Occupants and anchors are read and their
references checked but not imported: outlets come from leases, not from a map. Imported
units start as planned (their status belongs to the tender and lease history, not to the
plan), and underlay images are not carried. Plan coordinates are rounded to 0.1 mm on
import, which restores coordinates that were on that grid exactly.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import uuid
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stations import geometry, services
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint, Zone
from stations.uploads import ARCHIVE_MAX_RATIO, archive_fault

IMDF_VERSION = "1.0.0"
LANGUAGE = "zh-Hans"
GENERATED_BY = "hsr-station-leasing 0.1.0 (stations.imdf)"
EXTENSION_ID = "imdf:extension:hsr-leasing:space#1.0.0"
EXT = "hsr:"
UTILITY_FEATURE_TYPE = "hsr_utility"
# The stations this system was built for are on the Hunan section; Station has no province.
PROVINCE = "CN-HN"
COUNTRY = "CN"
# Any fixed UUID: it makes feature ids a pure function of station code, kind and key.
ID_NAMESPACE = uuid.UUID("5d0f3c2e-8a41-4b5e-9a57-2f6c1e0b7d94")

COORD_DECIMALS = 10  # 1e-10 degree is about 0.01 mm
PLAN_DECIMALS = 4  # plan metres are restored to 0.1 mm

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 64
MAX_REPORTED_FAULTS = 200

WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)

MANIFEST = "manifest.json"
REQUIRED_FILES = (
    "address.geojson",
    "venue.geojson",
    "level.geojson",
    "unit.geojson",
    "opening.geojson",
    "amenity.geojson",
    "occupant.geojson",
    "anchor.geojson",
)
OPTIONAL_FILES = ("section.geojson", f"{UTILITY_FEATURE_TYPE}.geojson")
# file → (feature_type, allowed geometry types; None means the geometry must be null)
FILE_SHAPES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "address.geojson": ("address", None),
    "venue.geojson": ("venue", ("Polygon", "MultiPolygon")),
    "level.geojson": ("level", ("Polygon",)),
    "unit.geojson": ("unit", ("Polygon",)),
    "section.geojson": ("section", ("Polygon",)),
    "opening.geojson": ("opening", ("LineString",)),
    "amenity.geojson": ("amenity", ("Point",)),
    "occupant.geojson": ("occupant", None),
    "anchor.geojson": ("anchor", ("Point",)),
    f"{UTILITY_FEATURE_TYPE}.geojson": (UTILITY_FEATURE_TYPE, ("Point",)),
}

# Unit kind → IMDF 1.0 UNIT-CATEGORY (checked against the spec's category list).
UNIT_CATEGORY_BY_KIND = {
    Unit.Kind.SHOP: "room",
    Unit.Kind.KIOSK: "room",
    Unit.Kind.COUNTER: "unenclosedarea",
    Unit.Kind.LIGHTBOX: "structure",
    Unit.Kind.VENDING: "unenclosedarea",
    Unit.Kind.ATM: "unenclosedarea",
    Unit.Kind.STORAGE: "storage",
    Unit.Kind.OFFICE: "office",
}
# IMDF unit category → our kind, for units without our extension (an archive made elsewhere);
# units of other categories (walkways, restrooms, stairs…) are not let and are not imported.
UNIT_KIND_BY_CATEGORY = {
    "room": Unit.Kind.SHOP,
    "foodservice": Unit.Kind.SHOP,
    "privatelounge": Unit.Kind.SHOP,
    "unenclosedarea": Unit.Kind.COUNTER,
    "structure": Unit.Kind.LIGHTBOX,
    "storage": Unit.Kind.STORAGE,
    "office": Unit.Kind.OFFICE,
}
# Zone kind → IMDF 1.0 SECTION-CATEGORY: no-build zones are kept clear for walking.
SECTION_CATEGORY_BY_KIND = {
    Zone.Kind.EVACUATION: "walkway",
    Zone.Kind.PASSENGER_FLOW: "walkway",
    Zone.Kind.FIRE_EQUIPMENT: "walkway",
    Zone.Kind.OTHER_NO_BUILD: "walkway",
    Zone.Kind.PAID_AREA: "paidarea",
    Zone.Kind.UNPAID_AREA: "walkway",
}
# Utility kinds exported as IMDF amenities, with their AMENITY-CATEGORY and label.
AMENITY_KINDS = {
    UtilityPoint.Kind.TOILET: ("restroom", "卫生间水电接口", "Toilet water/power interface"),
    UtilityPoint.Kind.WASHBASIN: (
        "unspecified",
        "盥洗池水电接口",
        "Washbasin water/power interface",
    ),
}


# Business type (or class) code → IMDF 1.0 OCCUPANT-CATEGORY (checked against the spec's
# occupant category list). A type not listed takes its class's category.
OCCUPANT_CATEGORY_BY_TYPE = {
    "catering": "restaurant",
    "fast-food": "fastfood",
    "chinese-fast-food": "fastfood",
    "noodles": "noodles",
    "coffee": "coffee",
    "tea-drinks": "bubbletea",
    "bakery": "bakedgoods",
    "local-snacks": "restaurant",
    "ice-cream": "icecream",
    "retail": "shopping",
    "convenience-store": "conveniencestore",
    "bookstore": "books",
    "local-specialty": "specialtyfood",
    "supermarket": "supermarket",
    "pharmacy": "pharmacy",
    "brand-showcase": "shopping",
    "digital-accessories": "cellphoneaccessories",
    "travel-goods": "luggage",
    "tobacco-liquor": "tobaccoshop",
    "gifts-souvenirs": "souvenirs",
    "vending": "vendingmachine",
    "leisure": "recreation",
    "vip-lounge": "transitlounge",
    "massage-chairs": "massagetherapy",
    "reading-bar": "cafe",
    "game-arcade": "arcade",
    "charging-station": "phonechargingstation",
    "services": "localservices",
    "luggage-storage": "luggagestorage",
    "telecom-hall": "telecommunications",
    "bank-atm": "atm",
    "bank-branch": "bank",
    "car-rental": "carrental",
    "travel-agency": "travelagent",
    "express-delivery": "courier",
    "photo-print": "photography",
    "hotel-booking": "travelservices",
    "maternal-room": "localservices",
}
# An outlet of no known type or class: the most general category of trading premises.
DEFAULT_OCCUPANT_CATEGORY = "shopping"
# The units where passengers meet an outlet; its storage, office or lightbox is not where a
# directory points them (unless the outlet has nothing else).
PASSENGER_KINDS = (
    Unit.Kind.SHOP,
    Unit.Kind.KIOSK,
    Unit.Kind.COUNTER,
    Unit.Kind.VENDING,
    Unit.Kind.ATM,
)


@dataclass(frozen=True)
class Occupant:
    """An outlet trading in the station, as a source gives it to the export.

    ``key`` identifies it in the station for good (a lease's contract number): the feature
    ids follow from it. ``unit_ids`` are our units' primary keys; ``start`` and ``end`` the
    period it trades [start, end) — the day it opened and its lease's end date.
    """

    key: str
    name_zh: str
    name_en: str
    business_type: str | None
    business_class: str | None
    unit_ids: tuple[int, ...]
    start: dt.date | None
    end: dt.date | None
    phone: str | None = None
    website: str | None = None
    extension: dict = field(default_factory=dict)  # "hsr:" properties


# source(station) -> the station's occupants; registered by the apps that know them.
OccupantSource = Callable[[Station], Iterable[Occupant]]
_OCCUPANT_SOURCES: list[OccupantSource] = []


def register_occupants(source: OccupantSource) -> OccupantSource:
    """Add a source of occupants (called from an app's ``ready``); twice is a no-op."""
    if source not in _OCCUPANT_SOURCES:
        _OCCUPANT_SOURCES.append(source)
    return source


def occupant_category(business_type: str | None, business_class: str | None) -> str:
    """The IMDF occupant category of a business type, else of its class."""
    for code in (business_type, business_class):
        if code in OCCUPANT_CATEGORY_BY_TYPE:
            return OCCUPANT_CATEGORY_BY_TYPE[code]
    return DEFAULT_OCCUPANT_CATEGORY


# --- georeferencing -----------------------------------------------------------------------


def _frame(station) -> tuple[float, float, float, float, float, float]:
    """(lat0, lon0, sin θ, cos θ, meridional radius, parallel radius) at the plan origin."""
    lat0 = float(station.latitude)
    lon0 = float(station.longitude)
    if not (math.isfinite(lat0) and math.isfinite(lon0)) or abs(lat0) >= 89.0:
        raise ValueError(
            _("Station latitude %(lat)s cannot be georeferenced on a local plane.") % {"lat": lat0}
        )
    theta = math.radians(float(station.plan_rotation_deg))
    phi = math.radians(lat0)
    w = math.sqrt(1.0 - WGS84_E2 * math.sin(phi) ** 2)
    meridional = WGS84_A * (1.0 - WGS84_E2) / w**3
    prime_vertical = WGS84_A / w
    return lat0, lon0, math.sin(theta), math.cos(theta), meridional, prime_vertical * math.cos(phi)


def plan_to_wgs84(xs, ys, station) -> tuple[np.ndarray, np.ndarray]:
    """Plan metres on the station's plan → (longitudes, latitudes) in degrees, vectorised."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    lat0, lon0, sin_t, cos_t, meridional, parallel = _frame(station)
    east = x * cos_t + y * sin_t
    north = -x * sin_t + y * cos_t
    return lon0 + np.degrees(east / parallel), lat0 + np.degrees(north / meridional)


def wgs84_to_plan(lons, lats, station) -> tuple[np.ndarray, np.ndarray]:
    """(longitudes, latitudes) in degrees → plan metres; the exact inverse of plan_to_wgs84."""
    lon = np.asarray(lons, dtype=float)
    lat = np.asarray(lats, dtype=float)
    lat0, lon0, sin_t, cos_t, meridional, parallel = _frame(station)
    east = np.radians(lon - lon0) * parallel
    north = np.radians(lat - lat0) * meridional
    return east * cos_t - north * sin_t, east * sin_t + north * cos_t


def _geoms_to_wgs84(geoms, station):
    def move(coords: np.ndarray) -> np.ndarray:
        lon, lat = plan_to_wgs84(coords[:, 0], coords[:, 1], station)
        return np.round(np.column_stack([lon, lat]), COORD_DECIMALS)

    return shapely.transform(geoms, move)


def _geoms_to_plan(geoms, station):
    def move(coords: np.ndarray) -> np.ndarray:
        x, y = wgs84_to_plan(coords[:, 0], coords[:, 1], station)
        # Adding 0.0 turns the -0.0 that rounding leaves into 0.0 for tidy WKT.
        return np.round(np.column_stack([x, y]), PLAN_DECIMALS) + 0.0

    return shapely.transform(geoms, move)


# --- export -------------------------------------------------------------------------------


def feature_id(station_code: str, kind: str, key) -> str:
    """The stable id of one exported feature: UUID5 of station code, object kind and key."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{station_code}/{kind}/{key}"))


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _feature(fid: str, feature_type: str, geom, properties: dict) -> dict:
    return {
        "id": fid,
        "type": "Feature",
        "feature_type": feature_type,
        "geometry": None if geom is None else shapely.geometry.mapping(geom),
        "properties": properties,
    }


def _label(zh: str, en: str | None = None) -> dict | None:
    labels = {}
    if zh:
        labels[LANGUAGE] = zh
    if en:
        labels["en"] = en
    return labels or None


def _unit_category(unit: Unit) -> str:
    if unit.kind in (Unit.Kind.SHOP, Unit.Kind.KIOSK):
        types = list(unit.business_types.all())
        classes = {t.parent.code if t.parent_id else t.code for t in types}
        if "catering" in classes:
            return "foodservice"
        if any(t.code == "vip-lounge" for t in types):
            return "privatelounge"
    return UNIT_CATEGORY_BY_KIND.get(unit.kind, "unspecified")


def _instant(day: dt.date | None) -> str | None:
    """The start of ``day`` in the site's time zone, as RFC 3339 (IMDF's TEMPORALITY)."""
    if day is None:
        return None
    start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())
    return start.isoformat()


def _occupant_features(
    station: Station, units: dict[int, Unit], unit_ids: dict[int, str], unit_points: dict
) -> tuple[list[dict], list[dict]]:
    """The occupant and anchor features of the outlets the registered sources give."""
    code = station.code
    occupants, anchors = [], []
    outlets = sorted(
        (o for source in _OCCUPANT_SOURCES for o in source(station)), key=lambda o: o.key
    )
    for outlet in outlets:
        own = sorted((units[pk] for pk in outlet.unit_ids if pk in units), key=lambda u: u.code)
        anchored = [u for u in own if u.kind in PASSENGER_KINDS] or own
        correlation = feature_id(code, "outlet", outlet.key) if len(anchored) > 1 else None
        for unit in anchored:
            key = f"{outlet.key}/{unit.code}"
            anchor_id = feature_id(code, "anchor", key)
            anchors.append(
                _feature(
                    anchor_id,
                    "anchor",
                    unit_points[unit.pk],
                    {"address_id": None, "unit_id": unit_ids[unit.pk]},
                )
            )
            occupants.append(
                _feature(
                    feature_id(code, "occupant", key),
                    "occupant",
                    None,
                    {
                        "name": _label(outlet.name_zh, outlet.name_en),
                        "category": occupant_category(outlet.business_type, outlet.business_class),
                        "anchor_id": anchor_id,
                        "hours": None,
                        "phone": outlet.phone or None,
                        "website": outlet.website or None,
                        "validity": {"start": _instant(outlet.start), "end": _instant(outlet.end)}
                        if outlet.start or outlet.end
                        else None,
                        "correlation_id": correlation,
                        **{f"{EXT}{k}": v for k, v in outlet.extension.items()},
                    },
                )
            )
    return occupants, anchors


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def export_station(station: Station) -> bytes:
    """The station as an IMDF 1.0 zip archive (see the module docstring for its contents).

    Refuses (ValidationError) a station without levels: IMDF has no venue without one.
    """
    code = station.code
    levels = list(Level.objects.filter(station=station).order_by("ordinal"))
    if not levels:
        raise ValidationError(
            _("Station %(code)s has no levels; there is nothing to export.") % {"code": code}
        )
    units = list(
        Unit.objects.filter(station=station)
        .select_related("level")
        .prefetch_related("business_types__parent")
        .order_by("level__ordinal", "code")
    )
    zones = list(
        Zone.objects.filter(level__station=station)
        .select_related("level")
        .order_by("level__ordinal", "pk")
    )
    points = list(
        UtilityPoint.objects.filter(level__station=station)
        .select_related("level", "unit")
        .order_by("level__ordinal", "kind", "code", "pk")
    )

    level_ids = {lv.pk: feature_id(code, "level", lv.ordinal) for lv in levels}
    unit_ids = {u.pk: feature_id(code, "unit", u.code) for u in units}
    address_id = feature_id(code, "address", "station")
    venue_id = feature_id(code, "venue", "station")

    def planar(wkts: Iterable[str]) -> np.ndarray:
        shapes = shapely.from_wkt(list(wkts))
        return shapely.orient_polygons(shapes, exterior_cw=False)

    outlines = planar(lv.outline_wkt for lv in levels)
    hull = shapely.convex_hull(shapely.union_all(outlines))
    anchors_plan = [hull.representative_point(), *shapely.point_on_surface(outlines)]
    unit_shapes = planar(u.polygon_wkt for u in units) if units else np.empty(0, dtype=object)
    zone_shapes = planar(z.polygon_wkt for z in zones) if zones else np.empty(0, dtype=object)
    point_shapes = shapely.points(
        np.asarray([[float(p.x), float(p.y)] for p in points], dtype=float).reshape(-1, 2)
    )

    hull_geo, *level_points_geo = _geoms_to_wgs84(np.asarray(anchors_plan, dtype=object), station)
    venue_geo = _geoms_to_wgs84(shapely.orient_polygons(hull, exterior_cw=False), station)
    outlines_geo = _geoms_to_wgs84(outlines, station)
    units_geo = _geoms_to_wgs84(unit_shapes, station)
    unit_points_geo = _geoms_to_wgs84(shapely.point_on_surface(unit_shapes), station)
    zones_geo = _geoms_to_wgs84(zone_shapes, station)
    zone_points_geo = _geoms_to_wgs84(shapely.point_on_surface(zone_shapes), station)
    points_geo = _geoms_to_wgs84(point_shapes, station)
    display = shapely.geometry.mapping

    address = _feature(
        address_id,
        "address",
        None,
        {
            "address": station.name_zh,
            "unit": None,
            "locality": station.city,
            "province": PROVINCE,
            "country": COUNTRY,
            "postal_code": None,
            "postal_code_ext": None,
            "postal_code_vanity": None,
        },
    )
    venue = _feature(
        venue_id,
        "venue",
        venue_geo,
        {
            "category": "transitstation",
            "restriction": None,
            "name": _label(station.name_zh, station.name_en),
            "alt_name": None,
            "hours": None,
            "phone": None,
            "website": None,
            "display_point": display(hull_geo),
            "address_id": address_id,
            f"{EXT}code": code,
            f"{EXT}tier": station.tier,
            f"{EXT}line": station.line,
            f"{EXT}city": station.city,
            f"{EXT}latitude": str(station.latitude),
            f"{EXT}longitude": str(station.longitude),
            f"{EXT}plan_rotation_deg": str(station.plan_rotation_deg),
        },
    )
    level_features = [
        _feature(
            level_ids[lv.pk],
            "level",
            outline,
            {
                "category": "unspecified",
                "restriction": None,
                "outdoor": False,
                "ordinal": lv.ordinal,
                "name": _label(lv.name),
                "short_name": _label(lv.short_name or lv.name),
                "display_point": display(point),
                "address_id": None,
                "building_ids": None,
                f"{EXT}short_name": lv.short_name,
            },
        )
        for lv, outline, point in zip(levels, outlines_geo, level_points_geo, strict=True)
    ]
    unit_features = [
        _feature(
            unit_ids[u.pk],
            "unit",
            shape,
            {
                "category": _unit_category(u),
                "restriction": None,
                "accessibility": None,
                "name": _label(u.name or u.code),
                "alt_name": _label(u.code),
                "level_id": level_ids[u.level_id],
                "display_point": display(point),
                f"{EXT}code": u.code,
                f"{EXT}kind": u.kind,
                f"{EXT}name": u.name,
                f"{EXT}business_types": sorted(b.code for b in u.business_types.all()),
                f"{EXT}power_kw": str(u.power_kw),
                f"{EXT}has_exhaust": u.has_exhaust,
                f"{EXT}in_paid_area": u.in_paid_area,
                f"{EXT}status": u.status,
                f"{EXT}area_m2": str(u.area_m2),
            },
        )
        for u, shape, point in zip(units, units_geo, unit_points_geo, strict=True)
    ]
    section_features = [
        _feature(
            feature_id(code, "zone", z.pk),
            "section",
            shape,
            {
                "category": SECTION_CATEGORY_BY_KIND.get(z.kind, "walkway"),
                "restriction": None,
                "accessibility": None,
                "name": _label(z.name),
                "alt_name": None,
                "display_point": display(point),
                "level_id": level_ids[z.level_id],
                "address_id": None,
                "correlation_id": None,
                "parents": None,
                f"{EXT}kind": z.kind,
                f"{EXT}name": z.name,
            },
        )
        for z, shape, point in zip(zones, zones_geo, zone_points_geo, strict=True)
    ]
    amenity_features, utility_features = [], []
    for p, point in zip(points, points_geo, strict=True):
        fid = feature_id(code, "utility", p.pk)
        linked = [unit_ids[p.unit_id]] if p.unit_id else []
        if p.kind in AMENITY_KINDS:
            category, zh, en = AMENITY_KINDS[p.kind]
            amenity_features.append(
                _feature(
                    fid,
                    "amenity",
                    point,
                    {
                        "category": category,
                        "accessibility": None,
                        "name": _label(zh, en),
                        "alt_name": _label(p.code),
                        "hours": None,
                        "phone": None,
                        "website": None,
                        "unit_ids": linked,
                        "address_id": None,
                        "correlation_id": None,
                        f"{EXT}kind": p.kind,
                        f"{EXT}code": p.code,
                        f"{EXT}level_id": level_ids[p.level_id],
                    },
                )
            )
        else:
            utility_features.append(
                _feature(
                    fid,
                    UTILITY_FEATURE_TYPE,
                    point,
                    {
                        "category": p.kind,
                        "code": p.code,
                        "capacity_kw": None if p.capacity_kw is None else str(p.capacity_kw),
                        "level_id": level_ids[p.level_id],
                        "unit_ids": linked,
                    },
                )
            )
    occupant_features, anchor_features = _occupant_features(
        station,
        {u.pk: u for u in units},
        unit_ids,
        {u.pk: point for u, point in zip(units, unit_points_geo, strict=True)},
    )
    files = {
        MANIFEST: {
            "version": IMDF_VERSION,
            "created": timezone.now().replace(microsecond=0).isoformat(),
            "generated_by": GENERATED_BY,
            "language": LANGUAGE,
            "extensions": [EXTENSION_ID],
        },
        "address.geojson": _collection([address]),
        "venue.geojson": _collection([venue]),
        "level.geojson": _collection(level_features),
        "unit.geojson": _collection(unit_features),
        "section.geojson": _collection(section_features),
        "opening.geojson": _collection([]),
        "amenity.geojson": _collection(amenity_features),
        "occupant.geojson": _collection(occupant_features),
        "anchor.geojson": _collection(anchor_features),
        f"{UTILITY_FEATURE_TYPE}.geojson": _collection(utility_features),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, _dumps(content))
    return buffer.getvalue()


# --- import: reading and checking ---------------------------------------------------------


class ArchiveInvalid(ValidationError):
    """An IMDF archive that cannot be imported; ``faults`` lists every reason."""

    def __init__(self, faults: list[str]):
        self.faults = list(faults)
        shown = self.faults[:MAX_REPORTED_FAULTS]
        if len(self.faults) > MAX_REPORTED_FAULTS:
            shown.append(
                _("… and %(n)d more faults.") % {"n": len(self.faults) - MAX_REPORTED_FAULTS}
            )
        super().__init__(shown)


@dataclass
class _Feature:
    file: str
    id: str
    properties: dict
    geometry: Any = None  # shapely geometry in WGS84, then in plan metres


@dataclass
class _Reading:
    manifest: dict = field(default_factory=dict)
    files: dict[str, list[_Feature]] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    # Every feature id seen per file, also of features refused: a reference to one of those
    # is not reported again. A file that could not be read at all is missing here.
    ids: dict[str, set[str]] = field(default_factory=dict)

    def refers(self, name: str, ref) -> bool | None:
        """Whether ``ref`` names a feature of file ``name``; None when that file is unread."""
        if name not in self.ids:
            return None
        return isinstance(ref, str) and ref in self.ids[name]

    def fault(self, file: str, fid: str | None, text: str) -> None:
        if fid is None:
            self.faults.append(_("%(file)s: %(text)s") % {"file": file, "text": text})
        else:
            self.faults.append(
                _("%(file)s, feature %(id)s: %(text)s") % {"file": file, "id": fid, "text": text}
            )


def _unsafe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        name.startswith(("/", "\\"))
        or "\\" in name
        or ".." in parts
        or (len(name) > 1 and name[1] == ":")
        or "\x00" in name
    )


def _open_zip(data) -> zipfile.ZipFile:
    if isinstance(data, (bytes, bytearray, memoryview)):
        source = io.BytesIO(bytes(data))
    elif hasattr(data, "read"):
        source = data
        if not (hasattr(data, "seekable") and data.seekable()):
            source = io.BytesIO(data.read(MAX_UNCOMPRESSED_BYTES + 1))
    else:
        raise TypeError("import_station takes bytes or a binary file object")
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise ArchiveInvalid([_("The file is not a zip archive.")]) from None


def _read_members(archive: zipfile.ZipFile, reading: _Reading) -> dict[str, bytes]:
    # Count, total size and inflation judged from the directory before anything is inflated.
    fault = archive_fault(
        archive,
        max_members=MAX_MEMBERS,
        max_total_bytes=MAX_UNCOMPRESSED_BYTES,
        max_ratio=ARCHIVE_MAX_RATIO,
    )
    if fault:
        raise ArchiveInvalid([fault])
    infos = archive.infolist()
    unsafe = [info.filename for info in infos if _unsafe_name(info.filename)]
    if unsafe:
        raise ArchiveInvalid(
            [
                _(
                    "The archive member name “%(name)s” is unsafe (absolute or leaving the archive)."
                )
                % {"name": name}
                for name in unsafe
            ]
        )
    wanted = {MANIFEST, *REQUIRED_FILES, *OPTIONAL_FILES}
    present = {info.filename: info for info in infos if not info.is_dir()}
    contents: dict[str, bytes] = {}
    for name in (MANIFEST, *REQUIRED_FILES):
        if name not in present:
            reading.fault(name, None, _("the archive has no such file; it is required."))
    for name in sorted(wanted & present.keys()):
        try:
            contents[name] = archive.read(present[name])
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as e:
            reading.fault(name, None, _("cannot be unpacked (%(error)s).") % {"error": e})
    return contents


def _parse_json(name: str, raw: bytes, reading: _Reading):
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        reading.fault(name, None, _("is not UTF-8 text."))
    except json.JSONDecodeError as exc:
        reading.fault(
            name,
            None,
            _("is not valid JSON (line %(line)d, column %(col)d: %(msg)s).")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
        )
    except RecursionError:
        reading.fault(name, None, _("is nested too deeply to read."))
    return None


def _check_geometry(name: str, fid: str, raw, allowed, reading: _Reading):
    """The feature's geometry as a shapely object in WGS84, or None after recording a fault."""
    if allowed is None:
        if raw is not None:
            reading.fault(name, fid, _("geometry must be null for this feature type."))
        return None
    if not isinstance(raw, dict) or raw.get("type") not in allowed:
        kind = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
        reading.fault(
            name,
            fid,
            _("geometry must be %(allowed)s, not %(kind)s.")
            % {"allowed": " or ".join(allowed), "kind": kind},
        )
        return None
    try:
        with warnings.catch_warnings():
            # NaN coordinates make GEOS warn; they are reported below as a fault instead.
            warnings.simplefilter("ignore", RuntimeWarning)
            geom = shapely.geometry.shape(raw)
    except (
        shapely.errors.GEOSException,
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        AttributeError,
    ) as exc:
        reading.fault(
            name, fid, _("geometry coordinates are malformed (%(error)s).") % {"error": exc}
        )
        return None
    coords = shapely.get_coordinates(geom)
    if geom.is_empty or not len(coords):
        reading.fault(name, fid, _("geometry is empty."))
        return None
    if not np.isfinite(coords).all():
        reading.fault(name, fid, _("geometry has a coordinate that is not a finite number."))
        return None
    if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        reading.fault(
            name,
            fid,
            _("geometry has a coordinate outside longitude ±180° / latitude ±90° ([lon, lat])."),
        )
        return None
    return geom


def _read_archive(data) -> _Reading:
    reading = _Reading()
    with _open_zip(data) as archive:
        contents = _read_members(archive, reading)
    if MANIFEST in contents:
        manifest = _parse_json(MANIFEST, contents[MANIFEST], reading)
        if manifest is not None and not isinstance(manifest, dict):
            reading.fault(MANIFEST, None, _("must be a JSON object."))
        elif manifest is not None:
            reading.manifest = manifest
            if manifest.get("version") != IMDF_VERSION:
                reading.fault(
                    MANIFEST,
                    None,
                    _("IMDF version is “%(version)s”; only %(supported)s is supported.")
                    % {"version": manifest.get("version"), "supported": IMDF_VERSION},
                )
            for key in ("created", "language"):
                if not isinstance(manifest.get(key), str) or not manifest[key].strip():
                    reading.fault(
                        MANIFEST, None, _("the required “%(key)s” is missing.") % {"key": key}
                    )
    seen_ids: dict[str, str] = {}
    for name, (feature_type, allowed) in FILE_SHAPES.items():
        if name not in contents:
            continue
        collection = _parse_json(name, contents[name], reading)
        if collection is None:
            continue
        if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
            reading.fault(name, None, _("must be a GeoJSON FeatureCollection."))
            continue
        raw_features = collection.get("features")
        if not isinstance(raw_features, list):
            reading.fault(name, None, _("has no “features” list."))
            continue
        features = []
        reading.ids[name] = set()
        for index, raw in enumerate(raw_features):
            fid = raw.get("id") if isinstance(raw, dict) else None
            label = fid if isinstance(fid, str) and fid else f"#{index + 1}"
            if not isinstance(raw, dict) or raw.get("type") != "Feature":
                reading.fault(name, label, _("is not a GeoJSON Feature."))
                continue
            try:
                if not isinstance(fid, str):
                    raise ValueError(fid)
                uuid.UUID(fid)
            except ValueError:
                reading.fault(name, label, _("“id” must be a UUID."))
                continue
            if fid in seen_ids:
                reading.fault(
                    name,
                    fid,
                    _("the id is used again (first in %(file)s).") % {"file": seen_ids[fid]},
                )
                continue
            seen_ids[fid] = name
            reading.ids.setdefault(name, set()).add(fid)
            if raw.get("feature_type") != feature_type:
                reading.fault(
                    name,
                    fid,
                    _("“feature_type” must be “%(expected)s”, not “%(found)s”.")
                    % {"expected": feature_type, "found": raw.get("feature_type")},
                )
                continue
            if "geometry" not in raw:
                reading.fault(name, fid, _("has no “geometry” member."))
                continue
            properties = raw.get("properties")
            if not isinstance(properties, dict):
                reading.fault(name, fid, _("“properties” must be an object."))
                continue
            geom = _check_geometry(name, fid, raw["geometry"], allowed, reading)
            if allowed is not None and geom is None:
                continue
            features.append(_Feature(name, fid, properties, geom))
        reading.files[name] = features
    return reading


# --- import: from features to what the services take --------------------------------------


def _first_label(value) -> str:
    if isinstance(value, dict):
        for key in (LANGUAGE, "zh", "zh-CN", "en"):
            if isinstance(value.get(key), str) and value[key].strip():
                return value[key].strip()
        for text in value.values():
            if isinstance(text, str) and text.strip():
                return text.strip()
    return ""


def _text(props: dict, key: str, default: str = "") -> str:
    value = props.get(key, default)
    return value if isinstance(value, str) else default


def _amount(reading: _Reading, feature: _Feature, key: str, value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        reading.fault(feature.file, feature.id, _("“%(key)s” must be a number.") % {"key": key})
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0:
        reading.fault(
            feature.file,
            feature.id,
            _("“%(key)s” must be a finite number ≥ 0, not %(value)s.")
            % {"key": key, "value": value},
        )
        return None
    return number.quantize(Decimal("0.01"))


def _flag(reading: _Reading, feature: _Feature, key: str) -> bool:
    value = feature.properties.get(key, False)
    if not isinstance(value, bool):
        reading.fault(
            feature.file, feature.id, _("“%(key)s” must be true or false.") % {"key": key}
        )
        return False
    return value


@dataclass
class _Plan:
    station: dict
    levels: list[dict]  # name, short_name, ordinal, outline, id
    zones: dict[str, list[dict]]  # level id → kind, name, polygon
    points: dict[str, list[services.PointSpec]]  # level id → specs
    units: dict[str, list[services.UnitSpec]]  # level id → specs
    unit_fids: dict[str, dict[str, str]]  # level id → unit code → feature id


def _station_fields(reading: _Reading, code: str | None) -> tuple[dict, Any]:
    venues = reading.files.get("venue.geojson", [])
    if len(venues) != 1:
        reading.fault(
            "venue.geojson",
            None,
            _("must hold exactly one venue, not %(n)d.") % {"n": len(venues)},
        )
        return {}, None
    venue = venues[0]
    props = venue.properties
    addresses = {a.id: a for a in reading.files.get("address.geojson", [])}
    address_ref = props.get("address_id")
    address = addresses.get(address_ref) if isinstance(address_ref, str) else None
    if reading.refers("address.geojson", props.get("address_id")) is False:
        reading.fault(
            venue.file,
            venue.id,
            _("address_id %(ref)s does not match any address.") % {"ref": props.get("address_id")},
        )
    names = props.get("name") if isinstance(props.get("name"), dict) else {}
    lat = props.get(f"{EXT}latitude")
    lon = props.get(f"{EXT}longitude")
    if lat is None or lon is None:
        point = props.get("display_point")
        coords = point.get("coordinates") if isinstance(point, dict) else None
        if isinstance(coords, list) and len(coords) == 2:
            lon, lat = coords
    fields = {
        "code": code if code is not None else _text(props, f"{EXT}code"),
        "name_zh": _text(names, LANGUAGE) or _first_label(names),
        "name_en": _text(names, "en") or _first_label(names),
        "line": _text(props, f"{EXT}line"),
        "city": _text(props, f"{EXT}city")
        or (_text(address.properties, "locality") if address else ""),
        "tier": _text(props, f"{EXT}tier"),
        "latitude": lat,
        "longitude": lon,
        "plan_rotation_deg": props.get(f"{EXT}plan_rotation_deg", "0"),
    }
    for key in ("latitude", "longitude", "plan_rotation_deg"):
        try:
            fields[key] = Decimal(str(fields[key])).quantize(
                Decimal("0.000001") if key != "plan_rotation_deg" else Decimal("0.01")
            )
        except (InvalidOperation, ValueError):
            reading.fault(
                venue.file,
                venue.id,
                _("the station's %(key)s is not a number (%(value)s).")
                % {"key": key, "value": fields[key]},
            )
            fields[key] = None
    if not fields["code"]:
        reading.fault(
            venue.file,
            venue.id,
            _("has no station code (“%(key)s”); give one with --code.") % {"key": f"{EXT}code"},
        )
    elif Station.objects.filter(code=fields["code"]).exists():
        reading.fault(
            venue.file,
            venue.id,
            _("station code %(code)s already exists; import it under another code.")
            % {"code": fields["code"]},
        )
    try:
        Station(**fields).full_clean(validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                reading.fault(venue.file, venue.id, f"{name}: {message}")
    return fields, venue


def _plan_from(reading: _Reading, fields: dict) -> _Plan:
    """Turn the checked features into plan-metre shapes and service specs, noting faults."""
    station = Station(**{k: v for k, v in fields.items() if v is not None})
    if any(fields.get(k) is None for k in ("latitude", "longitude", "plan_rotation_deg")):
        return _Plan(fields, [], {}, {}, {}, {})
    try:
        _frame(station)
    except ValueError as exc:
        reading.fault("venue.geojson", None, str(exc))
        return _Plan(fields, [], {}, {}, {}, {})

    def to_plan(features: list[_Feature]) -> None:
        if features:
            shapes = _geoms_to_plan(
                np.asarray([f.geometry for f in features], dtype=object), station
            )
            for feature, shape in zip(features, shapes, strict=True):
                feature.geometry = shape

    levels_raw = reading.files.get("level.geojson", [])
    to_plan(levels_raw)
    levels, ordinals, names = [], Counter(), Counter()
    for feature in levels_raw:
        props = feature.properties
        ordinal = props.get("ordinal")
        name = _first_label(props.get("name"))
        if isinstance(ordinal, bool) or not isinstance(ordinal, int):
            reading.fault(feature.file, feature.id, _("“ordinal” must be an integer."))
            continue
        if not name:
            reading.fault(feature.file, feature.id, _("the level has no name."))
            continue
        ordinals[ordinal] += 1
        names[name] += 1
        short = props.get(f"{EXT}short_name")
        levels.append(
            {
                "id": feature.id,
                "name": name,
                "ordinal": ordinal,
                "short_name": short
                if isinstance(short, str)
                else _first_label(props.get("short_name")),
                "outline": feature.geometry,
            }
        )
    if not levels_raw and "level.geojson" in reading.files:
        reading.fault("level.geojson", None, _("holds no level; a station needs at least one."))
    for ordinal, n in ordinals.items():
        if n > 1:
            reading.fault(
                "level.geojson",
                None,
                _("ordinal %(n)s is used by more than one level.") % {"n": ordinal},
            )
    for name, n in names.items():
        if n > 1:
            reading.fault(
                "level.geojson",
                None,
                _("the name “%(name)s” is used by more than one level.") % {"name": name},
            )
    level_by_id = {lv["id"]: lv for lv in levels}

    def level_of(feature: _Feature, ref) -> str | None:
        if isinstance(ref, str) and ref in level_by_id:
            return ref
        if reading.refers("level.geojson", ref) is False:  # else reported already
            reading.fault(
                feature.file,
                feature.id,
                _("level_id %(ref)s does not match any level.") % {"ref": ref},
            )
        return None

    zones: dict[str, list[dict]] = {lv["id"]: [] for lv in levels}
    sections = reading.files.get("section.geojson", [])
    to_plan(sections)
    for feature in sections:
        props = feature.properties
        kind = _text(props, f"{EXT}kind")
        if not kind and props.get(f"{EXT}kind") is None:
            if _text(props, "category") != "paidarea":
                continue  # a section made elsewhere that is not one of our zones
            kind = Zone.Kind.PAID_AREA
        level_id = level_of(feature, props.get("level_id"))
        if kind not in Zone.Kind.values:
            reading.fault(
                feature.file,
                feature.id,
                _("zone kind “%(kind)s” is not one of %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(Zone.Kind.values)},
            )
            continue
        fault = geometry.polygon_faults([feature.geometry])[0]
        if fault:
            reading.fault(feature.file, feature.id, _("polygon %(fault)s.") % {"fault": fault})
            continue
        if level_id:
            name = _text(props, f"{EXT}name") or _first_label(props.get("name"))
            zones[level_id].append(
                {"kind": kind, "name": name[:128], "polygon": feature.geometry, "id": feature.id}
            )

    units_raw = reading.files.get("unit.geojson", [])
    to_plan(units_raw)
    unit_codes: set[str] = set()
    unit_level: dict[str, str | None] = {}
    units: dict[str, list[services.UnitSpec]] = {lv["id"]: [] for lv in levels}
    unit_fids: dict[str, dict[str, str]] = {lv["id"]: {} for lv in levels}
    all_types: set[str] = set()
    for feature in units_raw:
        props = feature.properties
        level_id = level_of(feature, props.get("level_id"))
        unit_level[feature.id] = level_id
        kind = _text(props, f"{EXT}kind")
        if not kind and props.get(f"{EXT}kind") is None:
            kind = UNIT_KIND_BY_CATEGORY.get(_text(props, "category"), "")
            if not kind:
                continue  # a unit made elsewhere that is not a lettable space
        code = _text(props, f"{EXT}code") or _first_label(props.get("alt_name"))
        if not code or len(code) > 32:
            reading.fault(feature.file, feature.id, _("the unit code must be 1 to 32 characters."))
            continue
        if code in unit_codes:
            reading.fault(
                feature.file, feature.id, _("unit code %(code)s is used twice.") % {"code": code}
            )
            continue
        unit_codes.add(code)
        if kind not in Unit.Kind.values:
            reading.fault(
                feature.file,
                feature.id,
                _("unit kind “%(kind)s” is not one of %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(Unit.Kind.values)},
            )
            continue
        types = props.get(f"{EXT}business_types", [])
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            reading.fault(feature.file, feature.id, _("business types must be a list of codes."))
            continue
        all_types.update(types)
        power = _amount(reading, feature, f"{EXT}power_kw", props.get(f"{EXT}power_kw", "0"))
        has_exhaust = _flag(reading, feature, f"{EXT}has_exhaust")
        in_paid_area = _flag(reading, feature, f"{EXT}in_paid_area")
        name = _text(props, f"{EXT}name")
        if f"{EXT}name" not in props:
            label = _first_label(props.get("name"))
            name = "" if label == code else label
        if power is None or level_id is None:
            continue
        units[level_id].append(
            services.UnitSpec(
                code=code,
                polygon=feature.geometry,
                kind=kind,
                business_types=list(types),
                power_kw=power,
                has_exhaust=has_exhaust,
                name=name[:128],
                in_paid_area=in_paid_area,
            )
        )
        unit_fids[level_id][code] = feature.id
    known = set(BusinessCategory.objects.filter(code__in=all_types).values_list("code", flat=True))
    for missing in sorted(all_types - known):
        reading.fault(
            "unit.geojson", None, _("unknown business type “%(code)s”.") % {"code": missing}
        )

    points: dict[str, list[services.PointSpec]] = {lv["id"]: [] for lv in levels}
    point_fids: dict[str, list[str]] = {lv["id"]: [] for lv in levels}
    amenities = reading.files.get("amenity.geojson", [])
    utilities = reading.files.get(f"{UTILITY_FEATURE_TYPE}.geojson", [])
    to_plan(amenities)
    to_plan(utilities)
    for feature in amenities + utilities:
        props = feature.properties
        is_amenity = feature.file == "amenity.geojson"
        linked = props.get("unit_ids", [])
        if not isinstance(linked, list):
            reading.fault(feature.file, feature.id, _("“unit_ids” must be a list."))
            continue
        unknown = [ref for ref in linked if reading.refers("unit.geojson", ref) is False]
        if linked and not unknown and "unit.geojson" not in reading.ids:
            continue  # the missing unit file is reported already
        if unknown:
            reading.fault(
                feature.file,
                feature.id,
                _("unit_ids %(refs)s do not match any unit.")
                % {"refs": ", ".join(str(r) for r in unknown)},
            )
            continue
        if is_amenity:
            kind = _text(props, f"{EXT}kind")
            if not kind:
                if not str(props.get("category", "")).startswith("restroom"):
                    continue  # an amenity we keep no record of (not a water/power interface)
                kind = UtilityPoint.Kind.TOILET
            level_ref = props.get(f"{EXT}level_id") or (
                unit_level.get(linked[0]) if linked and isinstance(linked[0], str) else None
            )
            code = _text(props, f"{EXT}code")
            capacity = None
        else:
            kind = _text(props, "category")
            level_ref = props.get("level_id")
            code = _text(props, "code")
            capacity = props.get("capacity_kw")
        if kind not in UtilityPoint.Kind.values or (is_amenity and kind not in AMENITY_KINDS):
            reading.fault(
                feature.file,
                feature.id,
                _("utility kind “%(kind)s” is not one of %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(UtilityPoint.Kind.values)},
            )
            continue
        if len(code) > 32:
            reading.fault(feature.file, feature.id, _("the code is longer than 32 characters."))
            continue
        if (kind == UtilityPoint.Kind.CABINET) != (capacity is not None):
            reading.fault(
                feature.file,
                feature.id,
                _("a distribution cabinet needs its capacity in kW; other points have none."),
            )
            continue
        if capacity is not None:
            capacity = _amount(reading, feature, "capacity_kw", capacity)
            if capacity is None:
                continue
        level_id = level_of(feature, level_ref)
        if level_id is None:
            continue
        x, y = feature.geometry.x, feature.geometry.y
        if max(abs(x), abs(y)) >= 10_000_000:
            reading.fault(feature.file, feature.id, _("lies too far from the station."))
            continue
        points[level_id].append(
            services.PointSpec(
                kind=kind,
                x=Decimal(repr(x)).quantize(Decimal("0.01")),
                y=Decimal(repr(y)).quantize(Decimal("0.01")),
                capacity_kw=capacity,
                code=code,
            )
        )
        point_fids[level_id].append(feature.id)

    plan = _Plan(fields, levels, zones, points, units, unit_fids)
    _plan_faults(reading, plan, point_fids)
    return plan


def _plan_faults(reading: _Reading, plan: _Plan, point_fids: dict[str, list[str]]) -> None:
    """The plan rules of stations.geometry, checked per level before anything is saved."""
    for level in plan.levels:
        outline = level["outline"]
        fault = geometry.polygon_faults([outline])[0]
        if fault:
            reading.fault(
                "level.geojson", level["id"], _("outline polygon %(fault)s.") % {"fault": fault}
            )
            continue
        specs = plan.units[level["id"]]
        fids = plan.unit_fids[level["id"]]
        no_build = [
            (z["name"] or str(Zone.Kind(z["kind"]).label), z["polygon"])
            for z in plan.zones[level["id"]]
            if z["kind"] in Zone.NO_BUILD_KINDS
        ]
        violations = geometry.check_units(
            outline=outline,
            codes=[s.code for s in specs],
            polygons=[s.polygon for s in specs],
            no_build_zones=no_build,
        )
        for violation in violations:
            reading.fault(
                "unit.geojson",
                ", ".join(fids[c] for c in violation.codes),
                violation.message,
            )
        level_points = plan.points[level["id"]]
        if level_points:
            outside = geometry.points_outside(
                outline, [float(p.x) for p in level_points], [float(p.y) for p in level_points]
            )
            for fid, out in zip(point_fids[level["id"]], outside, strict=True):
                if out:
                    reading.fault(
                        "amenity/utility", fid, _("the point lies outside its level's outline.")
                    )
    allocated = sum((s.power_kw for specs in plan.units.values() for s in specs), Decimal("0"))
    capacity = sum(
        (p.capacity_kw or Decimal("0") for specs in plan.points.values() for p in specs),
        Decimal("0"),
    )
    if allocated > capacity:
        reading.fault(
            "unit.geojson",
            None,
            _(
                "the units are allocated %(allocated)s kW but the distribution cabinets "
                "provide only %(capacity)s kW."
            )
            % {"allocated": allocated, "capacity": capacity},
        )


def _check_references(reading: _Reading) -> None:
    """References that the import does not use yet but a valid archive must keep."""
    checks = (
        (
            "opening.geojson",
            "level_id",
            "level.geojson",
            _("level_id %(ref)s does not match any level."),
        ),
        (
            "anchor.geojson",
            "unit_id",
            "unit.geojson",
            _("unit_id %(ref)s does not match any unit."),
        ),
        (
            "occupant.geojson",
            "anchor_id",
            "anchor.geojson",
            _("anchor_id %(ref)s does not match any anchor."),
        ),
    )
    for name, key, target, message in checks:
        for feature in reading.files.get(name, []):
            ref = feature.properties.get(key)
            if reading.refers(target, ref) is False:
                reading.fault(feature.file, feature.id, message % {"ref": ref})
    for feature in reading.files.get("anchor.geojson", []):
        ref = feature.properties.get("address_id")
        if ref is not None and reading.refers("address.geojson", ref) is False:
            reading.fault(
                feature.file,
                feature.id,
                _("address_id %(ref)s does not match any address.") % {"ref": ref},
            )


def check_archive(data, *, code: str | None = None) -> _Plan:
    """Read and check an archive without writing; raise ArchiveInvalid with every fault."""
    reading = _read_archive(data)
    fields, venue = (
        _station_fields(reading, code) if "venue.geojson" in reading.files else ({}, None)
    )
    plan = _plan_from(reading, fields) if venue is not None else None
    _check_references(reading)
    if reading.faults or plan is None:
        raise ArchiveInvalid(reading.faults or [_("The archive holds no venue.")])
    return plan


def import_station(data, *, actor=None, code: str | None = None) -> Station:
    """Create a station from an IMDF archive (bytes or a binary file), all or nothing.

    The whole archive is checked first (see :func:`check_archive`); ``code`` imports it under
    another station code. The station, its levels, zones, utility points and units are then
    created through the services in one transaction: any fault they find undoes everything.
    """
    plan = check_archive(data, code=code)
    try:
        with transaction.atomic():
            station = services.station_create(actor=actor, **plan.station)
            levels = {}
            for spec in plan.levels:
                levels[spec["id"]] = services.level_create(
                    actor=actor,
                    station=station,
                    name=spec["name"],
                    ordinal=spec["ordinal"],
                    outline=spec["outline"],
                    short_name=spec["short_name"][:16],
                )
            for level_id, zones in plan.zones.items():
                for zone in zones:
                    services.zone_create(
                        actor=actor,
                        level=levels[level_id],
                        kind=zone["kind"],
                        polygon=zone["polygon"],
                        name=zone["name"],
                    )
            # Cabinets before units: a unit's power must be covered by cabinet capacity.
            for level_id, specs in plan.points.items():
                if specs:
                    services.utility_points_create(
                        actor=actor, level=levels[level_id], specs=specs
                    )
            for level_id, specs in plan.units.items():
                if specs:
                    services.units_create(actor=actor, level=levels[level_id], specs=specs)
    except ValidationError as exc:
        raise ArchiveInvalid(
            [_("The archive could not be saved; nothing was imported."), *exc.messages]
        ) from exc
    except IntegrityError as exc:
        raise ArchiveInvalid(
            [_("The archive could not be saved; nothing was imported."), str(exc)]
        ) from exc
    return station
