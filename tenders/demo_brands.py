"""The rest of the demo's brand database: the brands met at investment fairs and in the
stations' surveys, recorded by the leasing officer with what each wants (DOMAIN.md: 240 brands
that registered interest, in 4 classes and about 15 types).

With the 26 merchants of tenders.demo they make 240. Three of them hold space the railway
transferred without tender (leasing.demo): China Railway Express's luggage rooms, UBox's
vending machines and Lemoba's massage chairs. The others are made up from Hunan place names
and one word for their trade, the same on every load.
"""

from __future__ import annotations

import datetime as dt

from stations.models import Station

from .demo import DemoDemand, DemoMerchant
from .models import Demand

Tier = Station.Tier
Lease = Demand.LeaseMode
ALL_TIERS = (Tier.PROVINCIAL_CAPITAL, Tier.PREFECTURE, Tier.COUNTY)
CITIES = (Tier.PROVINCIAL_CAPITAL, Tier.PREFECTURE)

# (Chinese, pinyin): the first word of a made-up brand.
PLACES = (
    ("潇湘", "Xiaoxiang"),
    ("岳麓", "Yuelu"),
    ("洞庭", "Dongting"),
    ("橘洲", "Juzhou"),
    ("湘江", "Xiangjiang"),
    ("衡岳", "Hengyue"),
    ("麓山", "Lushan"),
    ("韶山", "Shaoshan"),
    ("浏阳", "Liuyang"),
    ("宁乡", "Ningxiang"),
    ("醴陵", "Liling"),
    ("炎陵", "Yanling"),
    ("桃源", "Taoyuan"),
    ("武陵", "Wuling"),
    ("凤凰", "Fenghuang"),
    ("雪峰", "Xuefeng"),
    ("舜帝", "Shundi"),
    ("苏仙", "Suxian"),
    ("东江", "Dongjiang"),
    ("莽山", "Mangshan"),
    ("汝城", "Rucheng"),
    ("耒水", "Leishui"),
    ("蒸湘", "Zhengxiang"),
    ("雁城", "Yancheng"),
    ("君山", "Junshan"),
    ("汨罗", "Miluo"),
    ("湘潭", "Xiangtan"),
    ("石鼓", "Shigu"),
    ("南岳", "Nanyue"),
    ("天心", "Tianxin"),
    ("芙蓉", "Furong"),
    ("星沙", "Xingsha"),
)

# Told apart when a place comes round again (32 places, 211 brands).
QUALIFIERS = (
    ("", ""), ("老", "Old"), ("好", "Good"), ("福", "Fortune"), ("金", "Golden"),
    ("鲜", "Fresh"), ("乐", "Happy"), ("悦", "Joy"),
)  # fmt: skip

# (type, Chinese trade word, English trade word, how many, area range m², rent/m²/month,
#  lease mode, where): the make-up by type of the 211 made-up brands.
TRADES = (
    ("fast-food", "炸鸡汉堡", "Burgers", 12, ("60", "200"), "220", Lease.FIXED, CITIES),
    ("chinese-fast-food", "小厨", "Kitchen", 30, ("60", "250"), "200", Lease.BOTH, CITIES),
    ("noodles", "米粉", "Rice Noodles", 25, ("40", "120"), "150", Lease.FIXED, ALL_TIERS),
    ("coffee", "咖啡", "Coffee", 14, ("30", "150"), "210", Lease.BOTH, CITIES),
    ("tea-drinks", "茶饮", "Tea", 30, ("10", "60"), "260", Lease.FIXED, ALL_TIERS),
    ("bakery", "烘焙", "Bakery", 10, ("30", "80"), "170", Lease.FIXED, CITIES),
    ("convenience-store", "便利", "Mart", 14, ("60", "200"), "120", Lease.FIXED, ALL_TIERS),
    ("bookstore", "书屋", "Books", 5, ("20", "80"), "60", Lease.FIXED, ALL_TIERS),
    ("local-specialty", "土产", "Specialties", 35, ("10", "100"), "140", Lease.FIXED, ALL_TIERS),
    ("pharmacy", "大药房", "Pharmacy", 8, ("40", "100"), "110", Lease.FIXED, CITIES),
    ("luggage-storage", "行李寄存", "Luggage", 5, ("30", "80"), "60", Lease.FIXED, ALL_TIERS),
    ("telecom-hall", "通信", "Telecom", 2, ("40", "80"), "140", Lease.FIXED, CITIES),
    ("bank-atm", "银行", "Bank", 3, ("2", "4"), "400", Lease.FIXED, ALL_TIERS),
    ("vending", "自助售货", "Vending", 9, ("1", "4"), "300", Lease.TURNOVER, ALL_TIERS),
    ("massage-chairs", "按摩椅", "Massage Chairs", 9, ("10", "40"), "90", Lease.TURNOVER,
     ALL_TIERS),
)  # fmt: skip

# Hunan's administrative divisions (the credit code's characters 3–8).
DIVISIONS = ("430102", "430103", "430104", "430105", "430111", "430600", "430200", "430400")


def _merchant(key, name, brand_zh, brand_en, types, division, capital, founded, stores,
              rating, contact, phone, demands) -> DemoMerchant:  # fmt: skip
    return DemoMerchant(
        key, name, brand_zh, brand_en, types, division, capital, founded, stores, rating,
        contact, phone, "", demands, portal=False,
    )  # fmt: skip


# The three brands that hold transferred space (leasing.demo).
NAMED = (
    _merchant(
        "crexpress", "中铁快运股份有限公司湖南分公司", "中铁快运", "China Railway Express",
        ("luggage-storage", "express-delivery"), "430105", "50000000", dt.date(1997, 3, 1),
        180, "4.50", "刘建国", "0731-8266 3101",
        (DemoDemand("luggage-storage", ("40", "80"), "50", tiers=ALL_TIERS,
                    location_wish="出站层，与铁路行包业务一体"),),
    ),
    _merchant(
        "ubox", "北京友宝在线科技股份有限公司", "友宝", "UBox", ("vending",), "110108",
        "35000000", dt.date(2010, 4, 20), 600, "4.30", "赵宁", "010-8456 3102",
        (DemoDemand("vending", ("1", "2"), "320", tiers=ALL_TIERS,
                    location_wish="候车区与出站层，饮料零食自动售货机",
                    lease_mode=Lease.TURNOVER),),
    ),
    _merchant(
        "lemoba", "湖南乐摩物联科技有限公司", "乐摩吧", "Lemoba", ("massage-chairs",),
        "430111", "20000000", dt.date(2015, 6, 8), 300, "4.20", "陈乐", "0731-8599 3103",
        (DemoDemand("massage-chairs", ("10", "40"), "80", tiers=CITIES,
                    location_wish="候车区安静处，按次扫码付费", lease_mode=Lease.TURNOVER),),
    ),
)  # fmt: skip


def _generated(count: int) -> tuple[DemoMerchant, ...]:
    """``count`` made-up brands, one or two demands each, by the TRADES make-up."""
    plans = []
    for code, word_zh, word_en, how_many, area, rent, mode, tiers in TRADES:
        for k in range(how_many):
            n = len(plans)
            place_zh, place_en = PLACES[n % len(PLACES)]
            again = n // len(PLACES)  # the same place again: a qualifier tells them apart
            qualifier_zh, qualifier_en = QUALIFIERS[again]
            brand_zh = f"{place_zh}{qualifier_zh}{word_zh}"
            brand_en = " ".join(w for w in (place_en, qualifier_en, word_en) if w)
            wants = [DemoDemand(code, area, rent, tiers=tiers, lease_mode=mode)]
            if k % 4 == 0:  # one in four also names the station it wants most
                station = ("CSS", "HYE", "YYE", "CZW", "ZZW")[k % 5]
                wants.append(DemoDemand(code, area, rent, stations=(station,), lease_mode=mode))
            plans.append(
                _merchant(
                    f"b{n:03d}",
                    f"湖南{brand_zh}有限公司",
                    brand_zh,
                    brand_en,
                    (code,),
                    DIVISIONS[n % len(DIVISIONS)],
                    str(1_000_000 * (1 + n % 20)),
                    dt.date(2005 + n % 18, 1 + n % 12, 1 + n % 28),
                    3 + (n * 13) % 200,
                    f"{4.0 + (n % 9) / 10:.2f}",
                    "",
                    "",
                    tuple(wants),
                )  # fmt: skip
            )
    assert len(plans) == count, len(plans)
    return tuple(plans)


BRANDS = (*NAMED, *_generated(211))
