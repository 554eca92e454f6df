"""Floor-plan geometry rules, vectorised with shapely 2 (no pairwise Python loops).

Coordinates are plan metres. A unit polygon must be valid, lie inside its level's outline,
overlap no other unit (sharing an edge is fine) and no no-build zone; utility points belong
to the unit that contains them. Every rule reports all of its violations at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely import Polygon

MIN_AREA_M2 = 0.1
MAX_VERTICES = 10_000
# Plan metres from the station's origin, within what a utility point's x/y can store. Beyond
# it an area can no longer be stored, or even computed (a float area overflows to inf).
MAX_COORDINATE_M = 10_000_000
# An area computed from float coordinates far from the origin is off by ~1e-11 m²; a polygon
# drawn at exactly the minimum must not be refused for that.
AREA_TOLERANCE_M2 = 1e-6
# Below this an "overlap" is floating-point noise along a shared edge, not two shops in one place.
OVERLAP_TOLERANCE_M2 = 1e-4
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, the unit codes involved, and the overlap area if any."""

    rule: str
    codes: tuple[str, ...]
    message: str
    area_m2: Decimal | None = None

    def __str__(self) -> str:
        return self.message


class PlanInvalid(ValidationError):
    """Raised with every violation of a plan change; nothing of the change is saved."""

    def __init__(self, violations: Sequence[Violation]):
        self.violations = list(violations)
        super().__init__([v.message for v in self.violations])


@dataclass
class ParsedPolygon:
    polygon: Polygon | None
    fault: str | None = field(default=None)


def area_m2(polygon: Polygon) -> Decimal:
    """The polygon's area as stored: m², 2 decimal places."""
    return round_m2(polygon.area)


def round_m2(value: float) -> Decimal:
    """An area in m² as stored and shown: a Decimal with 2 places."""
    return Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_geometry(value) -> ParsedPolygon:
    """Parse WKT or GeoJSON (text or mapping) into a polygon, or say why it is not one.

    Only the parsing and the type are checked here; :func:`polygon_faults` checks validity.
    """
    if isinstance(value, Polygon):
        return ParsedPolygon(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return ParsedPolygon(None, _("is empty"))
    if isinstance(value, dict):
        # Through the same GeoJSON reader as text, so that an unclosed ring is refused here too
        # (shapely.geometry.shape would close it silently).
        try:
            value = json.dumps(value, allow_nan=False, default=float)
        except ValueError:
            return ParsedPolygon(None, _("has a coordinate that is not a finite number"))
        except TypeError as exc:
            return ParsedPolygon(
                None, _("is not valid WKT or GeoJSON (%(detail)s)") % {"detail": exc}
            )
    try:
        text = str(value).strip()
        parse = shapely.from_geojson if text.startswith("{") else shapely.from_wkt
        geom = parse(text)
    except (shapely.errors.GEOSException, ValueError, TypeError, KeyError, AttributeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        if "closed" in detail.lower():
            return ParsedPolygon(None, _("the ring is not closed"))
        return ParsedPolygon(
            None, _("is not valid WKT or GeoJSON (%(detail)s)") % {"detail": detail}
        )
    except json.JSONDecodeError as exc:  # pragma: no cover - from_geojson raises GEOSException
        return ParsedPolygon(None, _("is not valid GeoJSON (%(detail)s)") % {"detail": exc})
    if geom is None or geom.geom_type != "Polygon":
        kind = "empty" if geom is None else geom.geom_type
        return ParsedPolygon(None, _("must be a Polygon, not %(kind)s") % {"kind": kind})
    return ParsedPolygon(geom)


def polygon_faults(
    polygons: Sequence[Polygon], *, min_area_m2: float = MIN_AREA_M2
) -> list[str | None]:
    """For each polygon, the first fault that makes it unusable as a plan shape, or None.

    Vectorised: non-finite coordinates, too many vertices, self-intersection and other
    invalidity, emptiness and a too-small area are all computed over the whole array.
    """
    arr = np.asarray(polygons, dtype=object)
    if arr.size == 0:
        return []
    n = len(arr)
    coords = shapely.get_coordinates(arr)
    counts = shapely.get_num_coordinates(arr)
    owners = np.repeat(np.arange(n), counts)
    nonfinite = np.zeros(n, dtype=bool)
    nonfinite[owners[~np.isfinite(coords).all(axis=1)]] = True
    far = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        far[owners[(np.abs(coords) > MAX_COORDINATE_M).any(axis=1)]] = True
    empty = shapely.is_empty(arr)
    # Every ring repeats its first vertex to close itself: the exterior and each hole.
    rings = np.where(empty, 0, shapely.get_num_interior_rings(arr) + 1)
    vertices = counts - rings
    too_many = vertices > MAX_VERTICES
    finite_ok = ~nonfinite & ~far & ~empty & ~too_many
    valid = np.zeros(n, dtype=bool)
    reasons = np.full(n, None, dtype=object)
    areas = np.zeros(n)
    if finite_ok.any():
        valid[finite_ok] = shapely.is_valid(arr[finite_ok])
        areas[finite_ok] = shapely.area(arr[finite_ok])
        invalid_idx = np.flatnonzero(finite_ok & ~valid)
        if invalid_idx.size:
            reasons[invalid_idx] = shapely.is_valid_reason(arr[invalid_idx])
    faults: list[str | None] = [None] * n
    big_enough = areas >= min_area_m2 - AREA_TOLERANCE_M2
    for i in np.flatnonzero(~(finite_ok & valid & big_enough)):
        if empty[i]:
            faults[i] = _("is empty")
        elif nonfinite[i]:
            faults[i] = _("has a coordinate that is not a finite number")
        elif far[i]:
            faults[i] = _("has a coordinate more than %(max)s m from the plan origin") % {
                "max": f"{MAX_COORDINATE_M:,}"
            }
        elif too_many[i]:
            faults[i] = _("has %(n)d vertices; at most %(max)d are allowed") % {
                "n": vertices[i],
                "max": MAX_VERTICES,
            }
        elif not valid[i]:
            faults[i] = _("is not a valid polygon: %(reason)s") % {"reason": reasons[i]}
        else:
            faults[i] = _("has an area of %(area).4f m²; the minimum is %(min)s m²") % {
                "area": areas[i],
                "min": min_area_m2,
            }
    return faults


def check_units(
    *,
    outline: Polygon,
    codes: Sequence[str],
    polygons: Sequence[Polygon],
    no_build_zones: Sequence[tuple[str, Polygon]] = (),
) -> list[Violation]:
    """Every rule for the units of one level, all at once.

    ``codes``/``polygons`` are the level's units as they would be after the change (the
    existing ones included), so overlaps between new and old units are found too.
    """
    violations: list[Violation] = []
    polys = np.asarray(polygons, dtype=object)
    codes_arr = np.asarray(codes, dtype=object)
    faults = polygon_faults(polys)
    for code, fault in zip(codes, faults, strict=True):
        if fault:
            violations.append(
                Violation(
                    "invalid",
                    (code,),
                    _("Unit %(code)s: polygon %(fault)s.") % {"code": code, "fault": fault},
                )
            )
    good = np.array([f is None for f in faults], dtype=bool)
    if not good.any():
        return violations
    polys, codes_arr = polys[good], codes_arr[good]
    shapely.prepare(outline)

    outside = np.flatnonzero(~shapely.covers(outline, polys))
    if outside.size:
        outside_area = shapely.area(shapely.difference(polys[outside], outline))
        # As for overlaps: a unit drawn along the outline's edge (rotated or far from the
        # origin) pokes out by float noise only; that is not a unit outside the level.
        real = outside_area > OVERLAP_TOLERANCE_M2
        for code, area in zip(codes_arr[outside[real]], outside_area[real], strict=True):
            violations.append(
                Violation(
                    "outside_level",
                    (code,),
                    _("Unit %(code)s lies outside the level outline by %(area)s m².")
                    % {"code": code, "area": round_m2(area)},
                    round_m2(area),
                )
            )

    tree = shapely.STRtree(polys)
    left, right = tree.query(polys, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    if left.size:
        overlap = shapely.area(shapely.intersection(polys[left], polys[right]))
        hits = overlap > OVERLAP_TOLERANCE_M2
        for i, j, area in zip(left[hits], right[hits], overlap[hits], strict=True):
            a, b = sorted((codes_arr[i], codes_arr[j]))
            violations.append(
                Violation(
                    "overlap",
                    (a, b),
                    _("Units %(a)s and %(b)s overlap by %(area)s m².")
                    % {"a": a, "b": b, "area": round_m2(area)},
                    round_m2(area),
                )
            )

    if no_build_zones:
        zone_names = np.asarray([name for name, _z in no_build_zones], dtype=object)
        zone_polys = np.asarray([z for _n, z in no_build_zones], dtype=object)
        zi, ui = shapely.STRtree(zone_polys).query(polys, predicate="intersects")[::-1]
        if zi.size:
            overlap = shapely.area(shapely.intersection(polys[ui], zone_polys[zi]))
            hits = overlap > OVERLAP_TOLERANCE_M2
            for u, z, area in zip(ui[hits], zi[hits], overlap[hits], strict=True):
                violations.append(
                    Violation(
                        "no_build",
                        (codes_arr[u],),
                        _("Unit %(code)s intrudes %(area)s m² into the no-build zone “%(zone)s”.")
                        % {"code": codes_arr[u], "area": round_m2(area), "zone": zone_names[z]},
                        round_m2(area),
                    )
                )
    return violations


def check_zones_clear(
    *, zones: Sequence[tuple[str, Polygon]], codes: Sequence[str], polygons: Sequence[Polygon]
) -> list[Violation]:
    """A new or moved no-build zone must not cover existing units."""
    if not zones or not len(polygons):
        return []
    return [
        v
        for v in check_units(
            outline=shapely.box(*shapely.total_bounds(list(polygons) + [z for _n, z in zones])),
            codes=codes,
            polygons=polygons,
            no_build_zones=zones,
        )
        if v.rule == "no_build"
    ]


def assign_points(
    polygons: Sequence[Polygon], xs: Sequence[float], ys: Sequence[float]
) -> np.ndarray:
    """For each point, the index of the polygon that contains it (boundary included), or -1."""
    result = np.full(len(xs), -1, dtype=np.int64)
    if not len(xs) or not len(polygons):
        return result
    points = shapely.points(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    point_idx, poly_idx = shapely.STRtree(np.asarray(polygons, dtype=object)).query(
        points, predicate="intersects"
    )
    # A point on the edge shared by two units goes to the first of them in ``polygons``. The
    # tree returns its matches in no set order, so take the lowest index explicitly.
    first = np.full(len(xs), len(polygons), dtype=np.int64)
    np.minimum.at(first, point_idx, poly_idx)
    result[first < len(polygons)] = first[first < len(polygons)]
    return result


def points_outside(outline: Polygon, xs: Sequence[float], ys: Sequence[float]) -> np.ndarray:
    """Boolean mask of the points that are not within the level outline (boundary counts in)."""
    if not len(xs):
        return np.zeros(0, dtype=bool)
    points = shapely.points(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    return ~shapely.covers(outline, points)
