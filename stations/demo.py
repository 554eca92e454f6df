"""The Hunan demo network: the 8 stations of DOMAIN.md, their floor plans, utilities and users.

The network is data (stations, levels, unit programmes, the utility allocation per station);
a small deterministic planner lays it out in plan metres, and :func:`load` writes it through
``stations.services`` as the system (``actor=None``), so every row is validated and audited.
Loading is idempotent: a station is skipped when its code exists, a user when its username does.
"""

from __future__ import annotations

import dataclasses
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import shapely
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from shapely import Polygon

from stations import roles, services
from stations.catalogue import TYPES
from stations.models import Station, Unit, UtilityPoint, Zone

LINE = "武广高铁 Wuhan–Guangzhou HSR"
DEFAULT_PASSWORD = "hsr-demo-2026"
PASSWORD_VARIABLE = "DEMO_PASSWORD"
ADMIN_URL = "http://127.0.0.1:8000/admin/"

# The figures of DOMAIN.md that the data below must add up to (checked at import).
NETWORK_TOTALS = {
    "power_kw": 6567,
    "distribution_cabinets": 111,
    "floor_sockets": 59,
    "lightbox_sockets": 169,
    "toilet_interfaces": 18,
    "washbasin_interfaces": 36,
}
UNITS_BY_TIER = {
    Station.Tier.PROVINCIAL_CAPITAL: (40, 40),
    Station.Tier.PREFECTURE: (18, 25),
    Station.Tier.COUNTY: (8, 12),
}

# What each business type needs, from the catalogue the migration loads.
_NEEDS = {
    code: {"power": kw, "sockets": sockets, "water": water, "drainage": drain, "exhaust": exhaust}
    for _cls, code, _zh, _en, kw, sockets, water, drain, exhaust, _basic in TYPES
}
CATERING_TYPES = frozenset(code for cls, code, *_rest in TYPES if cls == "catering")
# The basic configuration (基本配置) plus local specialty food, which DOMAIN.md names among the
# chains present in every station: each station gets one fully provisioned unit per group.
BASIC_GROUPS = {
    "catering": CATERING_TYPES,
    "convenience-store": frozenset({"convenience-store"}),
    "bookstore": frozenset({"bookstore"}),
    "luggage-storage": frozenset({"luggage-storage"}),
    "local-specialty": frozenset({"local-specialty"}),
}


# --- unit programmes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Archetype:
    """A kind of unit the planner places: wall shops take the row's depth, islands their own."""

    kind: str
    width_m: float
    types: tuple[str, ...]
    power_kw: Decimal
    name: str
    depth_m: float | None = None  # None: a shop as deep as the wall row

    @property
    def is_island(self) -> bool:
        return self.depth_m is not None

    def needs(self, what: str) -> bool:
        return any(_NEEDS[t][what] for t in self.types)

    @property
    def floor_sockets_needed(self) -> int:
        return max((_NEEDS[t]["sockets"] for t in self.types), default=0)

    @property
    def basic_groups(self) -> set[str]:
        return {g for g, codes in BASIC_GROUPS.items() if codes & set(self.types)}


def _shop(width, types, kw, name):
    return Archetype(Unit.Kind.SHOP, width, tuple(types), Decimal(kw), name)


def _island(kind, width, depth, types, kw, name):
    return Archetype(kind, width, tuple(types), Decimal(kw), name, depth)


ARCHETYPES = {
    "FAST_FOOD": _shop(20, ["fast-food", "chinese-fast-food"], "60", "快餐 Fast food"),
    "CN_FAST": _shop(14, ["chinese-fast-food", "noodles"], "45", "中式快餐 Chinese fast food"),
    "NOODLES": _shop(10, ["noodles", "local-snacks"], "30", "面馆 Noodle bar"),
    "COFFEE": _shop(8, ["coffee", "tea-drinks"], "20", "咖啡 Coffee"),
    "BAKERY": _shop(8, ["bakery", "coffee"], "25", "烘焙 Bakery"),
    "SNACKS": _shop(8, ["local-snacks", "tea-drinks"], "25", "湘味小吃 Hunan snacks"),
    "CONVENIENCE": _shop(12, ["convenience-store"], "20", "便利店 Convenience store"),
    "SUPERMARKET": _shop(20, ["supermarket", "convenience-store"], "35", "超市 Supermarket"),
    "BOOKSTORE": _shop(8, ["bookstore"], "6", "书刊 Books and periodicals"),
    "SPECIALTY": _shop(
        10, ["local-specialty", "gifts-souvenirs"], "10", "地方特产 Local specialty food"
    ),
    "LUGGAGE": _shop(8, ["luggage-storage", "express-delivery"], "5", "行李寄存 Luggage storage"),
    "TELECOM": _shop(10, ["telecom-hall", "digital-accessories"], "12", "通信营业厅 Telecom hall"),
    "PHARMACY": _shop(8, ["pharmacy"], "8", "药店 Pharmacy"),
    "VIP": _shop(24, ["vip-lounge"], "40", "商务候车室 VIP lounge"),
    "BRAND": _shop(12, ["brand-showcase", "travel-goods"], "12", "品牌展示 Brand showcase"),
    "BANK": _shop(10, ["bank-branch", "bank-atm"], "15", "银行网点 Bank branch"),
    "DIGITAL": _shop(
        6, ["digital-accessories", "charging-station"], "6", "数码配件 Digital accessories"
    ),
    "MATERNAL": _shop(6, ["maternal-room"], "5", "母婴室 Mother and baby room"),
    "KIOSK_TEA": _island(
        Unit.Kind.KIOSK, 4, 3, ["tea-drinks", "ice-cream"], "12", "茶饮 Tea and drinks kiosk"
    ),
    "KIOSK_SPECIALTY": _island(
        Unit.Kind.KIOSK, 4, 3, ["local-specialty"], "5", "特产 Local specialty kiosk"
    ),
    "KIOSK_BOOKS": _island(Unit.Kind.KIOSK, 3, 3, ["bookstore"], "3", "书报亭 News kiosk"),
    "KIOSK_DIGITAL": _island(
        Unit.Kind.KIOSK,
        3,
        3,
        ["digital-accessories", "charging-station"],
        "5",
        "数码 Digital kiosk",
    ),
    "MASSAGE": _island(Unit.Kind.KIOSK, 6, 3, ["massage-chairs"], "8", "按摩椅 Massage chairs"),
    "COUNTER_TRAVEL": _island(
        Unit.Kind.COUNTER,
        3,
        2,
        ["travel-agency", "hotel-booking"],
        "3",
        "旅游服务 Travel counter",
    ),
    "COUNTER_CAR": _island(
        Unit.Kind.COUNTER, 3, 2, ["car-rental"], "3", "汽车租赁 Car rental counter"
    ),
    "VENDING": _island(Unit.Kind.VENDING, 1.2, 0.9, ["vending"], "2", "自动售货 Vending"),
    "ATM": _island(Unit.Kind.ATM, 1.5, 1.2, ["bank-atm"], "2", "银行自助 ATM"),
    "LIGHTBOX": _island(Unit.Kind.LIGHTBOX, 2, 0.6, [], "0.5", "广告灯箱 Lightbox"),
}

_CODE_PREFIX = {
    Unit.Kind.KIOSK: "K",
    Unit.Kind.COUNTER: "C",
    Unit.Kind.LIGHTBOX: "L",
    Unit.Kind.VENDING: "V",
    Unit.Kind.ATM: "M",
}

for _key, _arch in ARCHETYPES.items():
    _minimum = max((_NEEDS[t]["power"] for t in _arch.types), default=Decimal("0"))
    assert _arch.power_kw >= _minimum, f"{_key}: {_arch.power_kw} kW < {_minimum} kW"


# --- stations and levels --------------------------------------------------------------------


@dataclass(frozen=True)
class LevelPlan:
    """One level: its outline as sections along x, its corridors and its unit programme.

    ``sections`` are (x0, x1, y0, y1) rectangles side by side along x (a central hall with
    wings has a deeper middle section); the outer corners of the first and last are bevelled.
    Evacuation corridors cross the level at ``corridors`` (x of their axis); the main
    passenger flow runs along x through the middle; ``cross_flows`` are halls' flows along y.
    """

    name: str
    short_name: str
    ordinal: int
    programme: tuple[str, ...]
    sections: tuple[tuple[float, float, float, float], ...]
    corridors: tuple[float, ...] = ()
    cross_flows: tuple[float, ...] = ()
    bevel_m: float = 8
    corridor_m: float = 6
    spine_m: float = 10
    cross_flow_m: float = 12
    shop_depth_m: float = 10
    island_depth_m: float = 3
    island_aisle_m: float = 4
    toilets: int = 0
    paid_side: bool = False  # an exit level: the platform side (north of the flow) is paid
    unit_scale: float = 1.0  # shops, kiosks and counters are larger in the largest stations


@dataclass(frozen=True)
class StationPlan:
    code: str
    name_zh: str
    name_en: str
    city: str
    tier: str
    latitude: Decimal
    longitude: Decimal
    plan_rotation_deg: Decimal
    levels: tuple[LevelPlan, ...]


@dataclass(frozen=True)
class Utilities:
    """What is provisioned in one station; cabinets as (capacity kW, how many)."""

    cabinets: tuple[tuple[int, int], ...]
    floor_sockets: int
    lightbox_sockets: int
    toilets: int
    washbasins: int

    @property
    def cabinet_capacities(self) -> list[int]:
        return [kw for kw, count in self.cabinets for _i in range(count)]

    @property
    def capacity_kw(self) -> int:
        return sum(self.cabinet_capacities)


# The allocation of DOMAIN.md's figures over the network, by station size. Cabinet ratings are
# the usual sizes (125/100/80/63/50/40/32/25 kW).
UTILITIES = {
    "CSS": Utilities(
        ((125, 4), (100, 4), (80, 4), (63, 4), (50, 4), (40, 2), (32, 4), (25, 4)), 12, 45, 4, 8
    ),
    "YYE": Utilities(
        ((125, 1), (100, 1), (80, 2), (63, 2), (50, 2), (40, 3), (32, 2), (25, 1)), 7, 21, 2, 4
    ),
    "ZZW": Utilities(
        ((125, 1), (100, 1), (80, 2), (63, 1), (50, 3), (40, 2), (32, 1), (25, 2)), 7, 19, 2, 4
    ),
    "HYE": Utilities(
        ((125, 1), (100, 1), (80, 3), (63, 1), (50, 3), (40, 3), (32, 1), (25, 2)), 8, 23, 3, 6
    ),
    "CZW": Utilities(
        ((125, 1), (100, 1), (80, 2), (63, 2), (50, 2), (40, 2), (32, 2), (25, 1)), 7, 20, 2, 4
    ),
    "MLE": Utilities(((125, 1), (63, 1), (50, 2), (40, 2), (32, 1), (25, 2)), 6, 13, 2, 4),
    "HSW": Utilities(((80, 2), (63, 1), (50, 2), (40, 1), (32, 1), (25, 1)), 6, 13, 1, 2),
    "LYW": Utilities(((100, 1), (80, 2), (63, 1), (40, 1), (32, 2), (25, 2)), 6, 15, 2, 4),
}


def _allocation_totals() -> dict[str, int]:
    rows = UTILITIES.values()
    return {
        "power_kw": sum(u.capacity_kw for u in rows),
        "distribution_cabinets": sum(len(u.cabinet_capacities) for u in rows),
        "floor_sockets": sum(u.floor_sockets for u in rows),
        "lightbox_sockets": sum(u.lightbox_sockets for u in rows),
        "toilet_interfaces": sum(u.toilets for u in rows),
        "washbasin_interfaces": sum(u.washbasins for u in rows),
    }


assert _allocation_totals() == NETWORK_TOTALS, _allocation_totals()


def _elevated(programme: str, toilets: int, **geometry) -> LevelPlan:
    return LevelPlan("高架层", "2F", 1, tuple(programme.split()), toilets=toilets, **geometry)


def _ground(programme: str, toilets: int, **geometry) -> LevelPlan:
    return LevelPlan("地面层", "1F", 0, tuple(programme.split()), toilets=toilets, **geometry)


def _exit(programme: str, toilets: int, **geometry) -> LevelPlan:
    return LevelPlan(
        "出站层", "B1", -1, tuple(programme.split()), toilets=toilets, paid_side=True, **geometry
    )


def _prefecture_ground(programme: str) -> LevelPlan:
    # Under the elevated concourse: the entrance and ticket hall on the city side, the exit
    # passage from the platforms (paid, before the exit gates) on the other.
    return _ground(
        programme,
        1,
        sections=((0, 140, 0, 48),),
        corridors=(70,),
        shop_depth_m=8,
        island_aisle_m=3,
        paid_side=True,
    )


# Coordinates: CSS and ZZW as published for the stations; the others approximate (placed by
# the station's district east or west of its city), close enough for a demo map.
D = Decimal
# fmt: off
STATIONS = (
    StationPlan(
        "YYE", "岳阳东", "Yueyang East", "Yueyang", Station.Tier.PREFECTURE,
        D("29.352000"), D("113.183000"), D("12"),
        (
            _elevated(
                "FAST_FOOD CN_FAST COFFEE SNACKS CONVENIENCE BOOKSTORE SPECIALTY TELECOM "
                "PHARMACY KIOSK_TEA KIOSK_SPECIALTY COUNTER_TRAVEL VENDING ATM LIGHTBOX LIGHTBOX",
                1,
                sections=((0, 200, 0, 70),),
                corridors=(67, 133),
                bevel_m=12,
                spine_m=12,
                island_aisle_m=5,
            ),
            _prefecture_ground("LUGGAGE CONVENIENCE NOODLES COUNTER_CAR VENDING LIGHTBOX"),
        ),
    ),
    StationPlan(
        "MLE", "汨罗东", "Miluo East", "Miluo", Station.Tier.COUNTY,
        D("28.821600"), D("113.194700"), D("8"),
        (
            _ground(
                "NOODLES CONVENIENCE BOOKSTORE SPECIALTY LUGGAGE KIOSK_TEA VENDING ATM "
                "LIGHTBOX LIGHTBOX",
                2,
                sections=((0, 120, 0, 40),),
                corridors=(60,),
                bevel_m=6,
                spine_m=8,
                shop_depth_m=8,
                island_aisle_m=3,
            ),
        ),
    ),
    StationPlan(
        "CSS", "长沙南", "Changsha South", "Changsha", Station.Tier.PROVINCIAL_CAPITAL,
        D("28.150261"), D("113.058758"), D("2"),
        (
            _elevated(
                "FAST_FOOD VIP SUPERMARKET CN_FAST NOODLES COFFEE COFFEE BAKERY SNACKS "
                "CONVENIENCE BOOKSTORE SPECIALTY SPECIALTY TELECOM BANK PHARMACY BRAND DIGITAL "
                "KIOSK_TEA KIOSK_SPECIALTY KIOSK_BOOKS MASSAGE COUNTER_TRAVEL VENDING ATM "
                "LIGHTBOX LIGHTBOX",
                2,
                sections=((0, 150, 12, 108), (150, 250, 0, 120), (250, 400, 12, 108)),
                corridors=(75, 150, 250, 325),
                cross_flows=(200,),
                bevel_m=16,
                corridor_m=8,
                spine_m=16,
                cross_flow_m=20,
                shop_depth_m=12,
                island_depth_m=4,
                island_aisle_m=6,
                unit_scale=1.5,
            ),
            _ground(
                "FAST_FOOD CONVENIENCE LUGGAGE MATERNAL COUNTER_CAR ATM LIGHTBOX",
                1,
                sections=((0, 240, 0, 60),),
                corridors=(80, 160),
                bevel_m=10,
                paid_side=True,
                unit_scale=1.25,
            ),
            _exit(
                "SNACKS SPECIALTY LUGGAGE KIOSK_TEA VENDING LIGHTBOX",
                1,
                sections=((0, 300, 0, 40),),
                corridors=(100, 200),
                bevel_m=6,
                spine_m=8,
                shop_depth_m=8,
                island_aisle_m=3,
            ),
        ),
    ),
    StationPlan(
        "ZZW", "株洲西", "Zhuzhou West", "Zhuzhou", Station.Tier.PREFECTURE,
        D("27.793186"), D("113.062350"), D("-5"),
        (
            _elevated(
                "FAST_FOOD COFFEE SNACKS CONVENIENCE BOOKSTORE SPECIALTY TELECOM BRAND "
                "KIOSK_TEA KIOSK_DIGITAL COUNTER_TRAVEL VENDING ATM LIGHTBOX LIGHTBOX",
                1,
                sections=((0, 55, 6, 54), (55, 125, 0, 60), (125, 180, 6, 54)),
                corridors=(55, 125),
                cross_flows=(90,),
                shop_depth_m=9,
            ),
            _exit(
                "FAST_FOOD LUGGAGE KIOSK_SPECIALTY VENDING LIGHTBOX",
                1,
                sections=((0, 120, 0, 36),),
                corridors=(60,),
                bevel_m=4,
                spine_m=8,
                shop_depth_m=6,
                island_aisle_m=2.5,
            ),
        ),
    ),
    StationPlan(
        "HSW", "衡山西", "Hengshan West", "Hengshan (Hengyang)", Station.Tier.COUNTY,
        D("27.248000"), D("112.800000"), D("18"),
        (
            _ground(
                "NOODLES CONVENIENCE BOOKSTORE SPECIALTY LUGGAGE VENDING LIGHTBOX",
                1,
                sections=((0, 110, 0, 36),),
                corridors=(55,),
                bevel_m=6,
                spine_m=8,
                shop_depth_m=7,
                island_depth_m=2.5,
                island_aisle_m=2.5,
            ),
            _exit(
                "VENDING LIGHTBOX",
                0,
                sections=((0, 60, 0, 24),),
                bevel_m=3,
                spine_m=6,
                shop_depth_m=4,
                island_depth_m=0,
            ),
        ),
    ),
    StationPlan(
        "HYE", "衡阳东", "Hengyang East", "Hengyang", Station.Tier.PREFECTURE,
        D("26.903000"), D("112.702000"), D("10"),
        (
            _elevated(
                "FAST_FOOD VIP CN_FAST NOODLES COFFEE CONVENIENCE BOOKSTORE SPECIALTY TELECOM "
                "PHARMACY KIOSK_TEA KIOSK_SPECIALTY MASSAGE COUNTER_TRAVEL VENDING ATM "
                "LIGHTBOX LIGHTBOX LIGHTBOX",
                2,
                sections=((0, 70, 8, 72), (70, 150, 0, 80), (150, 220, 8, 72)),
                corridors=(70, 150),
                cross_flows=(110,),
                bevel_m=10,
                spine_m=12,
                cross_flow_m=14,
                island_aisle_m=5,
            ),
            _prefecture_ground("LUGGAGE CONVENIENCE BAKERY COUNTER_CAR VENDING"),
        ),
    ),
    StationPlan(
        "LYW", "耒阳西", "Leiyang West", "Leiyang", Station.Tier.COUNTY,
        D("26.438000"), D("112.810000"), D("-8"),
        (
            _ground(
                "NOODLES COFFEE CONVENIENCE BOOKSTORE SPECIALTY LUGGAGE KIOSK_DIGITAL VENDING "
                "ATM LIGHTBOX LIGHTBOX",
                2,
                sections=((0, 40, 4, 40), (40, 90, 0, 44), (90, 130, 4, 40)),
                corridors=(40, 90),
                cross_flows=(65,),
                bevel_m=6,
                spine_m=8,
                cross_flow_m=10,
                shop_depth_m=6,
                island_aisle_m=2.5,
            ),
        ),
    ),
    StationPlan(
        "CZW", "郴州西", "Chenzhou West", "Chenzhou", Station.Tier.PREFECTURE,
        D("25.805000"), D("112.988000"), D("20"),
        (
            _elevated(
                "FAST_FOOD CN_FAST COFFEE SNACKS CONVENIENCE BOOKSTORE SPECIALTY TELECOM "
                "KIOSK_TEA KIOSK_SPECIALTY COUNTER_TRAVEL VENDING ATM LIGHTBOX LIGHTBOX",
                1,
                sections=((0, 180, 0, 64),),
                corridors=(60, 120),
                bevel_m=10,
            ),
            _prefecture_ground("LUGGAGE NOODLES PHARMACY COUNTER_CAR VENDING LIGHTBOX"),
        ),
    ),
)


# fmt: on


def _check_network() -> None:
    codes = [s.code for s in STATIONS]
    assert sorted(codes) == sorted(UTILITIES), codes
    for station in STATIONS:
        programme = [ARCHETYPES[key] for level in station.levels for key in level.programme]
        low, high = UNITS_BY_TIER[station.tier]
        assert low <= len(programme) <= high, (station.code, len(programme))
        utilities = UTILITIES[station.code]
        allocated = sum(a.power_kw for a in programme)
        assert allocated <= utilities.capacity_kw, (station.code, allocated)
        covered = set().union(*(a.basic_groups for a in programme))
        assert covered == set(BASIC_GROUPS), (station.code, set(BASIC_GROUPS) - covered)
        assert sum(level.toilets for level in station.levels) == utilities.toilets, station.code


_check_network()


# --- the planner ----------------------------------------------------------------------------


@dataclass
class PlannedUnit:
    code: str
    archetype: Archetype
    polygon: Polygon
    in_paid_area: bool = False

    @property
    def spec(self) -> services.UnitSpec:
        a = self.archetype
        return services.UnitSpec(
            code=self.code,
            polygon=self.polygon.wkt,
            kind=a.kind,
            business_types=list(a.types),
            power_kw=a.power_kw,
            has_exhaust=a.needs("exhaust"),
            name=a.name,
            in_paid_area=self.in_paid_area,
        )


@dataclass
class Room:
    """A service room cut out of a wall row: a switch room or a toilet block."""

    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    wall_y: float

    @property
    def inward(self) -> float:
        return 1.0 if self.wall_y == self.box[1] else -1.0


@dataclass
class LevelLayout:
    plan: LevelPlan
    outline: Polygon
    zones: list[tuple[str, str, Polygon]] = field(default_factory=list)
    units: list[PlannedUnit] = field(default_factory=list)
    switch_rooms: list[Room] = field(default_factory=list)
    toilet_blocks: list[Room] = field(default_factory=list)
    column_spots: list[tuple[float, float]] = field(default_factory=list)


ISLAND_GAP_M = 4.0  # between island units, and at the ends of an island row
SWITCH_ROOM_M = 4.0  # the switch room (配电间) at the head of each wall row with shops


@dataclass
class _Row:
    """A strip of floor where units stand: along a wall, or an island row beside the flow."""

    side: str  # "S" or "N"
    island: bool
    x0: float
    x1: float
    y0: float
    y1: float
    centre_x: float
    items: list[Archetype] = field(default_factory=list)
    toilet: bool = False

    @property
    def wall_y(self) -> float:
        return self.y0 if self.side == "S" else self.y1

    @property
    def toilet_m(self) -> float:
        return 10.0 if self.x1 - self.x0 >= 40 else 8.0

    def consumes(self, arch: Archetype) -> float:
        """Length of row an item takes: islands keep a gap around them, shops share walls."""
        if self.island:
            return arch.width_m + ISLAND_GAP_M
        return arch.width_m + (2.0 if arch.is_island else 0.0)

    def used(self) -> float:
        taken = sum(self.consumes(a) for a in self.items)
        if self.island:
            return taken + ISLAND_GAP_M
        return SWITCH_ROOM_M + taken + (self.toilet_m + 1.0 if self.toilet else 0.0)

    def fits(self, arch: Archetype) -> bool:
        return self.used() + self.consumes(arch) <= self.x1 - self.x0 + 1e-9


def _section_polygon(x0, x1, y0, y1, bevel_left: float, bevel_right: float) -> Polygon:
    points = []
    if bevel_left:
        points += [(x0, y0 + bevel_left), (x0 + bevel_left, y0)]
    else:
        points += [(x0, y0)]
    if bevel_right:
        points += [(x1 - bevel_right, y0), (x1, y0 + bevel_right)]
        points += [(x1, y1 - bevel_right), (x1 - bevel_right, y1)]
    else:
        points += [(x1, y0), (x1, y1)]
    if bevel_left:
        points += [(x0 + bevel_left, y1), (x0, y1 - bevel_left)]
    else:
        points += [(x0, y1)]
    return Polygon(points)


def _outline(plan: LevelPlan) -> Polygon:
    last = len(plan.sections) - 1
    parts = [
        _section_polygon(
            *section,
            bevel_left=plan.bevel_m if i == 0 else 0,
            bevel_right=plan.bevel_m if i == last else 0,
        )
        for i, section in enumerate(plan.sections)
    ]
    outline = shapely.normalize(shapely.simplify(shapely.union_all(parts), 0.001))
    assert outline.geom_type == "Polygon" and outline.is_valid, plan.name
    return outline


def _box(x0, y0, x1, y1) -> Polygon:
    return shapely.box(round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2))


def _clip(shape: Polygon, outline: Polygon) -> Polygon:
    clipped = shapely.intersection(shape, outline)
    assert clipped.geom_type == "Polygon", clipped.geom_type
    return shapely.normalize(clipped)


def _bays(plan: LevelPlan) -> list[tuple[float, float]]:
    """The x-intervals between corridors (and the bevelled ends) where units may stand."""
    xmin = min(s[0] for s in plan.sections) + plan.bevel_m
    xmax = max(s[1] for s in plan.sections) - plan.bevel_m
    cuts = [xmin]
    for x in plan.corridors:
        cuts += [x - plan.corridor_m / 2, x + plan.corridor_m / 2]
    cuts.append(xmax)
    return [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]


def _y_range(plan: LevelPlan, x0: float, x1: float) -> tuple[float, float]:
    overlapping = [s for s in plan.sections if s[0] < x1 and s[1] > x0]
    return max(s[2] for s in overlapping), min(s[3] for s in overlapping)


def _rows(plan: LevelPlan, spine: tuple[float, float], centre_x: float) -> list[_Row]:
    rows = []
    blocked = [(x - plan.cross_flow_m / 2, x + plan.cross_flow_m / 2) for x in plan.cross_flows]
    for bay0, bay1 in _bays(plan):
        pieces = [(bay0, bay1)]
        for b0, b1 in blocked:
            pieces = [
                part
                for p0, p1 in pieces
                for part in ((p0, min(p1, b0)), (max(p0, b1), p1))
                if part[1] - part[0] > 1e-9
            ]
        for x0, x1 in pieces:
            y0, y1 = _y_range(plan, x0, x1)
            d = plan.shop_depth_m
            rows.append(_Row("S", False, x0, x1, y0, y0 + d, centre_x))
            rows.append(_Row("N", False, x0, x1, y1 - d, y1, centre_x))
            if plan.island_depth_m:
                top = spine[0] - plan.island_aisle_m
                bottom = spine[1] + plan.island_aisle_m
                k = plan.island_depth_m
                assert top - k >= y0 + d + 2 - 1e-9, (plan.name, "no aisle south")
                assert bottom + k <= y1 - d - 2 + 1e-9, (plan.name, "no aisle north")
                rows.append(_Row("S", True, x0, x1, top - k, top, centre_x))
                rows.append(_Row("N", True, x0, x1, bottom, bottom + k, centre_x))
    return rows


def _by_preference(rows: list[_Row]) -> list[_Row]:
    """The rows to try next: the least occupied first, so that every bay of the concourse gets
    its share of shops; among equals the ones nearest the middle, south before north."""
    return sorted(
        rows,
        key=lambda r: (
            round(r.used() / (r.x1 - r.x0), 2),
            round(abs((r.x0 + r.x1) / 2 - r.centre_x), 1),
            r.side,
        ),
    )


def _spread(count: int, candidates: Sequence) -> list:
    """``count`` items picked evenly along ``candidates`` (deterministic)."""
    if count <= 0:
        return []
    assert count <= len(candidates), (count, len(candidates))
    if count == 1:
        return [candidates[len(candidates) // 2]]
    step = (len(candidates) - 1) / (count - 1)
    return [candidates[round(i * step)] for i in range(count)]


def _scaled(arch: Archetype, scale: float) -> Archetype:
    if scale == 1 or arch.kind not in (Unit.Kind.SHOP, Unit.Kind.KIOSK, Unit.Kind.COUNTER):
        return arch
    depth = None if arch.depth_m is None else arch.depth_m * scale
    return dataclasses.replace(arch, width_m=round(arch.width_m * scale), depth_m=depth)


def plan_level(plan: LevelPlan) -> LevelLayout:
    """Lay out one level: outline, zones, units in rows, service rooms, column spots."""
    outline = _outline(plan)
    xmin, ymin, xmax, ymax = outline.bounds
    centre_x, centre_y = (xmin + xmax) / 2, (ymin + ymax) / 2
    spine = (centre_y - plan.spine_m / 2, centre_y + plan.spine_m / 2)
    layout = LevelLayout(plan, outline)

    # Zones: the waiting or exit areas first, then the no-build flows and corridors.
    if plan.paid_side:
        layout.zones.append(
            (
                Zone.Kind.UNPAID_AREA,
                "进出站大厅 Station hall (unpaid)",
                _clip(_box(xmin, ymin, xmax, centre_y), outline),
            )
        )
        layout.zones.append(
            (
                Zone.Kind.PAID_AREA,
                "出站通道 Exit passage (paid, before the exit gates)",
                _clip(_box(xmin, centre_y, xmax, ymax), outline),
            )
        )
    else:
        layout.zones.append(
            (Zone.Kind.UNPAID_AREA, "候车区 Waiting area (before the ticket gates)", outline)
        )
    layout.zones.append(
        (
            Zone.Kind.PASSENGER_FLOW,
            "主客流线 Main passenger flow",
            _clip(_box(xmin, spine[0], xmax, spine[1]), outline),
        )
    )
    for i, x in enumerate(plan.cross_flows, start=1):
        half = plan.cross_flow_m / 2
        layout.zones.append(
            (
                Zone.Kind.PASSENGER_FLOW,
                f"中央大厅客流 {i} Central hall flow {i}",
                _clip(_box(x - half, ymin, x + half, ymax), outline),
            )
        )
    for i, x in enumerate(plan.corridors, start=1):
        half = plan.corridor_m / 2
        layout.zones.append(
            (
                Zone.Kind.EVACUATION,
                f"疏散通道 {i} Evacuation corridor {i}",
                _clip(_box(x - half, ymin, x + half, ymax), outline),
            )
        )

    rows = _rows(plan, spine, centre_x)
    walls = [r for r in rows if not r.island]
    islands = [r for r in rows if r.island] or walls

    # Toilet blocks at the far end of north wall rows, spread along the level.
    northern = sorted((r for r in walls if r.side == "N"), key=lambda r: r.x0)
    for row in _spread(plan.toilets, northern):
        row.toilet = True

    archetypes = [_scaled(ARCHETYPES[key], plan.unit_scale) for key in plan.programme]
    for arch in sorted(archetypes, key=lambda a: a.is_island):
        candidates = islands if arch.is_island else walls
        row = next((r for r in _by_preference(candidates) if r.fits(arch)), None)
        assert row is not None, (plan.name, "no room for", arch.name)
        row.items.append(arch)

    placed: list[tuple[str, Archetype, Polygon]] = []
    for row in rows:
        if row.island:
            cluster = sum(a.width_m for a in row.items) + ISLAND_GAP_M * (len(row.items) - 1)
            cursor = (row.x0 + row.x1 - cluster) / 2
            for arch in row.items:
                depth = min(arch.depth_m, row.y1 - row.y0)
                y0 = (row.y0 + row.y1 - depth) / 2
                placed.append(
                    (row.side, arch, _box(cursor, y0, cursor + arch.width_m, y0 + depth))
                )
                cursor += arch.width_m + ISLAND_GAP_M
            continue
        if row.items:
            box = (row.x0, row.y0, row.x0 + SWITCH_ROOM_M, row.y1)
            layout.switch_rooms.append(Room(box, row.wall_y))
        cursor = row.x0 + SWITCH_ROOM_M
        for arch in row.items:
            if arch.is_island:  # a small level without island rows: against the wall
                depth = min(arch.depth_m, row.y1 - row.y0)
                y0 = row.y0 if row.side == "S" else row.y1 - depth
                shape = _box(cursor + 1, y0, cursor + 1 + arch.width_m, y0 + depth)
            else:
                shape = _box(cursor, row.y0, cursor + arch.width_m, row.y1)
            placed.append((row.side, arch, shape))
            cursor += row.consumes(arch)
        if row.toilet:
            box = (row.x1 - row.toilet_m, row.y0, row.x1, row.y1)
            layout.toilet_blocks.append(Room(box, row.wall_y))

    for i, room in enumerate(layout.switch_rooms, start=1):
        layout.zones.append(
            (Zone.Kind.OTHER_NO_BUILD, f"配电间 {i} Switch room {i}", _box(*room.box))
        )
    for i, room in enumerate(layout.toilet_blocks, start=1):
        layout.zones.append((Zone.Kind.OTHER_NO_BUILD, f"卫生间 {i} Toilets {i}", _box(*room.box)))

    paid = [poly for kind, _name, poly in layout.zones if kind == Zone.Kind.PAID_AREA]
    # Readable codes: wall shops A (south) / B (north), islands by kind, numbered along x.
    counters: dict[str, int] = {}
    for side, arch, polygon in sorted(
        placed, key=lambda p: (p[1].is_island, p[0], p[2].bounds[0], p[2].bounds[1])
    ):
        letter = _CODE_PREFIX.get(arch.kind, "A" if side == "S" else "B")
        counters[letter] = counters.get(letter, 0) + 1
        code = f"{plan.short_name}-{letter}{counters[letter]:02d}"
        in_paid = any(shapely.covers(zone, polygon.centroid) for zone in paid)
        layout.units.append(PlannedUnit(code, arch, polygon, in_paid))

    # Column spots for lightbox sockets along both edges of the main passenger flow.
    unit_polys = [u.polygon for u in layout.units]
    blockers = unit_polys + [
        poly for kind, _n, poly in layout.zones if kind in Zone.NO_BUILD_KINDS
    ]
    tree = shapely.STRtree(blockers)
    for x0, x1 in _bays(plan):
        for y in (spine[0] - 1.0, spine[1] + 1.0):
            x = x0 + 3.0
            while x <= x1 - 3.0:
                point = shapely.Point(round(x, 2), round(y, 2))
                if outline.covers(point) and not len(tree.query(point, predicate="intersects")):
                    layout.column_spots.append((round(x, 2), round(y, 2)))
                x += 6.0
    layout.column_spots.sort(key=lambda p: (p[0], p[1]))
    return layout


# --- utility points -------------------------------------------------------------------------


def _point(kind, x, y, code, capacity_kw=None) -> services.PointSpec:
    return services.PointSpec(
        kind=kind,
        x=Decimal(str(round(x, 2))),
        y=Decimal(str(round(y, 2))),
        capacity_kw=None if capacity_kw is None else Decimal(capacity_kw),
        code=code,
    )


def _inside(polygon: Polygon, fx: float, fy: float) -> tuple[float, float]:
    x0, y0, x1, y1 = polygon.bounds
    return x0 + (x1 - x0) * fx, y0 + (y1 - y0) * fy


def _floor_socket_plan(layouts: list[LevelLayout], total: int) -> dict[str, int]:
    """How many floor sockets each unit gets: the basic-configuration units first, in full."""
    units = [u for layout in layouts for u in layout.units if u.archetype.types]
    anchors = []
    for group in BASIC_GROUPS:
        anchor = next(
            (u for u in units if group in u.archetype.basic_groups and u not in anchors), None
        )
        if anchor is not None:
            anchors.append(anchor)
    others = [u for u in units if u not in anchors]
    others.sort(
        key=lambda u: (not (set(u.archetype.types) & CATERING_TYPES), not u.archetype.is_island)
    )
    plan, left = {}, total
    for unit in anchors + others:
        need = unit.archetype.floor_sockets_needed
        if 0 < need <= left:
            plan[unit.code] = need
            left -= need
    # Sockets beyond every need go one at a time to the shops and islands, in the same order:
    # a counter in the middle of a shop is the usual reason for one more.
    spare = [u for u in anchors + others if u.archetype.kind in ("shop", "kiosk")] or units
    i = 0
    while left > 0 and spare:
        unit = spare[i % len(spare)]
        plan[unit.code] = plan.get(unit.code, 0) + 1
        left -= 1
        i += 1
    assert left == 0, ("floor sockets left over", left)
    return plan


def plan_points(
    station: StationPlan, layouts: list[LevelLayout]
) -> list[list[services.PointSpec]]:
    """The utility points of each level of a station, from the station's allocation."""
    utilities = UTILITIES[station.code]
    per_level: list[list[services.PointSpec]] = [[] for _layout in layouts]

    # Distribution cabinets in the switch rooms, dealt round the rooms of the whole station.
    rooms = [(i, room) for i, layout in enumerate(layouts) for room in layout.switch_rooms]
    assert rooms, station.code
    in_room: dict[int, int] = {}
    for n, capacity in enumerate(utilities.cabinet_capacities):
        index = n % len(rooms)
        level_index, room = rooms[index]
        slot = in_room.get(index, 0)
        in_room[index] = slot + 1
        x0, y0, x1, y1 = room.box
        column, line = slot % 2, slot // 2
        y = room.wall_y + room.inward * (1.0 + 1.2 * line)
        assert y0 < y < y1, (station.code, "switch room too small")
        code = f"{layouts[level_index].plan.short_name}-PD{n + 1:02d}"
        per_level[level_index].append(
            _point(UtilityPoint.Kind.CABINET, x0 + 1.0 + 2.0 * column, y, code, capacity)
        )

    # Toilet blocks: one toilet interface each, the washbasins dealt round them.
    blocks = [(i, block) for i, layout in enumerate(layouts) for block in layout.toilet_blocks]
    assert len(blocks) == utilities.toilets, station.code
    basins: dict[int, int] = {}
    for n in range(utilities.washbasins):
        basins[n % len(blocks)] = basins.get(n % len(blocks), 0) + 1
    for n, (level_index, block) in enumerate(blocks):
        x0, y0, x1, y1 = block.box
        short = layouts[level_index].plan.short_name
        mid_y = (y0 + y1) / 2
        per_level[level_index].append(
            _point(UtilityPoint.Kind.TOILET, (x0 + x1) / 2, mid_y, f"{short}-WC{n + 1:02d}")
        )
        for b in range(basins.get(n, 0)):
            per_level[level_index].append(
                _point(
                    UtilityPoint.Kind.WASHBASIN,
                    x0 + 1.5 + 1.5 * b,
                    block.wall_y + block.inward * 1.0,
                    f"{short}-WB{n + 1:02d}{chr(ord('a') + b)}",
                )
            )

    # Inside the units: water and drainage where the designated types need them, floor
    # sockets by plan, and the lightbox socket of each lightbox unit.
    sockets = _floor_socket_plan(layouts, utilities.floor_sockets)
    lightboxes_in_units = 0
    for level_index, layout in enumerate(layouts):
        points = per_level[level_index]
        for unit in layout.units:
            arch, poly = unit.archetype, unit.polygon
            if arch.needs("water"):
                points.append(
                    _point(UtilityPoint.Kind.WATER, *_inside(poly, 0.2, 0.25), f"{unit.code}-W")
                )
            if arch.needs("drainage"):
                points.append(
                    _point(
                        UtilityPoint.Kind.DRAINAGE, *_inside(poly, 0.35, 0.25), f"{unit.code}-D"
                    )
                )
            count = sockets.get(unit.code, 0)
            for s in range(count):
                points.append(
                    _point(
                        UtilityPoint.Kind.FLOOR_SOCKET,
                        *_inside(poly, (s + 1) / (count + 1), 0.6),
                        f"{unit.code}-F{s + 1}",
                    )
                )
            if arch.kind == Unit.Kind.LIGHTBOX:
                lightboxes_in_units += 1
                points.append(
                    _point(
                        UtilityPoint.Kind.LIGHTBOX_SOCKET,
                        *_inside(poly, 0.5, 0.5),
                        f"{unit.code}-LB",
                    )
                )

    # The other lightbox sockets on the columns along the main flow, spread over the levels
    # in proportion to their column spots (largest remainder, so the total is exact).
    on_columns = utilities.lightbox_sockets - lightboxes_in_units
    spots = [len(layout.column_spots) for layout in layouts]
    shares = [on_columns * s / sum(spots) for s in spots]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: on_columns - sum(counts)]:
        counts[i] += 1
    for level_index, layout in enumerate(layouts):
        short = layout.plan.short_name
        for n, (x, y) in enumerate(_spread(counts[level_index], layout.column_spots), start=1):
            per_level[level_index].append(
                _point(UtilityPoint.Kind.LIGHTBOX_SOCKET, x, y, f"{short}-LB{n:02d}")
            )
    return per_level


def released(unit: PlannedUnit) -> bool:
    """Units released for letting first: the basic configuration and catering."""
    return bool(unit.archetype.basic_groups or set(unit.archetype.types) & CATERING_TYPES)


# --- loading --------------------------------------------------------------------------------


def _write(stdout, line: str) -> None:
    if stdout is not None:
        stdout.write(line + "\n")


def load_station(plan: StationPlan) -> dict[str, int]:
    """Create one station with its levels, zones, units and utility points, all or nothing."""
    layouts = [plan_level(level) for level in plan.levels]
    points = plan_points(plan, layouts)
    with transaction.atomic():
        station = services.station_create(
            actor=None,
            code=plan.code,
            name_zh=plan.name_zh,
            name_en=plan.name_en,
            line=LINE,
            city=plan.city,
            tier=plan.tier,
            latitude=plan.latitude,
            longitude=plan.longitude,
            plan_rotation_deg=plan.plan_rotation_deg,
        )
        # Cabinets first: a unit's power is checked against the station's capacity.
        levels = []
        for layout, level_points in zip(layouts, points, strict=True):
            level = services.level_create(
                actor=None,
                station=station,
                name=layout.plan.name,
                short_name=layout.plan.short_name,
                ordinal=layout.plan.ordinal,
                outline=layout.outline.wkt,
            )
            for kind, name, polygon in layout.zones:
                services.zone_create(
                    actor=None, level=level, kind=kind, name=name, polygon=polygon.wkt
                )
            services.utility_points_create(actor=None, level=level, specs=level_points)
            levels.append(level)
        available = 0
        for layout, level in zip(layouts, levels, strict=True):
            units = services.units_create(
                actor=None, level=level, specs=[u.spec for u in layout.units]
            )
            for unit, planned in zip(units, layout.units, strict=True):
                if released(planned):
                    services.unit_change_status(
                        actor=None,
                        unit=unit,
                        status=Unit.Status.AVAILABLE,
                        reason="Released for letting with the demo network.",
                    )
                    available += 1
    utilities = UTILITIES[plan.code]
    return {
        "levels": len(layouts),
        "units": sum(len(layout.units) for layout in layouts),
        "available": available,
        "cabinets": len(utilities.cabinet_capacities),
        "capacity_kw": utilities.capacity_kw,
        "allocated_kw": sum(u.archetype.power_kw for layout in layouts for u in layout.units),
    }


def load_stations(*, stdout=None) -> list[str]:
    """Load every station not loaded yet; return the codes loaded now."""
    loaded = []
    for n, plan in enumerate(STATIONS, start=1):
        label = f"[{n}/{len(STATIONS)}] {plan.code} {plan.name_zh} {plan.name_en}"
        if Station.objects.filter(code=plan.code).exists():
            _write(stdout, _("%(label)s: already loaded, skipped") % {"label": label})
            continue
        counts = load_station(plan)
        loaded.append(plan.code)
        levels = ngettext("%(n)d level", "%(n)d levels", counts["levels"]) % {
            "n": counts["levels"]
        }
        _write(
            stdout,
            _(
                "%(label)s: %(levels)s, %(units)d units (%(available)d available for letting), "
                "%(cabinets)d cabinets with %(capacity_kw)s kW (%(allocated_kw)s kW allocated)"
            )
            % {**counts, "label": label, "levels": levels},
        )
    return loaded


# --- users ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    scope: object  # a lazily translated label
    first_name: str
    last_name: str
    stations: tuple[str, ...] = ()  # manage_station on these Station objects
    network: bool = False  # manage_station on every station


USERS = (
    DemoUser(
        "officer", roles.LEASING_OFFICER, gettext_lazy("all stations"), "建国", "王", network=True
    ),
    DemoUser(
        "officer_css",
        roles.LEASING_OFFICER,
        gettext_lazy("Changsha South (CSS)"),
        "丽",
        "李",
        ("CSS",),
    ),
    DemoUser(
        "manager_hye",
        roles.STATION_MANAGER,
        gettext_lazy("Hengyang East (HYE)"),
        "志强",
        "张",
        ("HYE",),
    ),
    *(
        DemoUser(
            f"committee{n}",
            roles.COMMITTEE_MEMBER,
            gettext_lazy("rounds they sit on"),
            given,
            family,
        )
        for n, (family, given) in enumerate(
            [("陈", "敏"), ("刘", "洋"), ("杨", "静"), ("赵", "磊"), ("黄", "芳")], start=1
        )
    ),
    DemoUser(
        "inspector",
        roles.DISCIPLINE_INSPECTOR,
        gettext_lazy("reads all, changes nothing"),
        "正",
        "周",
    ),
    DemoUser(
        "merchant_mcd", roles.MERCHANT, gettext_lazy("McDonald's (own company)"), "Ronald", "Mak"
    ),
    DemoUser("merchant_kfc", roles.MERCHANT, gettext_lazy("KFC (own company)"), "Harland", "Ko"),
)
ADMIN_USERNAME = "admin"


def demo_password() -> tuple[str, bool]:
    """The demo password and whether it was set in the environment."""
    value = os.environ.get(PASSWORD_VARIABLE, "")
    return (value, True) if value else (DEFAULT_PASSWORD, False)


def load_users(*, stdout=None) -> list[str]:
    """Create the demo users and their scopes; return the usernames created now.

    An existing user is left as it is, except that its password is set again when
    DEMO_PASSWORD is given, so a second run never silently changes a login.
    """
    from guardian.shortcuts import assign_perm

    password, from_environment = demo_password()
    manage = Permission.objects.get(content_type__app_label="stations", codename="manage_station")
    created = []
    with transaction.atomic():
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None:
            User.objects.create_superuser(
                ADMIN_USERNAME, f"{ADMIN_USERNAME}@example.com", password
            )
            created.append(ADMIN_USERNAME)
        elif from_environment:
            admin.set_password(password)
            admin.save(update_fields=["password"])
        for spec in USERS:
            user = User.objects.filter(username=spec.username).first()
            if user is None:
                user = User.objects.create_user(
                    spec.username,
                    f"{spec.username}@example.com",
                    password,
                    first_name=spec.first_name,
                    last_name=spec.last_name,
                )
                user.groups.add(Group.objects.get(name=spec.role))
                if spec.network:
                    user.user_permissions.add(manage)
                for code in spec.stations:
                    assign_perm(manage, user, Station.objects.get(code=code))
                created.append(spec.username)
            elif from_environment:
                user.set_password(password)
                user.save(update_fields=["password"])
    if created:
        _write(stdout, _("Demo users created: %(names)s") % {"names": ", ".join(created)})
    else:
        _write(stdout, _("Demo users already exist, left unchanged."))
    return created


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def print_logins(*, stdout) -> None:
    """The logins table: username, role, scope, password, and where to sign in."""
    password, from_environment = demo_password()
    header = (
        pgettext("demo logins", "username"),
        pgettext("demo logins", "role"),
        pgettext("demo logins", "scope"),
        pgettext("demo logins", "password"),
    )
    rows = [(ADMIN_USERNAME, _("Superuser"), _("everything"), password)] + [
        (u.username, str(roles.ROLE_LABELS[u.role]), str(u.scope), password) for u in USERS
    ]
    widths = [max(_width(str(row[i])) for row in [header, *rows]) for i in range(4)]
    _write(stdout, "")
    _write(stdout, _("Demo logins — sign in at %(url)s") % {"url": ADMIN_URL})
    for row in [header, tuple("-" * w for w in widths), *rows]:
        _write(
            stdout, "  ".join(_pad(str(v), w) for v, w in zip(row, widths, strict=True)).rstrip()
        )
    if not from_environment:
        _write(
            stdout,
            _("Default password; set %(var)s to choose another. Existing users keep theirs.")
            % {"var": PASSWORD_VARIABLE},
        )


def load(*, stdout=None) -> dict[str, list[str]]:
    """Load the stations, then the users (whose scopes name stations). Idempotent."""
    stations = load_stations(stdout=stdout)
    users = load_users(stdout=stdout)
    return {"stations": stations, "users": users}
