"""The tender demo: merchants with their demands, and tender rounds in every state.

Loaded by ``load_demo`` after the Hunan network (stations.demo), whose units and users it uses.
Every row is written by the tender services, as the person who would do it (the officer, the
inspector, a committee member, a merchant's user), so every step is checked and journaled.
The rounds' histories lie in the past: they are replayed in time order on a travelling clock
(time-machine), so each receipt, decision and journal entry carries its simulated time, and
every date is placed relative to the day of loading. The whole load is one transaction;
merchants (by credit code) and rounds (by number) that exist already are skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Protocol
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stations import demo as station_demo
from stations.catalogue import TYPES
from stations.models import BusinessCategory, Station, Unit
from tenders import committee, rounds, scoring, services
from tenders import result as outcome
from tenders.applications import application_decide, application_submit
from tenders.bids import bid_submit
from tenders.credit_code import ALPHABET, check_character
from tenders.models import (
    Application,
    CreditRecord,
    Criterion,
    Demand,
    Lot,
    Merchant,
    Objection,
    OpenedBid,
    RoundDocument,
    Seat,
    TenderRound,
)
from tenders.opening import opening_confirm

Status = TenderRound.Status
LegalForm = Merchant.LegalForm
Mode = Merchant.OperationMode
Lease = Demand.LeaseMode
Tier = Station.Tier
ALL_TIERS = (Tier.PROVINCIAL_CAPITAL, Tier.PREFECTURE, Tier.COUNTY)

# What each business type needs (the catalogue's planning minimums): a demand asks for it.
NEEDS = {
    code: {
        "power_kw": Decimal(kw),
        "floor_sockets": sockets,
        "needs_water": water,
        "needs_drainage": drain,
        "needs_exhaust": exhaust,
    }
    for _cls, code, _zh, _en, kw, sockets, water, drain, exhaust, _basic in TYPES
}

# The railway's people, as stations.demo creates them.
OFFICER = "officer"
INSPECTOR = "inspector"
COMMITTEE = tuple(f"committee{n}" for n in range(1, 6))
DEPARTMENTS = (
    Seat.Department.LEGAL,  # committee1, the chair
    Seat.Department.PASSENGER,
    Seat.Department.FINANCE,
    Seat.Department.STATION,
    Seat.Department.ENTERPRISE,
)
LESSOR = "湖南高铁车站商业开发有限公司"


# --- merchants ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDemand:
    business_type: str
    area_m2: tuple[str, str]
    rent_m2_month: str
    stations: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    location_wish: str = ""
    lease_mode: str = Lease.FIXED
    term_months: int = 36


@dataclass(frozen=True)
class DemoCredit:
    kind: str
    source: str
    recorded: int  # days from the day of loading
    expires: int | None
    note: str = ""


@dataclass(frozen=True)
class DemoMerchant:
    key: str
    name: str
    brand_zh: str
    brand_en: str
    types: tuple[str, ...]
    division: str  # the administrative division of its registration (credit code, chars 3–8)
    capital: str
    founded: dt.date
    stores: int
    rating: str | None
    contact: str
    phone: str
    pitch: str  # what its bid proposals promise
    demands: tuple[DemoDemand, ...]
    legal_form: str = LegalForm.COMPANY
    mode: str = Mode.DIRECT
    credit: tuple[DemoCredit, ...] = ()
    username: str = ""  # its portal user; "merchant_<key>" unless given
    portal: bool = True  # False: recorded by the officer (a brand met at a fair), no portal user

    @property
    def user(self) -> str:
        return self.username or f"merchant_{self.key}"

    @property
    def credit_code(self) -> str:
        """A valid unified social credit code (GB 32100), the same on every load."""
        digest = hashlib.sha256(f"hsr-demo:{self.key}".encode()).digest()
        organisation = "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:9])
        kind = "92" if self.legal_form == LegalForm.INDIVIDUAL else "91"
        first17 = f"{kind}{self.division}{organisation}"
        return first17 + check_character(first17)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


MERCHANTS = (
    DemoMerchant(
        "mcd", "金拱门（长沙）食品有限公司", "麦当劳", "McDonald's", ("fast-food", "coffee"),
        "430104", "60000000", _d("2006-05-18"), 186, "4.70", "麦浩然", "0731-8266 1001",
        "全天营业覆盖首末班列车，供应早餐、正餐与麦咖啡；与城市门店同质同价；高峰时段增开自助"
        "点餐机和手机点餐取餐柜，旅客十分钟内取餐。",
        (
            DemoDemand("fast-food", ("150", "400"), "260", stations=("CSS", "YYE", "HYE", "CZW"),
                       location_wish="高架候车层，靠近检票口，可设外摆座位",
                       lease_mode=Lease.BOTH, term_months=60),
            DemoDemand("coffee", ("20", "60"), "180", tiers=(Tier.PREFECTURE,),
                       location_wish="与餐厅相邻的麦咖啡售卖亭"),
        ),
        username="merchant_mcd",
    ),
    DemoMerchant(
        "kfc", "长沙肯德基有限公司", "肯德基", "KFC", ("fast-food",),
        "430102", "96000000", _d("1995-03-10"), 312, "4.60", "柯锦华", "0731-8455 2002",
        "供应早餐、全餐及湘味特色产品，站内手机点餐到柜取餐；按车站统一风格装修，同质同价；"
        "备餐覆盖列车晚点时段。",
        (
            DemoDemand("fast-food", ("120", "300"), "210", tiers=(Tier.PREFECTURE,),
                       location_wish="候车层或出站层人流主通道旁", term_months=60),
            DemoDemand("fast-food", ("150", "300"), "280", stations=("CSS",),
                       location_wish="长沙南站出站层", lease_mode=Lease.BOTH, term_months=60),
        ),
        username="merchant_kfc",
    ),
    DemoMerchant(
        "cmcc", "中国移动通信集团湖南有限公司", "中国移动", "China Mobile",
        ("telecom-hall", "charging-station"),
        "430105", "2300000000", _d("1999-12-28"), 1260, "4.50", "罗志刚", "0731-8888 3003",
        "营业厅办理5G开卡、流量包与国际漫游，候车区布设共享充电，提供站内网络咨询。",
        (
            DemoDemand("telecom-hall", ("40", "80"), "150",
                       tiers=(Tier.PROVINCIAL_CAPITAL, Tier.PREFECTURE),
                       location_wish="进站口附近，办理旅客临时号卡"),
        ),
    ),
    DemoMerchant(
        "bocom", "交通银行股份有限公司湖南省分行", "交通银行", "Bank of Communications",
        ("bank-atm", "bank-branch"),
        "430103", "74262726645", _d("1987-04-01"), 138, "4.60", "贺文斌", "0731-8432 4004",
        "进出站口布设自助设备，提供外币兑换与交通银行信用卡乘车优惠。",
        (
            DemoDemand("bank-atm", ("2", "6"), "420", tiers=ALL_TIERS,
                       location_wish="进站口与出站口各一台自助设备"),
            DemoDemand("bank-branch", ("80", "120"), "160", stations=("CSS",),
                       location_wish="出站层，便于旅客兑换外币", term_months=60),
        ),
    ),
    DemoMerchant(
        "xinhua", "湖南省新华书店有限责任公司", "新华书店", "Hunan Xinhua Bookstore",
        ("bookstore", "reading-bar"),
        "430102", "300000000", _d("1951-03-01"), 136, "4.80", "谭丽娟", "0731-8228 5005",
        "以湖湘文化图书、旅行读物和期刊为主，设湖南出版精品专柜与车站书吧，开展“旅途阅读”"
        "活动，图书执行全国统一定价。",
        (
            DemoDemand("bookstore", ("40", "150"), "80", tiers=ALL_TIERS,
                       location_wish="候车层安静区域，可兼设书吧", term_months=60),
        ),
    ),
    DemoMerchant(
        "luckin", "瑞幸咖啡（长沙）有限公司", "瑞幸咖啡", "Luckin Coffee", ("coffee",),
        "430111", "10000000", _d("2018-09-12"), 268, "4.40", "许嘉", "0731-8571 6006",
        "小程序预点单、到店即取的快取店，出杯不超过3分钟，价格与市区门店一致，首班车前开门。",
        (
            DemoDemand("coffee", ("20", "80"), "230", stations=("CSS",),
                       tiers=(Tier.PREFECTURE,), location_wish="检票口附近，支持预点单取餐",
                       lease_mode=Lease.BOTH),
        ),
    ),
    DemoMerchant(
        "starbucks", "星巴克企业管理（中国）有限公司长沙分公司", "星巴克", "Starbucks",
        ("coffee",),
        "430102", "20000000", _d("2005-07-14"), 126, "4.60", "何思远", "0731-8519 7007",
        "手工调制咖啡与轻食，设商务旅客座位区与充电位，线上点单站内取餐，价格与城市门店一致。",
        (
            DemoDemand("coffee", ("60", "150"), "220", stations=("CSS", "YYE", "HYE", "CZW"),
                       location_wish="高架层，可设开放式座位区", term_months=60),
        ),
    ),
    DemoMerchant(
        "lbx", "老百姓大药房连锁股份有限公司", "老百姓大药房", "LBX Pharmacy", ("pharmacy",),
        "430104", "584000000", _d("2005-12-16"), 2860, "4.50", "陈志明", "0731-8403 8008",
        "常备旅行用药、晕车药与急救包，执业药师在岗，医保刷卡，价格与市区门店一致。",
        (
            DemoDemand("pharmacy", ("30", "60"), "120",
                       tiers=(Tier.PROVINCIAL_CAPITAL, Tier.PREFECTURE),
                       location_wish="出站层或候车层，靠近母婴室"),
        ),
    ),
    DemoMerchant(
        "furong", "湖南芙蓉兴盛便利连锁有限公司", "芙蓉兴盛", "Furong Xingsheng",
        ("convenience-store", "local-specialty"),
        "430111", "50000000", _d("2001-06-08"), 1930, "4.20", "刘芳", "0731-8579 9009",
        "24小时营业，主营即食食品、饮品、日用品与湖南特产，与市区门店同价，设热食柜与自助收银。",
        (
            DemoDemand("convenience-store", ("60", "150"), "140", tiers=ALL_TIERS,
                       location_wish="候车层或出站层主通道旁"),
            DemoDemand("local-specialty", ("20", "40"), "110", stations=("CSS", "HSW"),
                       location_wish="湘品特产专柜"),
        ),
    ),
    DemoMerchant(
        "xinjiayi", "湖南新佳宜连锁商业有限公司", "新佳宜", "Xinjiayi", ("convenience-store",),
        "430105", "20000000", _d("2009-04-20"), 686, "4.30", "周敏", "0731-8415 1010",
        "24小时便利店，鲜食早餐、热饮与旅行用品齐全，会员价与市区门店一致，夜间到站旅客有热食供应。",
        (
            DemoDemand("convenience-store", ("50", "120"), "100",
                       tiers=(Tier.PREFECTURE, Tier.COUNTY), location_wish="县级站、地级站候车层"),
        ),
    ),
    DemoMerchant(
        "lawson", "湖南罗森便利店有限公司", "罗森", "Lawson", ("convenience-store",),
        "430103", "30000000", _d("2018-05-25"), 420, "4.50", "龚晓雯", "0731-8511 1111",
        "日式便利店，现制关东煮、饭团与便当，设站内自提点，商品价格与城市门店同价。",
        (
            DemoDemand("convenience-store", ("80", "160"), "150", stations=("CSS", "ZZW", "YYE"),
                       location_wish="进站口或出站口附近", lease_mode=Lease.BOTH),
        ),
    ),
    DemoMerchant(
        "chayan", "湖南茶悦文化产业发展集团有限公司", "茶颜悦色", "Sexy Tea", ("tea-drinks",),
        "430102", "10000000", _d("2015-03-23"), 620, "4.80", "吕思敏", "0731-8289 1212",
        "中式鲜茶饮，出品与长沙市区门店同质同价，高峰期增设出杯窗口，推广湖湘茶文化。",
        (
            DemoDemand("tea-drinks", ("12", "40"), "420", stations=("CSS",),
                       location_wish="长沙南站高架层售卖亭", lease_mode=Lease.BOTH),
            DemoDemand("tea-drinks", ("12", "30"), "300", tiers=(Tier.PREFECTURE,),
                       lease_mode=Lease.BOTH),
        ),
    ),
    DemoMerchant(
        "heytea", "深圳美西西餐饮管理有限公司", "喜茶", "HEYTEA", ("tea-drinks",),
        "440300", "12000000", _d("2012-05-12"), 900, "4.50", "黄嘉怡", "0755-8630 1313",
        "现制芝士茶与果茶，线上点单到店取，季节限定与城市门店同步。",
        (
            DemoDemand("tea-drinks", ("15", "40"), "380", stations=("CSS",),
                       lease_mode=Lease.TURNOVER),
        ),
    ),
    DemoMerchant(
        "yanjin", "盐津铺子食品股份有限公司", "盐津铺子", "Yanjinpuzi", ("local-specialty",),
        "430181", "196000000", _d("2005-08-15"), 150, "4.40", "张立", "0731-8365 1414",
        "湖南特色休闲食品与伴手礼，设湘味特产展示区与试吃台，礼盒便于旅客携带，统一零售价。",
        (
            DemoDemand("local-specialty", ("30", "180"), "140", tiers=ALL_TIERS,
                       location_wish="地方特产专区，兼售伴手礼", term_months=60),
        ),
    ),
    DemoMerchant(
        "zhouheiya", "湖南周黑鸭食品有限公司", "周黑鸭", "Zhou Hei Ya", ("local-specialty",),
        "430104", "30000000", _d("2012-10-09"), 210, "4.30", "吴俊", "0731-8852 1515",
        "锁鲜装卤味，冷链配送每日到店，真空小包装适合旅途携带，价格与城市门店一致。",
        (
            DemoDemand("local-specialty", ("12", "60"), "160", stations=("CSS", "HYE")),
        ),
    ),
    DemoMerchant(
        "jinzai", "劲仔食品集团股份有限公司", "劲仔", "Jinzai", ("local-specialty",),
        "430600", "450000000", _d("2010-06-30"), 60, "4.20", "彭浩", "0730-8266 1616",
        "岳阳本地休闲小鱼与豆干，设洞庭湖特产专柜，统一零售价。",
        (
            DemoDemand("local-specialty", ("20", "100"), "100", stations=("YYE", "MLE"),
                       location_wish="岳阳东站地方特产"),
        ),
    ),
    DemoMerchant(
        "junshan", "岳阳君山银针茶业有限公司", "君山银针", "Junshan Silver Needle",
        ("local-specialty",),
        "430600", "20000000", _d("2003-04-18"), 45, "4.50", "李娟", "0730-8831 1717",
        "展示君山岛黄茶制作技艺，提供黄茶品鉴与礼盒，价格与岳阳旗舰店一致。",
        (
            DemoDemand("local-specialty", ("30", "100"), "90", stations=("YYE",),
                       location_wish="岳阳东站候车层，展示君山岛茶文化", term_months=60),
        ),
    ),
    DemoMerchant(
        "yonghe", "永和大王餐饮（湖南）有限公司", "永和大王", "Yonghe King",
        ("chinese-fast-food", "noodles"),
        "430103", "15000000", _d("2008-11-06"), 85, "4.30", "郑凯", "0731-8516 1818",
        "中式快餐与豆浆油条早餐，标准化出餐，夜间持续营业，价格与城市门店一致。",
        (
            DemoDemand("chinese-fast-food", ("100", "200"), "170", tiers=(Tier.PREFECTURE,),
                       term_months=60),
        ),
    ),
    DemoMerchant(
        "zhengongfu", "真功夫餐饮管理有限公司", "真功夫", "Kungfu", ("chinese-fast-food",),
        "441900", "40000000", _d("2004-02-17"), 600, "4.40", "梁伟", "0769-2288 1919",
        "蒸品中式快餐，中央厨房配送、门店蒸制，出餐不超过5分钟，同质同价。",
        (
            DemoDemand("chinese-fast-food", ("100", "250"), "180",
                       tiers=(Tier.PROVINCIAL_CAPITAL, Tier.PREFECTURE), term_months=60),
        ),
    ),
    DemoMerchant(
        "yangyuxing", "长沙杨裕兴餐饮管理有限公司", "杨裕兴", "Yangyuxing Noodles",
        ("noodles",),
        "430102", "5000000", _d("1994-08-08"), 42, "4.50", "杨帆", "0731-8446 2020",
        "长沙老字号面馆，主营肉丝面、米粉与湘味小吃，中央厨房统一配送，出餐不超过5分钟。",
        (
            DemoDemand("noodles", ("50", "120"), "90", tiers=(Tier.PREFECTURE, Tier.COUNTY),
                       location_wish="候车层，供应长沙米粉和面条"),
            DemoDemand("noodles", ("100", "180"), "180", stations=("CSS",)),
        ),
    ),
    DemoMerchant(
        "feidachu", "湖南费大厨餐饮管理有限公司", "费大厨辣椒炒肉", "Fei Da Chu",
        ("chinese-fast-food",),
        "430102", "10000000", _d("2014-07-01"), 120, "4.70", "欧阳婷", "0731-8218 2121",
        "湘菜简餐，招牌辣椒炒肉现点现炒，两荤一素套餐适合候车旅客。",
        (
            DemoDemand("chinese-fast-food", ("200", "400"), "240", stations=("CSS",),
                       location_wish="长沙南站高架层，湘菜简餐", lease_mode=Lease.BOTH,
                       term_months=60),
        ),
    ),
    DemoMerchant(
        "sf", "顺丰速运有限公司", "顺丰", "SF Express",
        ("luggage-storage", "express-delivery"),
        "440300", "150000000", _d("2008-03-21"), 520, "4.60", "曾敏", "0755-8339 2222",
        "行李寄存与同城寄递一体化，扫码寄存、行李到家，24小时值守并投保，收费全站统一公示。",
        (
            DemoDemand("luggage-storage", ("40", "100"), "70", tiers=ALL_TIERS,
                       location_wish="出站层，寄存与寄递一体"),
        ),
    ),
    DemoMerchant(
        "holiland", "好利来（湖南）食品有限公司", "好利来", "Holiland", ("bakery",),
        "430105", "10000000", _d("2007-09-28"), 55, "4.60", "姜雪", "0731-8495 2323",
        "现烤面包与蛋糕，旅途伴手礼盒，价格与城市门店一致。",
        (
            DemoDemand("bakery", ("40", "80"), "180", stations=("CSS", "HYE")),
        ),
    ),
    # A franchisee, an individual business and a barred company: the thresholds keep them out.
    DemoMerchant(
        "huawang", "长沙华旺餐饮管理有限公司", "华莱士", "Wallace", ("fast-food",),
        "430111", "500000", _d("2020-07-01"), 3, "3.90", "王旺", "0731-8577 2424",
        "加盟华莱士品牌，经营炸鸡汉堡快餐。",
        (
            DemoDemand("fast-food", ("60", "120"), "60", tiers=(Tier.COUNTY,)),
        ),
        mode=Mode.FRANCHISE,
        credit=(
            DemoCredit(CreditRecord.Kind.WARNING, "长沙市雨花区市场监督管理局", -210, -30,
                       "食品安全抽检不合格，责令限期整改，已整改。"),
        ),
    ),
    DemoMerchant(
        "liji", "衡山县李记米粉店", "李记米粉", "Liji Rice Noodles", ("noodles",),
        "430423", "30000", _d("2016-03-08"), 1, None, "李建平", "0734-5822 2525",
        "衡山本地米粉，现煮现卖。",
        (
            DemoDemand("noodles", ("30", "70"), "45", stations=("HSW",),
                       location_wish="衡山西站候车层", term_months=24),
        ),
        legal_form=LegalForm.INDIVIDUAL,
    ),
    DemoMerchant(
        "weilai", "湖南味来餐饮管理有限公司", "味来快餐", "Weilai Fast Food",
        ("chinese-fast-food",),
        "430111", "2000000", _d("2017-09-01"), 12, "3.20", "孙立新", "0731-8563 2626",
        "中式快餐，盒饭与面食。",
        (
            DemoDemand("chinese-fast-food", ("80", "160"), "120", tiers=(Tier.PREFECTURE,)),
        ),
        credit=(
            DemoCredit(CreditRecord.Kind.BLACKLIST, "信用中国（湖南）失信被执行人名单", -150, 215,
                       "拖欠商铺租金，经法院判决后未履行。"),
        ),
    ),
)  # fmt: skip
MERCHANTS_BY_KEY = {m.key: m for m in MERCHANTS}


# --- rounds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoBid:
    merchant: str
    premium: str  # over the lot's reserve: "0.30" offers 130 %; below 0 is an invalid bid
    plan: str  # the committee's view of its proposal, as a share of each subjective weight
    first_premium: str | None = None  # an earlier bid it replaced before the deadline


@dataclass(frozen=True)
class DemoLot:
    station: str
    units: tuple[str, ...]
    business_type: str
    title: str
    rent_m2_month: int  # the reserve price's basis
    bids: tuple[DemoBid, ...] = ()
    term_months: int = 60


@dataclass(frozen=True)
class DemoApplication:
    merchant: str
    lots: tuple[int, ...]
    admit: bool | None  # None: awaiting the officer


@dataclass(frozen=True)
class DemoObjection:
    merchant: str
    lot: int
    grounds: str
    reason: str  # the officer's proposal: not upheld, for these reasons


@dataclass(frozen=True)
class Schedule:
    created: dt.datetime
    publication_at: dt.datetime
    application_opens_at: dt.datetime
    application_closes_at: dt.datetime
    bid_deadline: dt.datetime
    opening_at: dt.datetime
    bids_from: dt.datetime
    cancelled: dt.datetime | None = None
    signed: dt.datetime | None = None
    published: dt.datetime | None = None
    objected: dt.datetime | None = None
    proposed: dt.datetime | None = None
    cosigned: dt.datetime | None = None
    awarded: dt.datetime | None = None


@dataclass(frozen=True)
class DemoRound:
    code: str
    title: str
    status: str  # how far its history goes
    schedule: Callable[[Calendar], Schedule]
    thresholds: dict
    criteria: tuple[dict, ...]
    lots: tuple[DemoLot, ...]
    applications: tuple[DemoApplication, ...] = ()
    officer: str = OFFICER
    min_members_per_lot: int = 5
    conflicts: tuple[tuple[str, str, str], ...] = ()  # (member, bidder's key, statement)
    not_scored_by: tuple[str, ...] = ()
    objection: DemoObjection | None = None
    cancel_reason: str = ""


# The network's first opening (DOMAIN.md): a McDonald's on the elevated level of Changsha
# South, on 27 May. The demo's history takes place around the last 27 May that lies at least
# HISTORY_BEHIND_DAYS before the day of loading, so that every outlet of that year is open by
# then; the rounds of today's demo come after it.
FIRST_OPENING = (5, 27)
HISTORY_BEHIND_DAYS = 183


def first_opening_day(today: dt.date) -> dt.date:
    """The 27 May around which the demo's history is told (see FIRST_OPENING)."""
    month, day = FIRST_OPENING
    year = today.year
    while (today - dt.date(year, month, day)).days < HISTORY_BEHIND_DAYS:
        year -= 1
    return dt.date(year, month, day)


class Calendar:
    """Dates relative to the day of loading, in the railway's time zone; ``history`` is the
    same calendar with the first opening day for "today"."""

    def __init__(self, now: dt.datetime):
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.now = now
        self.today = now.astimezone(self.zone).date()
        self.minute = now.replace(second=0, microsecond=0)

    @cached_property
    def history(self) -> Calendar:
        opening = dt.datetime.combine(first_opening_day(self.today), dt.time(10), tzinfo=self.zone)
        return Calendar(opening)

    def day(self, offset: int, hour: int = 10, minute: int = 0) -> dt.datetime:
        """``offset`` days from today at ``hour:minute`` local time."""
        date = self.today + dt.timedelta(days=offset)
        return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=self.zone)

    def ago(self, *, days: int = 0, hours: int = 0) -> dt.datetime:
        return self.minute - dt.timedelta(days=days, hours=hours)

    def soon(self) -> dt.datetime:
        """The next half hour at least an hour from now."""
        later = self.minute + dt.timedelta(hours=1)
        return later + dt.timedelta(minutes=(30 - later.minute % 30) % 30)

    def schedule(
        self, created, publication, opens, closes, deadline, *, deadline_hour=10, **later
    ) -> Schedule:
        """Days from today: created 09:30, published 09:00, applications 09:00 to 17:00, the
        deadline at ``deadline_hour``, the opening half an hour later unless given."""
        deadline_at = self.day(deadline, deadline_hour)
        return Schedule(
            created=self.day(created, 9, 30),
            publication_at=self.day(publication, 9),
            application_opens_at=self.day(opens, 9),
            application_closes_at=self.day(closes, 17),
            bid_deadline=deadline_at,
            opening_at=later.pop("opening_at", deadline_at + dt.timedelta(minutes=30)),
            bids_from=later.pop("bids_from", deadline_at - dt.timedelta(days=2)),
            **later,
        )


PRICE = {"name": "租金报价", "kind": Criterion.Kind.PRICE}
CAPITAL_TIERS = [["1000000", "0.5"], ["10000000", "0.8"], ["100000000", "1"]]
STORE_TIERS = [["10", "0.5"], ["50", "0.8"], ["200", "1"]]


def criteria_of(price: int, *others: tuple[str, str, int]) -> tuple[dict, ...]:
    specs = [{**PRICE, "weight": str(price)}]
    for name, kind, weight in others:
        spec = {"name": name, "kind": kind, "weight": str(weight)}
        if kind == Criterion.Kind.REGISTERED_CAPITAL:
            spec["tiers"] = CAPITAL_TIERS
        elif kind == Criterion.Kind.TRACK_RECORD:
            spec["tiers"] = STORE_TIERS
        specs.append(spec)
    return tuple(specs)


CAPITAL = ("注册资本", Criterion.Kind.REGISTERED_CAPITAL)
STORES = ("经营业绩（门店数量）", Criterion.Kind.TRACK_RECORD)
PLAN = ("经营方案", Criterion.Kind.SUBJECTIVE)
BRAND = ("品牌影响力", Criterion.Kind.SUBJECTIVE)
SERVICE = ("服务质量承诺", Criterion.Kind.SUBJECTIVE)


def thresholds(capital: str, years: int, stores: int, rating: str) -> dict:
    return {
        "min_registered_capital": Decimal(capital),
        "min_years_in_business": years,
        "min_store_count": stores,
        "min_customer_rating": Decimal(rating),
    }


def admitted(*pairs: tuple[str, tuple[int, ...]]) -> tuple[DemoApplication, ...]:
    return tuple(DemoApplication(key, lots, True) for key, lots in pairs)


ROUNDS = (
    DemoRound(
        "HNZB-01", "长沙南站高架候车层餐饮及零售网点公开招租", Status.AWARDED,
        # The network's first round: its McDonald's opens on the first opening day.
        lambda c: c.history.schedule(
            -112, -110, -109, -97, -90, signed=c.history.day(-86, 16),
            published=c.history.day(-85), objected=c.history.day(-84, 15),
            proposed=c.history.day(-83), cosigned=c.history.day(-83, 15, 30),
            awarded=c.history.day(-81),
        ),
        thresholds("5000000", 5, 30, "4.2"),
        criteria_of(60, (*CAPITAL, 10), (*PLAN, 20), (*BRAND, 10)),
        (
            DemoLot("CSS", ("2F-B02",), "fast-food", "长沙南站高架层快餐网点", 260,
                    (DemoBid("mcd", "0.30", "0.90"), DemoBid("kfc", "0.245", "0.86"))),
            DemoLot("CSS", ("2F-A09",), "coffee", "长沙南站高架层咖啡网点", 230,
                    (DemoBid("starbucks", "0.235", "0.84"), DemoBid("luckin", "0.18", "0.86"))),
            DemoLot("CSS", ("2F-B01",), "bookstore", "长沙南站高架层书刊网点", 85,
                    (DemoBid("xinhua", "0.082", "0.92"),)),
            DemoLot("CSS", ("2F-A10",), "local-specialty", "长沙南站高架层地方特产网点", 150,
                    (DemoBid("yanjin", "0.321", "0.85"), DemoBid("zhouheiya", "0.25", "0.82"),
                     DemoBid("jinzai", "-0.043", "0.80"))),
        ),
        admitted(("mcd", (1,)), ("kfc", (1,)), ("starbucks", (2,)), ("luckin", (2,)),
                  ("xinhua", (3,)), ("yanjin", (4,)), ("zhouheiya", (4,)), ("jinzai", (4,))),
        objection=DemoObjection(
            "zhouheiya", 4,
            "我司对第4标段评审结果有异议：我司注册资本与门店规模均优于中标候选人，"
            "请求复核注册资本得分及经营方案评分。",
            "经复核，注册资本得分按招租书第二章所列档次计算无误，经营方案评分由评审委员会"
            "各委员独立作出，未发现程序或计算错误，异议不成立。",
        ),
    ),
    DemoRound(
        "HNZB-02", "耒阳西站候车层餐饮网点公开招租", Status.CANCELLED,
        lambda c: c.schedule(-45, -43, -42, -28, -21, cancelled=c.day(-38)),
        thresholds("1000000", 2, 5, "4.0"),
        criteria_of(70, (*PLAN, 30)),
        (
            DemoLot("LYW", ("1F-A04",), "coffee", "耒阳西站候车层咖啡网点", 100, term_months=36),
            DemoLot("LYW", ("1F-A01",), "noodles", "耒阳西站候车层面馆网点", 85, term_months=36),
        ),
        (DemoApplication("yangyuxing", (2,), None),),
        cancel_reason="耒阳西站候车层拟调整旅客流线，相关网点平面需重新规划，经研究终止本轮招租，"
        "调整完成后重新发布。",
    ),
    DemoRound(
        "HNZB-03", "衡阳东站、郴州西站餐饮网点公开招租", Status.PUBLICITY,
        lambda c: c.schedule(
            -40, -38, -37, -22, -14, signed=c.ago(days=1, hours=4), published=c.ago(days=1),
            objected=c.ago(hours=19), proposed=c.ago(hours=2),
        ),
        thresholds("3000000", 3, 20, "4.0"),
        criteria_of(60, (*STORES, 10), (*PLAN, 30)),
        (
            DemoLot("HYE", ("2F-A01",), "fast-food", "衡阳东站高架层快餐网点", 180,
                    (DemoBid("kfc", "0.228", "0.88"), DemoBid("mcd", "0.17", "0.87"))),
            DemoLot("HYE", ("2F-B03",), "chinese-fast-food", "衡阳东站高架层中式快餐网点", 160,
                    (DemoBid("zhengongfu", "0.23", "0.85"), DemoBid("yonghe", "0.186", "0.84"))),
            DemoLot("CZW", ("2F-B03",), "coffee", "郴州西站高架层咖啡网点", 150,
                    (DemoBid("luckin", "0.19", "0.86"), DemoBid("starbucks", "0.146", "0.85"))),
        ),
        (
            *admitted(("kfc", (1,)), ("mcd", (1,)), ("zhengongfu", (2,)), ("yonghe", (2,)),
                       ("luckin", (3,)), ("starbucks", (3,))),
            DemoApplication("weilai", (2,), False),
        ),
        objection=DemoObjection(
            "yonghe", 2,
            "我司对第2标段评审结果有异议：中标候选人经营方案承诺的夜间营业与衡阳东站末班列车"
            "后的闭站时段不符，经营方案得分应予复核。",
            "经复核，评审委员会已按招租书第二章评分办法对经营方案逐项评分，夜间营业承诺不影响"
            "评分结论，异议不成立，建议驳回。",
        ),
    ),
    DemoRound(
        "HNZB-04", "岳阳东站餐饮及零售网点公开招租", Status.OPENED,
        lambda c: c.schedule(-35, -33, -32, -15, -6),
        thresholds("5000000", 3, 20, "4.0"),
        criteria_of(60, (*CAPITAL, 10), (*PLAN, 30)),
        (
            DemoLot("YYE", ("2F-A03",), "fast-food", "岳阳东站高架层快餐网点", 170,
                    (DemoBid("mcd", "0.19", "0.88"), DemoBid("kfc", "0.152", "0.87"))),
            DemoLot("YYE", ("1F-A01",), "convenience-store", "岳阳东站地面层便利店网点", 110,
                    (DemoBid("lawson", "0.268", "0.84"), DemoBid("furong", "0.204", "0.86"),
                     DemoBid("xinjiayi", "0.169", "0.83")), term_months=36),
            DemoLot("YYE", ("2F-A02",), "local-specialty", "岳阳东站高架层地方特产网点", 120,
                    (DemoBid("jinzai", "0.222", "0.82"), DemoBid("junshan", "0.097", "0.90"))),
        ),
        admitted(("mcd", (1,)), ("kfc", (1,)), ("lawson", (2,)), ("furong", (2,)),
                  ("xinjiayi", (2,)), ("jinzai", (3,)), ("junshan", (3,))),
        # Five members sit; with one recused from lot 2, four score it.
        min_members_per_lot=4,
        conflicts=(("committee4", "xinjiayi", "本人配偶在投标人湖南新佳宜连锁商业有限公司任区域经理，"
                                     "申请回避第2标段。"),),
        not_scored_by=("committee3",),
    ),
    DemoRound(
        "HNZB-05", "长沙南站便民服务及茶饮网点公开招租", Status.BIDDING_CLOSED,
        lambda c: c.schedule(-30, -28, -27, -8, -1, deadline_hour=16, opening_at=c.soon()),
        thresholds("1000000", 2, 10, "4.0"),
        criteria_of(65, (*STORES, 10), (*PLAN, 25)),
        (
            DemoLot("CSS", ("1F-B01",), "convenience-store", "长沙南站地面层便利店网点", 160,
                    (DemoBid("furong", "0.22", "0.85"), DemoBid("lawson", "0.25", "0.84"),
                     DemoBid("xinjiayi", "0.18", "0.83")), term_months=36),
            DemoLot("CSS", ("B1-B02",), "luggage-storage", "长沙南站出站层行李寄存网点", 90,
                    (DemoBid("sf", "0.12", "0.88"),), term_months=36),
            DemoLot("CSS", ("2F-K01",), "tea-drinks", "长沙南站高架层茶饮售卖亭", 400,
                    (DemoBid("chayan", "0.31", "0.90", first_premium="0.20"),
                     DemoBid("heytea", "0.27", "0.86")), term_months=36),
        ),
        admitted(("furong", (1,)), ("lawson", (1,)), ("xinjiayi", (1,)), ("sf", (2,)),
                  ("chayan", (3,)), ("heytea", (3,))),
    ),
    DemoRound(
        "HNZB-06", "郴州西站、衡山西站、衡阳东站餐饮及便利店网点公开招租", Status.PUBLISHED,
        lambda c: c.schedule(-12, -10, -9, 3, 7, bids_from=c.day(-2, 14)),
        thresholds("1000000", 3, 10, "4.0"),
        criteria_of(60, (*CAPITAL, 10), (*PLAN, 20), (*SERVICE, 10)),
        (
            DemoLot("CZW", ("2F-A03",), "fast-food", "郴州西站高架层快餐网点", 150),
            DemoLot("HSW", ("1F-B01",), "noodles", "衡山西站候车层面馆网点", 90,
                    (DemoBid("yangyuxing", "0.15", "0.85"),), term_months=36),
            DemoLot("HYE", ("1F-A01",), "convenience-store", "衡阳东站地面层便利店网点", 80,
                    (DemoBid("xinjiayi", "0.12", "0.84"),), term_months=36),
        ),
        (
            *admitted(("mcd", (1,)), ("yangyuxing", (2,)), ("xinjiayi", (3,))),
            DemoApplication("huawang", (1,), False),
            DemoApplication("liji", (2,), False),
            DemoApplication("kfc", (1,), None),
        ),
    ),
    DemoRound(
        "HNZB-07", "长沙南站出站层商业网点公开招租", Status.DRAFT,
        lambda c: c.schedule(-2, 5, 6, 20, 27),
        thresholds("1000000", 3, 10, "4.0"),
        criteria_of(60, (*STORES, 10), (*PLAN, 30)),
        (
            DemoLot("CSS", ("B1-A01",), "local-snacks", "长沙南站出站层湘味小吃网点", 200,
                    term_months=36),
            DemoLot("CSS", ("B1-B01",), "local-specialty", "长沙南站出站层地方特产网点", 140,
                    term_months=36),
        ),
        officer="officer_css",
    ),
)  # fmt: skip

# Each member's leaning, as a share of the weight, added to a proposal's merit: five distinct
# values whose median is 0, so no score lies far enough from the others to need a justification.
LEANINGS = (Decimal("0"), Decimal("0.04"), Decimal("-0.03"), Decimal("0.06"), Decimal("-0.05"))


def reserve_of(lot: DemoLot, area_m2: Decimal) -> Decimal:
    """The reserve annual rent: the area at the lot's rent per m² a month, to the thousand."""
    return _round_to(area_m2 * lot.rent_m2_month * 12, 1000)


def offer_of(reserve: Decimal, premium: str) -> Decimal:
    """An offer ``premium`` above (or below) the reserve, to the hundred."""
    return _round_to(reserve * (1 + Decimal(premium)), 100)


def _round_to(amount: Decimal, step: int) -> Decimal:
    return ((amount / step).quantize(Decimal("1"), ROUND_HALF_UP) * step).quantize(Decimal("0.01"))


def subjective_points(plan: str, weight: Decimal, member: int, bid: int, criterion: int):
    share = Decimal(plan) + LEANINGS[(member + 2 * bid + criterion) % len(LEANINGS)]
    share = min(max(share, Decimal("0")), Decimal("1"))
    return (share * weight).quantize(Decimal("0.1"), ROUND_HALF_UP)


# --- documents ------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 595, 842, 56


def _em(text: str) -> float:
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


# Punctuation that never starts a line: it stays at the end of the line before.
CLOSING = frozenset("，。；：、？！）》」”’")


def _wrap(text: str, width_em: float) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if _em(line + ch) > width_em and ch not in CLOSING:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line]


def _pdf_text(text: str) -> str:
    return "".join(f"{ord(ch):04X}" for ch in text if ord(ch) <= 0xFFFF)


def pdf_document(title: str, paragraphs: Sequence[str], *, footer: str = "") -> bytes:
    """A small text PDF in Chinese, set in the standard STSong-Light CID font that every PDF
    reader supplies (nothing embedded), with its title, wrapped paragraphs and page footer."""
    body_size, body_leading = 10.5, 17
    title_size, title_leading = 16, 30
    width_em = (PAGE_WIDTH - 2 * MARGIN) / body_size
    lines: list[tuple[str, float, float]] = [(title, title_size, title_leading)]
    for paragraph in paragraphs:
        if not paragraph:
            lines.append(("", body_size, body_leading / 2))
            continue
        lines.extend((part, body_size, body_leading) for part in _wrap(paragraph, width_em))
    pages: list[list[tuple[str, float, float]]] = [[]]
    height = 0.0
    for line in lines:
        if height + line[2] > PAGE_HEIGHT - 2 * MARGIN - 20:
            pages.append([])
            height = 0.0
        pages[-1].append(line)
        height += line[2]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages are numbered
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [4 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R "
        b"/DW 1000 /W [1 95 500] >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 "
        b"880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
        f"<< /Title <FEFF{_pdf_text(title)}> /Producer (hsr-station-leasing) >>".encode(),
    ]
    kids = []
    for number, page in enumerate(pages, start=1):
        y = PAGE_HEIGHT - MARGIN
        ops = []
        for text, size, leading in page:
            y -= leading
            if text:
                ops.append(
                    f"BT /F1 {size} Tf 1 0 0 1 {MARGIN} {y:.1f} Tm <{_pdf_text(text)}> Tj ET"
                )
        mark = f"{footer}  {number}/{len(pages)}".strip()
        x = (PAGE_WIDTH - _em(mark) * 8) / 2
        ops.append(f"BT /F1 8 Tf 1 0 0 1 {x:.1f} {MARGIN / 2:.1f} Tm <{_pdf_text(mark)}> Tj ET")
        stream = "\n".join(ops).encode()
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>".encode()
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y年%m月%d日 %H:%M")


def _wan(amount: Decimal) -> str:
    return f"{(amount / 10000).normalize():f}万元"


def _lot_lines(lots: Sequence[Lot]) -> list[str]:
    lines = []
    for lot in lots:
        units = list(lot.units.all())
        area = sum((u.area_m2 for u in units), Decimal("0"))
        lines.append(
            f"第{lot.number}标段：{lot.station.name_zh}站 {'、'.join(u.code for u in units)}"
            f"（{area:.2f}平方米，{units[0].level.name}），业态：{lot.business_type.name_zh}，"
            f"租期{lot.term_months}个月。"
        )
    return lines


def _notice(round: TenderRound, lots: Sequence[Lot], officer: User) -> list[str]:
    rating = round.min_customer_rating
    return [
        f"招租编号：{round.code}",
        f"招租人：{LESSOR}",
        "",
        f"{LESSOR}就下列高铁车站商业网点进行公开招租，欢迎符合条件的品牌商家报名参加。",
        "一、招租标的",
        *_lot_lines(lots),
        "二、资格条件",
        f"1. 注册资本不低于{_wan(round.min_registered_capital)}，成立满"
        f"{round.min_years_in_business}年，在营门店不少于{round.min_store_count}家；",
        "2. 须为依法登记的企业法人，不接受个体工商户报名；",
        "3. 须为品牌方直营，不接受加盟商、代理商报名，中标后不得转租、分租；",
        "4. 报名时未被列入失信被执行人名单等信用黑名单；",
        f"5. 顾客评价不低于{rating:.1f}分（满分5分）。" if rating is not None else "",
        "三、时间安排",
        f"公告发布：{_when(round.publication_at)}",
        f"报名时间：{_when(round.application_opens_at)} 至 {_when(round.application_closes_at)}",
        f"投标截止：{_when(round.bid_deadline)}",
        f"开标时间：{_when(round.opening_at)}（截止后由招商人员与纪检人员共同确认开标）",
        "四、报名与投标",
        "意向商家在招商系统中登记企业信息并在线报名，系统逐项自动审查资格条件并显示审查结果；"
        "经招租人确认入围后，在投标截止前在线提交密封报价及经营方案，系统出具回执（接收时间、"
        "回执编号及SHA-256摘要）。截止时间后提交的报价一律不予接收。",
        "五、联系方式",
        f"招商部 {officer.last_name}{officer.first_name}，电话 0731-8265 0000。",
    ]


def _tender_book(round: TenderRound, lots: Sequence[Lot]) -> list[str]:
    lines = [
        f"招租编号：{round.code}",
        "",
        "第一章 招租标的",
        *_lot_lines(lots),
        "各标段底价由招租人确定，在评审结果确定前保密；低于底价的报价为无效报价。",
        "第二章 评审办法",
    ]
    for criterion in round.criteria.all():
        weight = f"{criterion.weight.normalize():f}"
        if criterion.kind == Criterion.Kind.PRICE:
            rule = "报价得分 = 投标报价 ÷ 本标段最高有效报价 × 权重。"
        elif criterion.kind in (Criterion.Kind.REGISTERED_CAPITAL, Criterion.Kind.TRACK_RECORD):
            capital = criterion.kind == Criterion.Kind.REGISTERED_CAPITAL
            steps = "；".join(
                f"达到{_wan(Decimal(t)) if capital else f'{t}家'}得权重的{Decimal(s) * 100:.0f}%"
                for t, s in criterion.tiers
            )
            rule = f"按档次计分：{steps}。"
        else:
            rule = (
                "由评审委员会各委员独立评分；5名及以上委员评分时去掉一个最高分和一个最低分后"
                "取平均值；偏离中位数超过该项满分30%的评分须书面说明理由。"
            )
        lines.append(f"{criterion.name}（{weight}分）：{rule}")
    lines += [
        "总分由高到低排序；总分相同的，报价高者优先；报价也相同的，先提交者优先。",
        "第三章 报价要求",
        "报价为首年年租金（人民币元，保留两位小数），与经营方案一并在线密封提交。投标截止前"
        "可替换或撤回报价，以截止前最后一次有效报价为准。",
        "第四章 开标与评审",
        "投标截止后，由一名招商人员与一名纪检人员在30分钟内分别确认后开标，系统逐一核验回执"
        "摘要并生成开标记录。评审委员会由法律、客运、纪检、财务、车站及非运输企业等部门人员"
        "组成，委员开标后须就每个标段申报利益冲突，存在冲突的回避该标段评审。",
        "第五章 结果公示与异议",
        f"评审结果经评审委员会主任签署后公示{round.publicity_days}日。投标人对结果有异议的，"
        "应在公示期内书面提出并说明理由；异议由招商人员提出处理意见，经纪检人员复核后生效。",
    ]
    return lines


def _contract_terms(round: TenderRound, lots: Sequence[Lot]) -> list[str]:
    terms = sorted({lot.term_months for lot in lots})
    return [
        f"招租编号：{round.code}",
        "",
        f"一、租赁期限：{'或'.join(str(t) for t in terms)}个月（以各标段为准），自网点交付之日起算。",
        "二、租金：首年年租金按中标报价确定，自第三个租赁年度起每年递增3%；租金按季度预付。",
        "三、履约保证金：相当于三个月租金，合同期满无违约的无息退还。",
        "四、装修：承租人须按车站统一商业风格设计装修，设计方案经招租人审核及消防审查合格后"
        "方可施工；施工须遵守车站安全施工管理规定。",
        "五、经营要求：品牌直营，不得转租、分租；营业时间覆盖首末班列车；商品与服务与所在城市"
        "门店同质同价，明码标价；服从车站统一营销活动与文明经营管理。",
        "六、安全与卫生：遵守消防、食品安全及环境卫生规定，不得占用疏散通道和旅客流线。",
        "七、违约与解除：承租人擅自转租、严重违反经营要求或拖欠租金超过30日的，招租人可解除"
        "合同并没收履约保证金。",
        "八、其他：本条款为合同主要条款，正式合同在中标通知书发出后30日内签订。",
    ]


def _proposal(merchant: DemoMerchant, lot: Lot) -> str:
    units = "、".join(lot.units.values_list("code", flat=True))
    return (
        f"{merchant.brand_zh}{lot.station.name_zh}站{units}{lot.business_type.name_zh}门店"
        f"经营方案：{merchant.pitch}承诺开业后按车站统一风格完成装修，租期{lot.term_months}个月内"
        "品牌直营。"
    )


# --- the replay -----------------------------------------------------------------------------


class Timeline:
    """Steps to take at given times; run in time order on a travelling clock."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.steps: list[tuple[dt.datetime, int, Callable[[], None]]] = []
        self._last: dict[str, dt.datetime] = {}

    def at(self, when: dt.datetime, step: Callable[[], None], *, thread: str) -> None:
        """Take ``step`` at ``when``; steps of one ``thread`` must be given in their order."""
        assert when < self.now, (thread, when, "is not in the past")
        assert when >= self._last.get(thread, when), (thread, when, "comes before its step")
        self._last[thread] = when
        self.steps.append((when, len(self.steps), step))

    def run(self) -> None:
        if not self.steps:
            return
        self.steps.sort(key=lambda s: (s[0], s[1]))
        with time_machine.travel(self.steps[0][0], tick=False) as traveller:
            for when, _n, step in self.steps:
                traveller.move_to(when)
                step()


@dataclass
class Cast:
    """The people of the demo, each fetched once (so that Django's permission cache serves
    the hundreds of checks the services make), and the merchants by key."""

    password: str
    merchants: dict[str, Merchant] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    @cached_property
    def password_hash(self) -> str:
        # Hashed once for every portal user created, and only when one is.
        return make_password(self.password)

    def user(self, username: str) -> User:
        if username not in self.users:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise RuntimeError(
                    _("Demo user %(name)s is missing: load the stations demo first.")
                    % {"name": username}
                )
            self.users[username] = user
        return self.users[username]


def _merchant_steps(
    timeline: Timeline,
    cal: Calendar,
    cast: Cast,
    plans: Sequence[DemoMerchant],
    registered_on: Callable[[int], dt.datetime],
) -> list[str]:
    """Register every merchant of ``plans`` not registered yet (the n-th at
    ``registered_on(n)``), with its user, brand, records and demands."""
    created = []
    existing = dict(
        Merchant.objects.filter(credit_code__in=[m.credit_code for m in plans]).values_list(
            "credit_code", "pk"
        )
    )
    for n, plan in enumerate(plans):
        if plan.credit_code in existing:
            cast.merchants[plan.key] = Merchant.objects.get(pk=existing[plan.credit_code])
            continue
        created.append(plan.key)
        registered = registered_on(n)
        thread = f"merchant:{plan.key}"
        timeline.at(registered, lambda plan=plan: _register(plan, cal, cast), thread=thread)
        for k, _demand in enumerate(plan.demands):
            timeline.at(
                registered + dt.timedelta(days=1 + k, hours=4),
                lambda plan=plan, k=k: _demand_create(plan, k, cast),
                thread=thread,
            )
    return created


def _register(plan: DemoMerchant, cal: Calendar, cast: Cast) -> None:
    officer = cast.user(OFFICER)
    merchant = services.merchant_register(
        actor=officer,
        name=plan.name,
        credit_code=plan.credit_code,
        legal_form=plan.legal_form,
        registered_capital=Decimal(plan.capital),
        founded_on=plan.founded,
        operation_mode=plan.mode,
        store_count=plan.stores,
        customer_rating=Decimal(plan.rating) if plan.rating else None,
        contact_name=plan.contact,
        contact_phone=plan.phone,
        brands=[
            {"name_zh": plan.brand_zh, "name_en": plan.brand_en, "business_types": plan.types}
        ],
    )
    cast.merchants[plan.key] = merchant
    if not plan.portal:
        return
    user = User.objects.filter(username=plan.user).first()
    if user is None:
        # No service creates users: like stations.demo, the demo makes its portal users itself.
        user = User.objects.create(
            username=plan.user,
            email=f"{plan.user}@example.com",
            last_name=plan.contact[:1],
            first_name=plan.contact[1:],
            password=cast.password_hash,
        )
    services.merchant_add_member(actor=officer, merchant=merchant, user=user)
    cast.users[plan.user] = user
    for record in plan.credit:
        services.credit_record_add(
            actor=officer,
            merchant=merchant,
            kind=record.kind,
            source=record.source,
            recorded_on=cal.today + dt.timedelta(days=record.recorded),
            expires_on=(
                cal.today + dt.timedelta(days=record.expires)
                if record.expires is not None
                else None
            ),
            note=record.note,
        )


def _demand_create(plan: DemoMerchant, k: int, cast: Cast) -> None:
    demand = plan.demands[k]
    merchant = cast.merchants[plan.key]
    services.demand_create(
        actor=cast.user(plan.user if plan.portal else OFFICER),
        merchant=merchant,
        brand=merchant.brands.first(),
        business_type=demand.business_type,
        stations=demand.stations,
        tiers=demand.tiers,
        location_wish=demand.location_wish,
        area_min_m2=Decimal(demand.area_m2[0]),
        area_max_m2=Decimal(demand.area_m2[1]),
        intended_rent_m2_month=Decimal(demand.rent_m2_month),
        lease_mode=demand.lease_mode,
        term_months=demand.term_months,
        **NEEDS[demand.business_type],
    )


STAGE = {
    Status.DRAFT: 0,
    Status.CANCELLED: 1,
    Status.PUBLISHED: 1,
    Status.BIDDING_CLOSED: 2,
    Status.OPENED: 3,
    Status.PUBLICITY: 4,
    Status.AWARDED: 5,
}


class RoundReplay:
    """One round's history, as the steps of the people who made it."""

    def __init__(self, plan: DemoRound, cal: Calendar, cast: Cast):
        self.plan = plan
        self.cal = cal
        self.cast = cast
        self.when = plan.schedule(cal)
        self.stage = STAGE[plan.status]
        self.round: TenderRound | None = None
        self.lots: dict[int, Lot] = {}
        self.applications: dict[str, Application] = {}
        self.objection: Objection | None = None

    # The steps, in the order the round lived them.
    def schedule(self, timeline: Timeline) -> None:
        plan, when = self.plan, self.when
        minutes = dt.timedelta(minutes=1)

        def at(moment, step):
            timeline.at(moment, step, thread=plan.code)

        at(when.created, self.create)
        at(when.created + 20 * minutes, self.add_lots)
        at(when.created + 40 * minutes, self.set_criteria)
        if self.stage == 0:
            at(when.created + dt.timedelta(days=1, hours=1), lambda: self.documents(["notice"]))
            return
        at(when.created + 60 * minutes, lambda: self.documents(RoundDocument.Kind.values))
        at(when.created + dt.timedelta(days=1), self.publish)
        for n, application in enumerate(plan.applications):
            submitted = when.application_opens_at + dt.timedelta(hours=3 + 20 * n)
            at(submitted, lambda a=application: self.apply(a))
            if application.admit is not None:
                decided = submitted + dt.timedelta(hours=20)
                timeline.at(
                    decided, lambda a=application: self.decide(a), thread=f"{plan.code}:decide"
                )
        if plan.status == Status.CANCELLED:
            at(when.cancelled, self.cancel)
            return
        if self.stage >= 2:
            at(when.application_closes_at + 60 * minutes, self.close_applications)
        self._bids(timeline)
        if self.stage < 2:
            return
        seated = when.bid_deadline - dt.timedelta(days=1)
        at(seated.replace(hour=15, minute=0), self.seat_committee)
        at(when.bid_deadline + 5 * minutes, self.close_bidding)
        if self.stage < 3:
            return
        at(when.bid_deadline + 30 * minutes, lambda: self.confirm(OFFICER))
        at(when.bid_deadline + 38 * minutes, lambda: self.confirm(INSPECTOR))
        declared = when.bid_deadline + dt.timedelta(days=1, hours=-1)
        for member in COMMITTEE:
            declared += 10 * minutes
            at(declared, lambda m=member: self.declare(m))
        scored = when.bid_deadline + dt.timedelta(days=2, hours=4)
        for m, member in enumerate(COMMITTEE):
            if member in plan.not_scored_by:
                continue
            for n in range(1, len(plan.lots) + 1):
                scored += 15 * minutes
                at(scored, lambda m=m, n=n: self.score(m, n))
        if self.stage < 4:
            return
        at(when.signed, self.sign_off)
        at(when.published, self.publish_result)
        if plan.objection is not None:
            at(when.objected, self.object)
            at(when.proposed, self.propose)
            if self.stage >= 5:
                at(when.cosigned, self.cosign)
        if self.stage >= 5:
            at(when.awarded, self.award)

    def _bids(self, timeline: Timeline) -> None:
        """The bids from ``bids_from`` on, 37 minutes apart; a replaced one a day earlier."""
        code = self.plan.code
        moment = self.when.bids_from
        for n, lot in enumerate(self.plan.lots, start=1):
            for bid in lot.bids:
                moment += dt.timedelta(minutes=37)
                if bid.first_premium is not None:
                    timeline.at(
                        moment - dt.timedelta(days=1),
                        lambda b=bid, n=n: self.bid(n, b, b.first_premium),
                        thread=f"{code}:replaced",
                    )
                timeline.at(moment, lambda b=bid, n=n: self.bid(n, b, b.premium), thread=code)

    def officer(self) -> User:
        return self.cast.user(self.plan.officer)

    def fresh(self) -> TenderRound:
        self.round = TenderRound.objects.get(pk=self.round.pk)
        return self.round

    def create(self) -> None:
        when = self.when
        self.round = rounds.round_create(
            actor=self.officer(),
            code=self.plan.code,
            title=self.plan.title,
            publication_at=when.publication_at,
            application_opens_at=when.application_opens_at,
            application_closes_at=when.application_closes_at,
            bid_deadline=when.bid_deadline,
            opening_at=when.opening_at,
            min_members_per_lot=self.plan.min_members_per_lot,
            **self.plan.thresholds,
        )

    def add_lots(self) -> None:
        for number, lot in enumerate(self.plan.lots, start=1):
            units = list(Unit.objects.filter(station__code=lot.station, code__in=lot.units))
            area = sum((u.area_m2 for u in units), Decimal("0"))
            self.lots[number] = rounds.lot_add(
                actor=self.officer(),
                round=self.round,
                number=number,
                title=lot.title,
                units=units,
                business_type=BusinessCategory.objects.get(code=lot.business_type),
                term_months=lot.term_months,
                reserve_annual_rent=reserve_of(lot, area),
            )

    def set_criteria(self) -> None:
        rounds.criterion_set(
            actor=self.officer(), round=self.round, criteria=[dict(c) for c in self.plan.criteria]
        )

    def documents(self, kinds) -> None:
        round = self.fresh()
        lots = list(
            round.lots.select_related("station", "business_type")
            .prefetch_related("units__level")
            .order_by("number")
        )
        officer = self.officer()
        texts = {
            RoundDocument.Kind.NOTICE: (f"{round.title} 招租公告", _notice(round, lots, officer)),
            RoundDocument.Kind.TENDER_BOOK: (f"{round.title} 招租书", _tender_book(round, lots)),
            RoundDocument.Kind.CONTRACT_TERMS: (
                f"{round.title} 合同主要条款",
                _contract_terms(round, lots),
            ),
        }
        for kind in kinds:
            title, paragraphs = texts[kind]
            content = pdf_document(title, paragraphs, footer=f"{LESSOR} {round.code}")
            rounds.document_publish(
                actor=officer,
                round=round,
                kind=kind,
                file=ContentFile(content, name=f"{kind}.pdf"),
            )

    def publish(self) -> None:
        rounds.round_publish(actor=self.officer(), round=self.round)

    def apply(self, application: DemoApplication) -> None:
        plan = MERCHANTS_BY_KEY[application.merchant]
        self.applications[application.merchant] = application_submit(
            actor=self.cast.user(plan.user),
            round=self.round,
            merchant=self.cast.merchants[plan.key],
            lots=[self.lots[n] for n in application.lots],
        )

    def decide(self, application: DemoApplication) -> None:
        reason = "" if application.admit else "未满足本轮资格条件（见自动审查结果），不予入围。"
        application_decide(
            actor=self.officer(),
            application=self.applications[application.merchant],
            admit=bool(application.admit),
            reason=reason,
        )

    def cancel(self) -> None:
        rounds.round_cancel(actor=self.officer(), round=self.round, reason=self.plan.cancel_reason)

    def bid(self, number: int, bid: DemoBid, premium: str) -> None:
        lot = self.lots[number]
        plan = MERCHANTS_BY_KEY[bid.merchant]
        proposal = _proposal(plan, lot)
        document = pdf_document(f"{plan.brand_zh} 经营方案", [proposal], footer=self.plan.code)
        bid_submit(
            actor=self.cast.user(plan.user),
            round=self.round,
            lot=lot,
            annual_rent=offer_of(lot.reserve_annual_rent, premium),
            proposal=proposal,
            documents=[("经营方案.pdf", document)],
        )

    def close_applications(self) -> None:
        rounds.round_close_applications(actor=self.officer(), round=self.round)

    def close_bidding(self) -> None:
        rounds.round_close_bidding(actor=self.officer(), round=self.round)

    def seat_committee(self) -> None:
        for n, (member, department) in enumerate(zip(COMMITTEE, DEPARTMENTS, strict=True)):
            committee.seat_appoint(
                actor=self.officer(),
                round=self.round,
                user=self.cast.user(member),
                department=department,
                is_chair=n == 0,
            )

    def confirm(self, username: str) -> None:
        opening_confirm(actor=self.cast.user(username), round=self.round)

    def declare(self, member: str) -> None:
        """Towards every bidder at once, before seeing the bids."""
        committee.declarations_submit(
            actor=self.cast.user(member),
            round=self.round,
            conflicts={
                self.cast.merchants[key].pk: statement
                for m, key, statement in self.plan.conflicts
                if m == member
            },
        )

    def score(self, member: int, number: int) -> None:
        username = COMMITTEE[member]
        lot = self.lots[number]
        seat = Seat.objects.get(round=self.round, user=self.cast.user(username))
        if lot.pk in committee.recused_lots(seat):
            return
        plan = self.plan.lots[number - 1]
        opened = {
            o.bid.merchant_id: o
            for o in OpenedBid.objects.filter(bid__lot=lot, is_valid=True).select_related("bid")
        }
        if not opened:
            return
        criteria = list(lot.round.criteria.filter(kind=Criterion.Kind.SUBJECTIVE))
        scores = {}
        for b, bid in enumerate(plan.bids):
            merchant = self.cast.merchants[bid.merchant]
            if merchant.pk not in opened:
                continue
            for k, criterion in enumerate(criteria):
                scores[opened[merchant.pk].pk, criterion.pk] = subjective_points(
                    bid.plan, criterion.weight, member, b, k
                )
        scoring.scoresheet_submit(actor=self.cast.user(username), lot=lot, scores=scores)

    def sign_off(self) -> None:
        outcome.result_sign_off(actor=self.cast.user(COMMITTEE[0]), round=self.round)

    def publish_result(self) -> None:
        outcome.result_publish(actor=self.officer(), round=self.round)

    def object(self) -> None:
        objection = self.plan.objection
        plan = MERCHANTS_BY_KEY[objection.merchant]
        self.objection = outcome.objection_lodge(
            actor=self.cast.user(plan.user),
            lot=self.lots[objection.lot],
            merchant=self.cast.merchants[plan.key],
            grounds=objection.grounds,
        )

    def propose(self) -> None:
        self.objection = outcome.objection_propose(
            actor=self.officer(), objection=self.objection, upheld=False,
            reason=self.plan.objection.reason,
        )  # fmt: skip

    def cosign(self) -> None:
        outcome.objection_cosign(actor=self.cast.user(INSPECTOR), objection=self.objection)

    def award(self) -> None:
        outcome.round_award(actor=self.officer(), round=self.round)


# --- loading --------------------------------------------------------------------------------


def _write(stdout, line: str) -> None:
    if stdout is not None:
        stdout.write(line + "\n")


def _round_line(round: TenderRound) -> str:
    counts = TenderRound.objects.filter(pk=round.pk).aggregate(
        lots=Count("lots", distinct=True),
        applications=Count("applications", distinct=True),
        bids=Count("bids", distinct=True),
    )
    lots = ngettext("%(n)d lot", "%(n)d lots", counts["lots"]) % {"n": counts["lots"]}
    applications = ngettext("%(n)d application", "%(n)d applications", counts["applications"]) % {
        "n": counts["applications"]
    }
    bids = ngettext("%(n)d sealed bid", "%(n)d sealed bids", counts["bids"]) % {
        "n": counts["bids"]
    }
    return _("%(code)s %(title)s: %(status)s; %(lots)s, %(applications)s, %(bids)s") % {
        "code": round.code,
        "title": round.title,
        "status": round.get_status_display(),
        "lots": lots,
        "applications": applications,
        "bids": bids,
    }


def units_in_the_way(plan: DemoRound) -> list[str]:
    """The units of ``plan``'s lots that cannot be offered now: missing, not available for
    letting, or in an open lot of a live round (changed by hand in an existing database)."""
    blocked = []
    for lot in plan.lots:
        for code in lot.units:
            unit = Unit.objects.filter(station__code=lot.station, code=code).first()
            if (
                unit is None
                or unit.status != Unit.Status.AVAILABLE
                or Lot.objects.filter(units=unit, status=Lot.Status.OPEN)
                .exclude(round__status__in=rounds.LIVE_EXCLUDED_STATUSES)
                .exists()
            ):
                blocked.append(f"{lot.station} {code}")
    return blocked


class Chapter(Protocol):
    """More of the story, told by a higher app's demo on the same travelling clock."""

    def schedule(self, timeline: Timeline, cal: Calendar, cast: Cast) -> None: ...

    def report(self, stdout) -> None: ...


def _brand_database_day(cal: Calendar, count: int) -> Callable[[int], dt.datetime]:
    """The brand database grows from half a year before the first opening to last week."""
    first = cal.history.day(-180, 14)
    span = cal.day(-7, 14) - first
    return lambda n: first + span * n / count


def load(*, stdout=None, chapters: Sequence[Chapter] = ()) -> dict[str, list[str]]:
    """Load the merchants and the tender rounds not loaded yet, all or nothing. Idempotent.

    ``chapters`` (higher apps' demos) add their steps to the same timeline, so the whole story
    is lived in time order, and report after it."""
    from tenders.demo_brands import BRANDS

    _write(stdout, _("Loading the tender demo: merchants, demands and tender rounds…"))
    now = timezone.now()
    cal = Calendar(now)
    password, _from_environment = station_demo.demo_password()
    cast = Cast(password=password)
    timeline = Timeline(now)
    with transaction.atomic():
        merchants = _merchant_steps(
            timeline, cal, cast, MERCHANTS, lambda n: cal.history.day(-200 + 2 * n, 10, 15)
        )
        brands = _merchant_steps(
            timeline, cal, cast, BRANDS, _brand_database_day(cal, len(BRANDS))
        )
        existing = set(
            TenderRound.objects.filter(code__in=[r.code for r in ROUNDS]).values_list(
                "code", flat=True
            )
        )
        blocked = {}
        for plan in ROUNDS:
            if plan.code not in existing:
                blocked[plan.code] = units_in_the_way(plan)
        replays = [
            RoundReplay(plan, cal, cast)
            for plan in ROUNDS
            if plan.code not in existing and not blocked[plan.code]
        ]
        for replay in replays:
            replay.schedule(timeline)
        for chapter in chapters:
            chapter.schedule(timeline, cal, cast)
        timeline.run()
    if merchants:
        demands = Demand.objects.filter(
            merchant__credit_code__in=[MERCHANTS_BY_KEY[k].credit_code for k in merchants]
        ).count()
        _write(
            stdout,
            _(
                "Merchants registered: %(merchants)d, with %(demands)d demands and a portal user each."
            )
            % {"merchants": len(merchants), "demands": demands},
        )
    else:
        _write(stdout, _("Demo merchants already registered, left unchanged."))
    if brands:
        _write(
            stdout,
            _(
                "Brand database: %(brands)d more brands recorded by the officer, with their demands."
            )
            % {"brands": len(brands)},
        )
    for plan in ROUNDS:
        if plan.code in existing:
            _write(stdout, _("%(code)s: already loaded, skipped") % {"code": plan.code})
    for code, units in blocked.items():
        if units:
            _write(
                stdout,
                _("%(code)s: skipped, these units cannot be offered now: %(units)s")
                % {"code": code, "units": ", ".join(units)},
            )
    for replay in replays:
        _write(stdout, _round_line(replay.fresh()))
    by_status = dict(
        TenderRound.objects.filter(code__in=[r.code for r in ROUNDS])
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    _write(
        stdout,
        _("Tender rounds by status: %(statuses)s")
        % {
            "statuses": ", ".join(
                f"{status.label} {by_status[status]}" for status in Status if status in by_status
            )
        },
    )
    if not merchants and not brands and not replays and not any(blocked.values()):
        _write(stdout, _("The tender demo was already loaded: nothing changed."))
    for chapter in chapters:
        chapter.report(stdout)
    return {"merchants": merchants, "brands": brands, "rounds": [r.plan.code for r in replays]}
