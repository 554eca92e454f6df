"""The floor-plan geometry rules (stations.geometry): pure functions, no database."""

import json
import math
from decimal import Decimal

import numpy as np
import pytest
import shapely
from django.utils import translation
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from shapely import affinity

from stations import geometry
from stations.geometry import (
    MAX_VERTICES,
    OVERLAP_TOLERANCE_M2,
    area_m2,
    assign_points,
    check_units,
    check_zones_clear,
    parse_geometry,
    points_outside,
    polygon_faults,
)

# Some inputs hold NaN, infinity or 1e300 on purpose; shapely warns when it computes with them.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning:shapely")

OUTLINE = shapely.box(0, 0, 100, 50)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def rect(x, y, w=10.0, h=None):
    return shapely.box(x, y, x + w, y + (w if h is None else h))


def regular_polygon(n: int, radius: float = 100.0) -> shapely.Polygon:
    return shapely.Polygon(
        [
            (radius * math.cos(2 * math.pi * i / n), radius * math.sin(2 * math.pi * i / n))
            for i in range(n)
        ]
    )


def fault(polygon) -> str | None:
    return polygon_faults([polygon])[0]


def rules(violations):
    return sorted((v.rule, v.codes, v.area_m2) for v in violations)


# --- parse_geometry -------------------------------------------------------------------------

SQUARE_COORDS = [[0, 0], [4, 0], [4, 3], [0, 3], [0, 0]]


@pytest.mark.parametrize(
    "value",
    [
        "POLYGON ((0 0, 4 0, 4 3, 0 3, 0 0))",
        "  POLYGON((0 0,4 0,4 3,0 3,0 0))\n",
        json.dumps({"type": "Polygon", "coordinates": [SQUARE_COORDS]}),
        {"type": "Polygon", "coordinates": [SQUARE_COORDS]},
        {
            "type": "Polygon",
            "coordinates": [[[Decimal(x), Decimal(y)] for x, y in SQUARE_COORDS]],
        },
        json.dumps(
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [SQUARE_COORDS]},
            }
        ),
        shapely.box(0, 0, 4, 3),
    ],
    ids=["wkt", "wkt-compact", "geojson-text", "geojson-dict", "decimals", "feature", "shapely"],
)
def test_parse_geometry_accepts_wkt_and_geojson(value):
    parsed = parse_geometry(value)

    assert parsed.fault is None
    assert parsed.polygon.equals(shapely.box(0, 0, 4, 3))
    assert parsed.polygon.area == 12


@pytest.mark.parametrize("value", [None, "", "   \n"])
def test_parse_geometry_says_an_empty_value_is_empty(value):
    parsed = parse_geometry(value)

    assert parsed.polygon is None
    assert parsed.fault == "is empty"


@pytest.mark.parametrize("value", ["hello", "POLYGON ((0 0, 1 0", "{not json", "12", {}, 7])
def test_parse_geometry_names_garbage_as_not_wkt_or_geojson(value):
    parsed = parse_geometry(value)

    assert parsed.polygon is None
    assert parsed.fault.startswith("is not valid WKT or GeoJSON (")


@pytest.mark.parametrize(
    "value",
    [
        "POLYGON ((0 0, 4 0, 4 3, 0 3))",
        json.dumps({"type": "Polygon", "coordinates": [SQUARE_COORDS[:-1]]}),
        {"type": "Polygon", "coordinates": [SQUARE_COORDS[:-1]]},
    ],
    ids=["wkt", "geojson-text", "geojson-dict"],
)
def test_parse_geometry_refuses_an_unclosed_ring(value):
    parsed = parse_geometry(value)

    assert parsed.polygon is None
    assert parsed.fault == "the ring is not closed"


@pytest.mark.parametrize(
    "value, kind",
    [
        ("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))", "MultiPolygon"),
        ("POINT (1 2)", "Point"),
        ("LINESTRING (0 0, 10 10)", "LineString"),
        ({"type": "Point", "coordinates": [1, 2]}, "Point"),
        ("GEOMETRYCOLLECTION EMPTY", "GeometryCollection"),
    ],
)
def test_parse_geometry_refuses_other_geometry_types_naming_the_type(value, kind):
    parsed = parse_geometry(value)

    assert parsed.polygon is None
    assert parsed.fault == f"must be a Polygon, not {kind}"


def test_parse_geometry_refuses_a_geojson_mapping_with_nan():
    value = {"type": "Polygon", "coordinates": [[[0, 0], [float("nan"), 0], [1, 1], [0, 0]]]}

    assert parse_geometry(value).fault == "has a coordinate that is not a finite number"


# --- polygon_faults -------------------------------------------------------------------------


def test_a_plain_rectangle_has_no_fault():
    assert polygon_faults([rect(0, 0)]) == [None]


def test_no_polygons_have_no_faults():
    assert polygon_faults([]) == []


def test_a_bow_tie_is_refused_as_self_intersecting():
    bow_tie = parse_geometry("POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))").polygon

    assert fault(bow_tie) == "is not a valid polygon: Self-intersection[5 5]"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_coordinate_that_is_not_finite_is_refused(bad):
    polygon = shapely.Polygon([(0, 0), (bad, 0), (10, 10), (0, 10)])

    assert fault(polygon) == "has a coordinate that is not a finite number"


def test_a_coordinate_beyond_the_plan_range_is_refused():
    far = geometry.MAX_COORDINATE_M * 10

    assert fault(rect(far, 0)) == "has a coordinate more than 10,000,000 m from the plan origin"
    # Just inside the range is a plan shape like any other.
    assert fault(rect(geometry.MAX_COORDINATE_M - 20, 0)) is None


def test_a_polygon_whose_area_overflows_is_refused_not_crashed_on():
    huge = shapely.box(-1e200, -1e200, 1e200, 1e200)

    assert fault(huge) == "has a coordinate more than 10,000,000 m from the plan origin"


def test_a_polygon_below_the_minimum_area_is_refused_with_its_area():
    assert fault(rect(0, 0, 0.5, 0.1)) == "has an area of 0.0500 m²; the minimum is 0.1 m²"


@pytest.mark.parametrize(
    "polygon",
    [
        rect(0, 0, 0.1, 1.0),
        rect(0, 0, 1.0, 0.1),
        rect(0.3, 0.1, 0.1, 1.0),
        # Far from the origin the float area comes out a hair under 0.1 m².
        shapely.box(123456.1, 0, 123456.2, 1),
    ],
)
def test_a_polygon_of_exactly_the_minimum_area_is_accepted(polygon):
    assert fault(polygon) is None
    assert area_m2(polygon) == Decimal("0.10")


def test_the_minimum_area_can_be_set_by_the_caller():
    assert polygon_faults([rect(0, 0, 1)], min_area_m2=2.0) == [
        "has an area of 1.0000 m²; the minimum is 2.0 m²"
    ]


def test_ten_thousand_vertices_are_accepted_and_one_more_is_refused():
    at_limit = regular_polygon(MAX_VERTICES)
    over = regular_polygon(MAX_VERTICES + 1)

    assert polygon_faults([at_limit, over]) == [
        None,
        "has 10001 vertices; at most 10000 are allowed",
    ]


def test_the_vertices_of_holes_count_without_their_closing_points():
    # 9,997 outside + 3 in the hole = 10,000 vertices, 10,002 coordinates.
    with_hole = shapely.Polygon(
        regular_polygon(MAX_VERTICES - 3).exterior.coords, [[(0, 0), (1, 0), (1, 1)]]
    )
    one_more = shapely.Polygon(
        regular_polygon(MAX_VERTICES - 2).exterior.coords, [[(0, 0), (1, 0), (1, 1)]]
    )

    assert polygon_faults([with_hole, one_more]) == [
        None,
        "has 10001 vertices; at most 10000 are allowed",
    ]


def test_an_empty_polygon_is_refused():
    assert fault(shapely.Polygon()) == "is empty"
    assert fault(parse_geometry("POLYGON EMPTY").polygon) == "is empty"


def test_a_polygon_with_a_hole_is_fine_and_the_hole_is_not_counted_in_its_area():
    donut = parse_geometry(
        "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))"
    ).polygon

    assert fault(donut) is None
    assert area_m2(donut) == Decimal("96.00")


def test_a_hole_outside_its_shell_is_refused():
    bad = parse_geometry(
        "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (20 20, 21 20, 21 21, 20 21, 20 20))"
    ).polygon

    assert fault(bad).startswith("is not a valid polygon: Hole lies outside shell")


def test_faults_are_reported_per_polygon_in_order():
    bow_tie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    tiny = rect(0, 0, 0.1, 0.1)
    nan = shapely.Polygon([(0, 0), (float("nan"), 0), (1, 1)])

    faults = polygon_faults([rect(0, 0), bow_tie, tiny, shapely.Polygon(), nan, rect(5, 5)])

    assert faults[0] is None and faults[5] is None
    assert faults[1].startswith("is not a valid polygon: Self-intersection")
    assert faults[2] == "has an area of 0.0100 m²; the minimum is 0.1 m²"
    assert faults[3] == "is empty"
    assert faults[4] == "has a coordinate that is not a finite number"


# --- check_units ----------------------------------------------------------------------------


def test_units_inside_the_outline_break_no_rule():
    assert check_units(outline=OUTLINE, codes=["A", "B"], polygons=[rect(0, 0), rect(20, 0)]) == []


def test_a_unit_partly_outside_the_outline_is_reported_with_the_area_outside():
    violations = check_units(outline=OUTLINE, codes=["A", "B"], polygons=[rect(95, 0), rect(0, 0)])

    assert rules(violations) == [("outside_level", ("A",), Decimal("50.00"))]
    assert str(violations[0]) == "Unit A lies outside the level outline by 50.00 m²."


def test_a_unit_wholly_outside_the_outline_is_reported_with_its_whole_area():
    violations = check_units(outline=OUTLINE, codes=["A"], polygons=[rect(200, 200, 3)])

    assert rules(violations) == [("outside_level", ("A",), Decimal("9.00"))]


@pytest.mark.parametrize("angle", [0, 17, 30, 45, 61, 90, 133, 200, 311])
def test_a_unit_along_a_rotated_outline_edge_is_inside(angle):
    # Rotated and far from the origin, a vertex on the outline's edge lands off it by float noise.
    def place(g):
        return affinity.translate(affinity.rotate(g, angle, origin=(0, 0)), 500000.3, 3000000.7)

    outline = place(OUTLINE)
    units = [place(rect(30, 0)), place(rect(0, 20, 5)), place(rect(90, 40))]

    assert check_units(outline=outline, codes=["A", "B", "C"], polygons=units) == []


def test_overlapping_units_are_reported_with_both_codes_and_the_overlap_area():
    violations = check_units(
        outline=OUTLINE, codes=["B2", "A1"], polygons=[rect(5, 5), rect(0, 0)]
    )

    assert rules(violations) == [("overlap", ("A1", "B2"), Decimal("25.00"))]
    assert str(violations[0]) == "Units A1 and B2 overlap by 25.00 m²."


def test_units_sharing_an_edge_do_not_overlap():
    polygons = [rect(0, 0), rect(10, 0), rect(0, 10), rect(10, 10)]

    assert check_units(outline=OUTLINE, codes=["A", "B", "C", "D"], polygons=polygons) == []


def test_units_touching_at_a_corner_do_not_overlap():
    assert (
        check_units(outline=OUTLINE, codes=["A", "B"], polygons=[rect(0, 0), rect(10, 10)]) == []
    )


def test_a_unit_inside_another_overlaps_it_by_its_whole_area():
    violations = check_units(
        outline=OUTLINE, codes=["BIG", "KIOSK"], polygons=[rect(0, 0, 20), rect(5, 5, 2)]
    )

    assert rules(violations) == [("overlap", ("BIG", "KIOSK"), Decimal("4.00"))]


def test_an_overlap_below_the_tolerance_is_float_noise_not_an_overlap():
    sliver = OVERLAP_TOLERANCE_M2 / 20  # 10 m long, thinner than the tolerance allows
    polygons = [rect(0, 0), rect(10 - sliver, 0)]

    assert check_units(outline=OUTLINE, codes=["A", "B"], polygons=polygons) == []


def test_every_violation_of_a_level_is_reported_at_once():
    bow_tie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    corridor = ("Evacuation corridor 1", shapely.box(40, 0, 45, 50))

    violations = check_units(
        outline=OUTLINE,
        codes=["BAD", "OUT", "A", "B", "C", "Z"],
        polygons=[bow_tie, rect(95, 40), rect(0, 20), rect(5, 25), rect(12, 20), rect(38, 10)],
        no_build_zones=[corridor],
    )

    assert rules(violations) == [
        ("invalid", ("BAD",), None),
        ("no_build", ("Z",), Decimal("50.00")),
        ("outside_level", ("OUT",), Decimal("50.00")),
        ("overlap", ("A", "B"), Decimal("25.00")),
        ("overlap", ("B", "C"), Decimal("15.00")),
    ]
    messages = [str(v) for v in violations]
    assert "Unit BAD: polygon is not a valid polygon: Self-intersection[5 5]." in messages


def test_an_invalid_unit_does_not_hide_the_rules_broken_by_the_others():
    violations = check_units(
        outline=OUTLINE,
        codes=["TINY", "A", "B"],
        polygons=[rect(0, 0, 0.1), rect(50, 0), rect(55, 5)],
    )

    assert rules(violations) == [
        ("invalid", ("TINY",), None),
        ("overlap", ("A", "B"), Decimal("25.00")),
    ]
    assert str(violations[0]) == (
        "Unit TINY: polygon has an area of 0.0100 m²; the minimum is 0.1 m²."
    )


def test_only_invalid_units_give_only_their_faults():
    violations = check_units(outline=OUTLINE, codes=["E"], polygons=[shapely.Polygon()])

    assert [str(v) for v in violations] == ["Unit E: polygon is empty."]


def test_no_units_break_no_rule():
    assert check_units(outline=OUTLINE, codes=[], polygons=[]) == []


def test_a_unit_intruding_into_a_no_build_zone_is_reported_with_the_zone_and_area():
    zones = [("Evacuation corridor", shapely.box(0, 20, 100, 25)), ("Fire hose", rect(80, 0, 2))]

    violations = check_units(
        outline=OUTLINE,
        codes=["A", "B"],
        polygons=[rect(0, 12), rect(60, 0)],
        no_build_zones=zones,
    )

    assert rules(violations) == [("no_build", ("A",), Decimal("20.00"))]
    assert str(violations[0]) == (
        "Unit A intrudes 20.00 m² into the no-build zone “Evacuation corridor”."
    )


def test_a_unit_in_two_no_build_zones_is_reported_for_each():
    zones = [
        ("North corridor", shapely.box(0, 8, 100, 9)),
        ("West corridor", shapely.box(1, 0, 2, 50)),
    ]

    violations = check_units(
        outline=OUTLINE, codes=["A"], polygons=[rect(0, 0)], no_build_zones=zones
    )

    assert sorted(str(v) for v in violations) == [
        "Unit A intrudes 10.00 m² into the no-build zone “North corridor”.",
        "Unit A intrudes 10.00 m² into the no-build zone “West corridor”.",
    ]


def test_a_unit_touching_a_no_build_zone_edge_is_fine():
    zones = [("Corridor", shapely.box(10, 0, 15, 50))]
    polygons = [rect(0, 0), rect(15, 0)]

    assert (
        check_units(outline=OUTLINE, codes=["A", "B"], polygons=polygons, no_build_zones=zones)
        == []
    )


def test_a_new_no_build_zone_over_a_unit_is_reported_and_one_beside_it_is_not():
    codes, polygons = ["A", "B"], [rect(0, 0), rect(30, 0)]

    over = check_zones_clear(
        zones=[("Corridor", shapely.box(5, 0, 35, 2))], codes=codes, polygons=polygons
    )
    beside = check_zones_clear(
        zones=[("Corridor", shapely.box(10, 0, 30, 2))], codes=codes, polygons=polygons
    )

    assert rules(over) == [
        ("no_build", ("A",), Decimal("10.00")),
        ("no_build", ("B",), Decimal("10.00")),
    ]
    assert beside == []
    assert check_zones_clear(zones=[("Corridor", rect(0, 0))], codes=[], polygons=[]) == []


# --- assign_points / points_outside ---------------------------------------------------------


def test_a_point_inside_a_unit_is_assigned_to_it():
    result = assign_points([rect(0, 0), rect(20, 0)], [25.0, 3.0], [5.0, 3.0])

    assert result.tolist() == [1, 0]


def test_a_point_on_an_edge_shared_by_two_units_goes_to_exactly_one_the_first():
    # Many units in a row, so the tree's internal order is not the list order.
    polygons = [rect(10 * i, 0) for i in range(50)]
    xs = [10.0 * i for i in range(1, 50)]

    result = assign_points(polygons, xs, [5.0] * len(xs))

    assert result.tolist() == list(range(49))
    # The same point against the same two units in the other order goes to the other one.
    assert assign_points([rect(10, 0), rect(0, 0)], [10.0], [5.0]).tolist() == [0]


def test_a_point_outside_every_unit_or_in_a_hole_is_unassigned():
    donut = parse_geometry("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))")

    result = assign_points([donut.polygon, rect(20, 0)], [50.0, 5.0, 15.0], [40.0, 5.0, 5.0])

    assert result.tolist() == [-1, -1, -1]


def test_assigning_no_points_or_to_no_units_gives_nothing_or_unassigned():
    assert assign_points([rect(0, 0)], [], []).tolist() == []
    assert assign_points([], [1.0, 2.0], [1.0, 2.0]).tolist() == [-1, -1]


def test_points_on_the_outline_boundary_are_inside_and_beyond_it_outside():
    result = points_outside(
        OUTLINE, [0.0, 100.0, 50.0, 100.01, -1.0], [0.0, 25.0, 50.0, 25.0, 5.0]
    )

    assert result.tolist() == [False, False, False, True, True]
    assert points_outside(OUTLINE, [], []).tolist() == []


# --- area_m2 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "polygon, expected",
    [
        (rect(0, 0, 10), "100.00"),
        (rect(0, 0, 1, 0.125), "0.13"),  # half rounds up
        (rect(0, 0, 1, 0.124), "0.12"),
        (rect(0, 0, 1, 1 / 3), "0.33"),
        (rect(0, 0, 1, 2 / 3), "0.67"),
        (rect(0, 0, 1, 12.345), "12.35"),
        (shapely.Polygon([(0, 0), (3, 0), (0, 3)]), "4.50"),
    ],
)
def test_area_is_stored_in_square_metres_to_two_places(polygon, expected):
    area = area_m2(polygon)

    assert area == Decimal(expected)
    assert area.as_tuple().exponent == -2


# --- generated polygons (hypothesis) --------------------------------------------------------

coordinate = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e4, max_value=1e4, allow_nan=False),
    st.floats(min_value=-1.0, max_value=1.0, allow_nan=False),
    st.integers(min_value=-50, max_value=50).map(float),
    st.sampled_from([1e-300, 1e12, -1e12, 1e300, 9_999_999.0, 10_000_001.0]),
)
vertex_lists = st.lists(st.tuples(coordinate, coordinate), min_size=0, max_size=12)


def as_wkt(vertices, close):
    ring = list(vertices) + ([vertices[0]] if close and vertices else [])
    return "POLYGON ((" + ", ".join(f"{x!r} {y!r}" for x, y in ring) + "))"


def as_geojson(vertices, close):
    ring = [list(v) for v in vertices] + ([list(vertices[0])] if close and vertices else [])
    return {"type": "Polygon", "coordinates": [ring]}


def assert_fault_or_usable(value):
    parsed = parse_geometry(value)
    if parsed.fault is not None:
        assert parsed.polygon is None
        assert isinstance(parsed.fault, str) and parsed.fault
        return
    (problem,) = polygon_faults([parsed.polygon])
    if problem is not None:
        assert isinstance(problem, str) and problem
        return
    polygon = parsed.polygon
    assert polygon.geom_type == "Polygon" and polygon.is_valid and not polygon.is_empty
    assert np.isfinite(shapely.get_coordinates(polygon)).all()
    assert polygon.area >= geometry.MIN_AREA_M2 - geometry.AREA_TOLERANCE_M2
    assert area_m2(polygon) >= Decimal("0.10")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vertices=vertex_lists, close=st.booleans(), form=st.sampled_from(["wkt", "dict", "text"]))
def test_any_vertex_list_gives_a_clear_fault_or_a_usable_polygon(vertices, close, form):
    if form == "wkt":
        value = as_wkt(vertices, close)
    elif form == "dict":
        value = as_geojson(vertices, close)
    else:
        value = json.dumps(as_geojson(vertices, close))

    assert_fault_or_usable(value)


@settings(max_examples=150, deadline=None)
@given(vertices=st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=12))
def test_any_shapely_polygon_gives_a_clear_fault_or_a_usable_polygon(vertices):
    try:
        polygon = shapely.Polygon(vertices)
    except (shapely.errors.GEOSException, ValueError):
        reject()  # shapely itself will not build it (a NaN breaks the ring's closing)
    assert_fault_or_usable(polygon)


rectangles = st.lists(
    st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(1, 6), st.integers(1, 6)).map(
        lambda r: shapely.box(r[0], r[1], r[0] + r[2], r[1] + r[3])
    ),
    min_size=1,
    max_size=15,
)


@settings(max_examples=150, deadline=None)
@given(polygons=rectangles)
def test_check_units_reports_exactly_the_overlaps_and_overhangs_a_pairwise_check_finds(polygons):
    outline = shapely.box(0, 0, 18, 18)  # some rectangles stick out of it
    codes = [f"U{i:02d}" for i in range(len(polygons))]

    expected = []
    for i, a in enumerate(polygons):
        for j in range(i + 1, len(polygons)):
            overlap = a.intersection(polygons[j]).area
            if overlap > OVERLAP_TOLERANCE_M2:
                expected.append(
                    ("overlap", (codes[i], codes[j]), area_m2(shapely.box(0, 0, 1, overlap)))
                )
        outside = a.difference(outline).area
        if outside > OVERLAP_TOLERANCE_M2:
            expected.append(("outside_level", (codes[i],), area_m2(shapely.box(0, 0, 1, outside))))

    assert rules(check_units(outline=outline, codes=codes, polygons=polygons)) == sorted(expected)
