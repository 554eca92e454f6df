"""The route map: rows grouped by station, milestone marks by state, today's line, the first
opening and the opening pace, read from the SVG's structure; and its data from the leases."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.utils import translation

from leasing import fitout, routemap, services
from leasing.models import Lease, Milestone
from leasing.routemap import MilestoneMark, OutletRow, PaceMonth, RouteMap
from tests.factories import UserFactory, station_officer
from tests.leasing.factories import direct_lease, free_unit
from tests.tenders.factories import BrandFactory, MerchantFactory, merchant_user

Kind = Milestone.Kind
NS = {"svg": "http://www.w3.org/2000/svg"}
TODAY = dt.date(2026, 5, 20)
S = Lease.Status


def marks(*dates):
    """Six milestones: each a (due, done) pair, in order."""
    return tuple(
        MilestoneMark(kind, due, done)
        for kind, (due, done) in zip(Milestone.ORDER, dates, strict=True)
    )


def d(month, day):
    return dt.date(2026, month, day)


OPENED_MAY = OutletRow(
    lease_code="HT-1", station_code="CSS", station_name="长沙南", label="麦当劳",
    merchant="湖南麦当劳餐饮有限公司", units=("E101",), status=S.OPEN,
    milestones=marks((d(3, 11), d(3, 9)), (d(3, 21), d(3, 20)), (d(3, 26), d(3, 25)),
                     (d(5, 10), d(5, 8)), (d(5, 17), d(5, 15)), (d(5, 27), d(5, 27))),
    opened_on=d(5, 27),
)  # fmt: skip
LATE = OutletRow(
    lease_code="HT-2", station_code="CSS", station_name="长沙南", label="Tom & <Jerry>",
    merchant="Tom & Jerry Ltd", units=("E102", "E103"), status=S.FITTING_OUT,
    milestones=marks((d(3, 11), d(3, 11)), (d(3, 21), None), (d(3, 26), None),
                     (d(6, 10), None), (d(6, 17), None), (d(6, 24), None)),
)  # fmt: skip
OPENED_APRIL = OutletRow(
    lease_code="HT-3", station_code="YYE", station_name="岳阳东", label="湖南新华书店",
    merchant="湖南新华书店", units=("A1",), status=S.OPEN,
    milestones=(MilestoneMark(Kind.OPENED, None, d(4, 2)),), opened_on=d(4, 2),
)  # fmt: skip
OPENED_JUNE = OutletRow(
    lease_code="HT-4", station_code="YYE", station_name="岳阳东", label="KFC",
    merchant="KFC", units=("A2",), status=S.OPEN,
    milestones=(MilestoneMark(Kind.OPENED, None, d(6, 30)),), opened_on=d(6, 30),
)  # fmt: skip
NOT_PLANNED = OutletRow(
    lease_code="HT-5",
    station_code="YYE",
    station_name="岳阳东",
    label="交通银行",
    merchant="交通银行",
    units=("A3",),
    status=S.SIGNED,
)


def network(*rows, today=TODAY):
    return RouteMap(title="线路图", today=today, rows=list(rows))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.split("\n", 1)[1])


def outlet(root, code) -> ET.Element:
    return root.find(f".//svg:g[@class='hsr-outlet'][@data-lease='{code}']", NS)


def states(root, code) -> dict:
    return {
        g.get("data-kind"): (g.get("data-state"), g.get("data-date"))
        for g in outlet(root, code).findall("svg:g[@class='hsr-milestone']", NS)
    }


ROWS = (OPENED_MAY, LATE, OPENED_APRIL, OPENED_JUNE, NOT_PLANNED)


def test_one_row_per_outlet_grouped_by_station():
    root = parse(routemap.render_route_map_svg(network(*ROWS)))
    assert root.get("data-outlets") == "5"
    order = [
        (g.get("class"), g.get("data-station"), g.get("data-lease"))
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") in ("hsr-station", "hsr-outlet")
    ]
    assert order == [
        ("hsr-station", "CSS", None),
        ("hsr-outlet", "CSS", "HT-1"),
        ("hsr-outlet", "CSS", "HT-2"),
        ("hsr-station", "YYE", None),
        ("hsr-outlet", "YYE", "HT-3"),
        ("hsr-outlet", "YYE", "HT-4"),
        ("hsr-outlet", "YYE", "HT-5"),
    ]


def test_marks_are_planned_done_or_overdue_at_their_dates():
    root = parse(routemap.render_route_map_svg(network(*ROWS)))
    assert states(root, "HT-2") == {
        "design_submitted": ("done", "2026-03-11"),
        "design_approved": ("overdue", "2026-03-21"),
        "safety_briefing": ("overdue", "2026-03-26"),
        "fit_out_done": ("planned", "2026-06-10"),
        "fire_acceptance": ("planned", "2026-06-17"),
        "opened": ("planned", "2026-06-24"),
    }
    assert {state for state, _day in states(root, "HT-1").values()} == {"done"}
    overdue = outlet(root, "HT-2").find(
        "svg:g[@data-kind='design_approved']/svg:circle", NS
    )  # hollow, outlined in red
    assert (overdue.get("fill"), overdue.get("stroke")) == ("#ffffff", "#d50000")
    planned = outlet(root, "HT-2").find("svg:g[@data-kind='opened']/svg:path", NS)
    assert planned.get("fill") == "#ffffff" and planned.get("stroke") != "#d50000"
    done = outlet(root, "HT-1").find("svg:g[@data-kind='fit_out_done']/svg:circle", NS)
    assert done.get("fill") == done.get("stroke") != "#ffffff"
    unplanned = outlet(root, "HT-5").find("svg:text[@class='hsr-unplanned']", NS)
    assert unplanned.text == "milestones not planned"


def test_a_mark_s_position_follows_its_date_and_today_has_its_line():
    root = parse(routemap.render_route_map_svg(network(*ROWS)))

    def x_of(code, kind):
        mark = outlet(root, code).find(f"svg:g[@data-kind='{kind}']/svg:circle", NS)
        return float(mark.get("cx"))

    assert x_of("HT-1", "design_submitted") < x_of("HT-2", "design_submitted")  # 9 < 11 March
    today = root.find(".//svg:g[@class='hsr-today']", NS)
    assert today.get("data-date") == "2026-05-20"
    line_x = float(today.find("svg:line", NS).get("x1"))
    assert x_of("HT-1", "fire_acceptance") < line_x < x_of("HT-2", "fit_out_done")
    months = [t.get("data-month") for t in root.iterfind(".//svg:text[@class='hsr-month']", NS)]
    assert months == ["2026-03", "2026-04", "2026-05", "2026-06"]


def test_overdue_depends_on_today():
    early = parse(routemap.render_route_map_svg(network(LATE, today=d(3, 21))))
    assert states(early, "HT-2")["design_approved"][0] == "planned"  # due that very day
    later = parse(routemap.render_route_map_svg(network(LATE, today=d(3, 22))))
    assert states(later, "HT-2")["design_approved"][0] == "overdue"


def test_the_first_opening_is_marked():
    root = parse(routemap.render_route_map_svg(network(*ROWS)))
    first = root.findall(".//svg:g[@class='hsr-first-opening']", NS)
    assert [(g.get("data-lease"), g.get("data-date")) for g in first] == [("HT-3", "2026-04-02")]
    assert first[0].find("svg:text", NS).text == "First opening: 湖南新华书店, 岳阳东, 2026-04-02"
    assert routemap.first_opening(list(ROWS)) is OPENED_APRIL
    assert routemap.first_opening([LATE, NOT_PLANNED]) is None


def test_the_opening_pace_counts_each_month_and_the_running_total():
    assert routemap.opening_pace(list(ROWS)) == [
        PaceMonth(d(4, 1), 1, 1),
        PaceMonth(d(5, 1), 1, 2),
        PaceMonth(d(6, 1), 1, 3),
    ]
    two_in_may = OutletRow(**{**OPENED_APRIL.__dict__, "lease_code": "HT-9",
                              "opened_on": d(5, 2)})  # fmt: skip
    pace = routemap.opening_pace([OPENED_APRIL, two_in_may, OPENED_MAY, OPENED_JUNE])
    assert [(p.opened, p.cumulative) for p in pace] == [(1, 1), (2, 3), (1, 4)]
    gap = routemap.opening_pace([OPENED_APRIL, OPENED_JUNE])
    assert [(p.month, p.opened) for p in gap] == [(d(4, 1), 1), (d(5, 1), 0), (d(6, 1), 1)]

    root = parse(routemap.render_route_map_svg(network(*ROWS)))
    chart = root.find(".//svg:g[@class='hsr-pace']", NS)
    assert chart.get("data-total") == "3"
    bars = chart.findall("svg:g[@class='hsr-pace-month']", NS)
    assert [(b.get("data-month"), b.get("data-opened"), b.get("data-cumulative"))
            for b in bars] == [("2026-04", "1", "1"), ("2026-05", "1", "2"),
                               ("2026-06", "1", "3")]  # fmt: skip
    line = chart.find("svg:polyline[@class='hsr-pace-cumulative']", NS)
    assert len(line.get("points").split()) == 4  # from 0 at the first month's start


def test_text_is_escaped_and_the_font_has_cjk_fallbacks():
    svg = routemap.render_route_map_svg(network(LATE))
    assert "Tom &amp; &lt;Jerry&gt;" in svg and "<Jerry>" not in svg
    root = parse(svg)
    assert "Noto Sans CJK SC" in root.get("font-family")
    assert "sans-serif" in root.get("font-family")


def test_the_same_data_gives_the_same_drawing_and_an_empty_map_says_so():
    assert routemap.render_route_map_svg(network(*ROWS)) == routemap.render_route_map_svg(
        network(*ROWS)
    )
    root = parse(routemap.render_route_map_svg(network()))
    assert root.find(".//svg:text[@class='hsr-empty']", NS).text == (
        "No outlet has been signed yet."
    )
    assert root.find(".//svg:g[@class='hsr-pace']", NS) is None
    assert root.find(".//svg:g[@class='hsr-first-opening']", NS) is None


def test_long_labels_are_cut_to_their_column():
    long = OutletRow(**{**NOT_PLANNED.__dict__, "label": "很长的品牌名称" * 10})
    root = parse(routemap.render_route_map_svg(network(long)))
    label = outlet(root, "HT-5").findall("svg:text", NS)[0].text
    assert label.endswith("…") and len(label) < 20


# --- from the leases ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_map_s_data_comes_from_the_leases_the_user_may_see():
    with time_machine.travel(dt.datetime(2026, 2, 20, 2, tzinfo=dt.UTC), tick=False) as clock:
        merchant = MerchantFactory(name="湖南麦当劳餐饮有限公司")
        BrandFactory(merchant=merchant, name_zh="麦当劳", name_en="McDonald's")
        unit = free_unit()
        running = direct_lease(merchant, [unit], start=d(3, 1), rent_free_months=3)
        services.lease_sign(actor=None, lease=running)
        fitout.milestones_plan(actor=None, lease=running)
        other_unit = free_unit()
        opened = direct_lease(MerchantFactory(name="湖南新华书店"), [other_unit], start=d(2, 1))
        services.lease_sign(actor=None, lease=opened)
        services.lease_open(actor=None, lease=opened, opened_on=d(2, 10))
        draft = direct_lease(MerchantFactory(), [free_unit()], start=d(3, 1))
        clock.move_to(dt.datetime(2026, 3, 12, 2, tzinfo=dt.UTC))
        fitout.milestone_done(
            actor=None, milestone=running.milestones.get(kind=Kind.DESIGN_SUBMITTED),
            done_on=d(3, 12),
        )  # fmt: skip

        with translation.override("zh-hans"):
            data = routemap.route_map_data(None, today=d(3, 25))
        rows = {row.lease_code: row for row in data.rows}
        assert set(rows) == {running.code, opened.code}  # not the draft
        assert draft.code not in rows
        assert rows[running.code].label == "麦当劳"  # its one brand
        assert rows[opened.code].label == "湖南新华书店"  # no brand: the merchant
        assert rows[running.code].units == (unit.code,)
        assert [m.kind for m in rows[running.code].milestones] == Milestone.ORDER
        assert rows[opened.code].milestones == (MilestoneMark(Kind.OPENED, None, d(2, 10)),)

        root = parse(routemap.route_map_svg(None, today=d(3, 25)))
        assert states(root, running.code)["design_submitted"] == ("done", "2026-03-12")
        assert states(root, running.code)["design_approved"][0] == "overdue"  # due 21 March
        assert root.find(".//svg:g[@class='hsr-first-opening']", NS).get("data-lease") == (
            opened.code
        )

        station_map = routemap.route_map_data(None, station=unit.level.station, today=d(3, 25))
        assert [row.lease_code for row in station_map.rows] == [running.code]
        assert unit.level.station.name_en in station_map.title

        tenant = merchant_user(merchant)
        assert [r.lease_code for r in routemap.route_map_data(tenant).rows] == [running.code]
        own_station = station_officer(unit.level.station)
        assert [r.lease_code for r in routemap.route_map_data(own_station).rows] == [running.code]
        assert routemap.route_map_data(station_officer(draft.station)).rows == []
        assert routemap.route_map_data(UserFactory()).rows == []
