"""The leasing demo: the network's first year, from its first tender rounds to about 90 outlets
operating, so that the reports compute DOMAIN.md's figures from the data.

The story (the figures are the reports' own, see tests/leasing/test_demo.py):

- Rounds HNZB-01 and HNKT-01…09 put 65 projects (lots) out to public tender in the spring of
  the history year; none saw an objection upheld. 25 were won by 15 brands in 8 business types
  (2,859 m², the contract rent 40 % above the reserve prices in total); 40 failed for want of a
  valid bid, most of them in the county-level stations.
- The winners' leases come from their awards; 30 of the failed lots were then let directly to
  the brand that wanted them, at the reserve, and 37 outlets the railway already ran (the
  bookstores, convenience stores, pharmacies, the bank branch, vending machines and massage
  chairs) were transferred without tender. Convenience store (Furong Xingsheng), bookstore (Hunan Xinhua)
  and local specialty food (Yanjinpuzi) are in every station.
- Each outlet had its fit-out route (the six milestones) and a responsible officer; the first
  to open was McDonald's on the elevated level of Changsha South, on 27 May; three outlets are
  still being fitted out today, one of them behind on its design approval.
- Since opening: rent paid quarterly (two tenants are behind), monthly turnover reports from
  the tenants with turnover rent, inspections, passenger complaints, penalties, price checks
  and marketing campaigns.

Everything is written by the services, as the person who did it, on tenders.demo's travelling
clock (this module is a chapter of that story, see tenders.demo.load). Loaded once: a database
holding any of these leases or rounds is left as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from leasing import fitout, operation, services
from leasing.models import Instalment, Lease, Milestone
from leasing.schedule import add_months, rent_schedule
from stations import services as space
from stations.models import BusinessCategory, Station, Unit
from tenders import demo as tender_demo
from tenders.demo import (
    CAPITAL,
    OFFICER,
    PLAN,
    Calendar,
    Cast,
    DemoBid,
    DemoLot,
    DemoRound,
    RoundReplay,
    Timeline,
    admitted,
    criteria_of,
    pdf_document,
    reserve_of,
    thresholds,
)
from tenders.models import Award, TenderRound

Status = TenderRound.Status
Kind = Milestone.Kind
OFFICER_CSS = "officer_css"
MANAGER_HYE = "manager_hye"


# --- the tender rounds of the first year ----------------------------------------------------


def _lot(station, unit, business_type, title, rent, *bids) -> DemoLot:
    return DemoLot(station, (unit,), business_type, title, rent, tuple(bids), term_months=60)


def _bid(merchant: str, premium: str, plan: str = "0.85") -> DemoBid:
    return DemoBid(merchant, premium, plan)


def _round(code: str, title: str, created: int, lots: tuple[DemoLot, ...]) -> DemoRound:
    """A round created ``created`` days from the first opening day, every bidder admitted to
    the lots it bids on; signed, published and awarded a month later."""
    bidders: dict[str, list[int]] = {}
    for number, lot in enumerate(lots, start=1):
        for bid in lot.bids:
            bidders.setdefault(bid.merchant, []).append(number)
    d = created
    return DemoRound(
        code, title, Status.AWARDED,
        lambda c: c.history.schedule(
            d, d + 2, d + 3, d + 15, d + 22, signed=c.history.day(d + 26, 16),
            published=c.history.day(d + 27), awarded=c.history.day(d + 31),
        ),
        thresholds("1000000", 2, 10, "4.0"),
        criteria_of(60, (*CAPITAL, 10), (*PLAN, 30)),
        lots,
        admitted(*((key, tuple(numbers)) for key, numbers in bidders.items())),
    )  # fmt: skip


ROUNDS = (
    _round("HNKT-01", "长沙南站高架候车层餐饮及通信网点公开招租", -100, (
        _lot("CSS", "2F-A07", "chinese-fast-food", "长沙南站高架层湘菜简餐网点", 200,
             _bid("feidachu", "0.62", "0.90"), _bid("zhengongfu", "0.40", "0.84")),
        _lot("CSS", "2F-A04", "tea-drinks", "长沙南站高架层茶饮网点", 230,
             _bid("heytea", "0.45", "0.86"), _bid("chayan", "0.38", "0.85")),
        _lot("CSS", "2F-B08", "local-specialty", "长沙南站高架层卤味特产网点", 150,
             _bid("zhouheiya", "0.41", "0.84"), _bid("jinzai", "0.30", "0.82")),
        _lot("CSS", "2F-A02", "telecom-hall", "长沙南站高架层通信营业厅", 150,
             _bid("cmcc", "0.36", "0.88")),
        _lot("CSS", "2F-A01", "noodles", "长沙南站高架层面馆网点", 150),
        _lot("CSS", "2F-B03", "coffee", "长沙南站高架层咖啡网点", 230,
             _bid("luckin", "-0.06", "0.86")),
    )),
    _round("HNKT-02", "长沙南站地面层、出站层餐饮及便民服务网点公开招租", -98, (
        _lot("CSS", "1F-A02", "fast-food", "长沙南站地面层快餐网点", 220,
             _bid("kfc", "0.624", "0.88"), _bid("mcd", "0.42", "0.87")),
        _lot("CSS", "2F-M01", "bank-atm", "长沙南站高架层银行自助设备点位", 1500,
             _bid("bocom", "0.30", "0.86")),
        _lot("CSS", "1F-M01", "bank-atm", "长沙南站地面层银行自助设备点位", 1500,
             _bid("bocom", "0.30", "0.86")),
        _lot("CSS", "B1-K01", "tea-drinks", "长沙南站出站层茶饮售卖亭", 400),
        _lot("CSS", "2F-A06", "convenience-store", "长沙南站高架层便利店网点", 120),
        _lot("CSS", "2F-B05", "bakery", "长沙南站高架层烘焙网点", 180),
        _lot("CSS", "2F-K02", "local-specialty", "长沙南站高架层特产售卖亭", 300),
    )),
    _round("HNKT-03", "株洲西站高架候车层商业网点公开招租", -95, (
        _lot("ZZW", "2F-B01", "fast-food", "株洲西站高架层快餐网点", 170,
             _bid("mcd", "0.45", "0.88"), _bid("kfc", "0.36", "0.87")),
        _lot("ZZW", "2F-B03", "coffee", "株洲西站高架层咖啡网点", 150,
             _bid("luckin", "0.38", "0.86")),
        _lot("ZZW", "2F-M01", "bank-atm", "株洲西站高架层银行自助设备点位", 1200,
             _bid("bocom", "0.25", "0.86")),
        _lot("ZZW", "2F-A03", "telecom-hall", "株洲西站高架层通信营业厅", 110,
             _bid("cmcc", "-0.10", "0.88")),
        _lot("ZZW", "2F-K01", "tea-drinks", "株洲西站高架层茶饮售卖亭", 250),
        _lot("ZZW", "2F-A01", "tea-drinks", "株洲西站高架层茶饮网点", 120),
        _lot("ZZW", "2F-A02", "local-specialty", "株洲西站高架层地方特产网点", 110),
    )),
    _round("HNKT-04", "株洲西站出站层商业网点公开招租", -95, (
        _lot("ZZW", "B1-K01", "local-specialty", "株洲西站出站层特产售卖亭", 200,
             _bid("jinzai", "0.40", "0.84")),
        _lot("ZZW", "B1-B01", "fast-food", "株洲西站出站层快餐网点", 150,
             _bid("kfc", "-0.05", "0.87")),
        _lot("ZZW", "B1-A01", "luggage-storage", "株洲西站出站层行李寄存网点", 50),
    )),
    _round("HNKT-05", "岳阳东站商业网点公开招租", -90, (
        _lot("YYE", "2F-B01", "chinese-fast-food", "岳阳东站高架层中式快餐网点", 140,
             _bid("zhengongfu", "0.42", "0.86"), _bid("yonghe", "0.33", "0.84")),
        _lot("YYE", "2F-B02", "telecom-hall", "岳阳东站高架层通信营业厅", 110,
             _bid("cmcc", "0.30", "0.88")),
        _lot("YYE", "2F-B03", "coffee", "岳阳东站高架层咖啡网点", 150,
             _bid("luckin", "0.40", "0.86"), _bid("starbucks", "0.31", "0.85")),
        _lot("YYE", "2F-M01", "bank-atm", "岳阳东站高架层银行自助设备点位", 1200,
             _bid("bocom", "0.25", "0.86")),
        _lot("YYE", "2F-A01", "tea-drinks", "岳阳东站高架层茶饮网点", 120),
        _lot("YYE", "2F-K01", "tea-drinks", "岳阳东站高架层茶饮售卖亭", 250),
        _lot("YYE", "2F-K02", "local-specialty", "岳阳东站高架层特产售卖亭", 200),
        _lot("YYE", "1F-A02", "noodles", "岳阳东站地面层面馆网点", 100),
        _lot("YYE", "1F-B01", "luggage-storage", "岳阳东站地面层行李寄存网点", 50),
    )),
    _round("HNKT-06", "衡阳东站商业网点公开招租", -85, (
        _lot("HYE", "2F-A02", "coffee", "衡阳东站高架层咖啡网点", 150,
             _bid("starbucks", "0.40", "0.86"), _bid("luckin", "0.32", "0.85")),
        _lot("HYE", "2F-A03", "telecom-hall", "衡阳东站高架层通信营业厅", 110,
             _bid("cmcc", "0.30", "0.88")),
        _lot("HYE", "2F-M01", "bank-atm", "衡阳东站高架层银行自助设备点位", 1200,
             _bid("bocom", "0.25", "0.86")),
        _lot("HYE", "2F-K01", "tea-drinks", "衡阳东站高架层茶饮售卖亭", 250,
             _bid("chayan", "-0.08", "0.90")),
        _lot("HYE", "2F-B04", "noodles", "衡阳东站高架层面馆网点", 100),
        _lot("HYE", "2F-B05", "local-specialty", "衡阳东站高架层地方特产网点", 110),
        _lot("HYE", "2F-K02", "local-specialty", "衡阳东站高架层特产售卖亭", 200),
        _lot("HYE", "1F-A02", "bakery", "衡阳东站地面层烘焙网点", 120),
        _lot("HYE", "1F-B01", "luggage-storage", "衡阳东站地面层行李寄存网点", 50),
    )),
    _round("HNKT-07", "郴州西站商业网点公开招租", -80, (
        _lot("CZW", "2F-B01", "chinese-fast-food", "郴州西站高架层中式快餐网点", 140,
             _bid("yonghe", "0.38", "0.86"), _bid("feidachu", "0.30", "0.85")),
        _lot("CZW", "2F-B02", "telecom-hall", "郴州西站高架层通信营业厅", 110,
             _bid("cmcc", "0.30", "0.88")),
        _lot("CZW", "2F-K01", "tea-drinks", "郴州西站高架层茶饮售卖亭", 250,
             _bid("chayan", "0.42", "0.90"), _bid("heytea", "0.30", "0.85")),
        _lot("CZW", "2F-A01", "tea-drinks", "郴州西站高架层茶饮网点", 120),
        _lot("CZW", "2F-A02", "local-specialty", "郴州西站高架层地方特产网点", 110),
        _lot("CZW", "2F-K02", "local-specialty", "郴州西站高架层特产售卖亭", 200),
        _lot("CZW", "2F-M01", "bank-atm", "郴州西站高架层银行自助设备点位", 1000),
        _lot("CZW", "1F-A01", "noodles", "郴州西站地面层面馆网点", 100),
        _lot("CZW", "1F-B01", "luggage-storage", "郴州西站地面层行李寄存网点", 50),
    )),
    _round("HNKT-08", "衡山西站、耒阳西站、汨罗东站商业网点公开招租", -75, (
        _lot("HSW", "1F-A03", "local-specialty", "衡山西站候车层地方特产网点", 70),
        _lot("HSW", "1F-B02", "luggage-storage", "衡山西站候车层行李寄存网点", 40),
        _lot("LYW", "1F-A02", "local-specialty", "耒阳西站候车层地方特产网点", 70),
        _lot("LYW", "1F-A03", "luggage-storage", "耒阳西站候车层行李寄存网点", 40),
        _lot("LYW", "1F-M01", "bank-atm", "耒阳西站候车层银行自助设备点位", 900),
        _lot("MLE", "1F-A01", "noodles", "汨罗东站候车层面馆网点", 70),
        _lot("MLE", "1F-B01", "local-specialty", "汨罗东站候车层地方特产网点", 70,
             _bid("yanjin", "-0.12", "0.84")),
        _lot("MLE", "1F-B02", "luggage-storage", "汨罗东站候车层行李寄存网点", 40),
        _lot("MLE", "1F-K01", "tea-drinks", "汨罗东站候车层茶饮售卖亭", 150),
        _lot("MLE", "1F-M01", "bank-atm", "汨罗东站候车层银行自助设备点位", 900),
    )),
    # Offered again after HNKT-08 failed; it fails again.
    _round("HNKT-09", "汨罗东站候车层面馆网点公开招租（第二次）", -40, (
        _lot("MLE", "1F-A01", "noodles", "汨罗东站候车层面馆网点", 60,
             _bid("yangyuxing", "-0.15", "0.85")),
    )),
)  # fmt: skip


# --- the outlets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outlet:
    """One outlet: its unit, its tenant (a merchant's key) and how it was let — from an award
    (``award``: round code and lot number), after a failed lot (``failed``), or transferred
    without tender. ``signed`` is days from the first opening day (or, with ``recent``, from
    today); the outlet opens when its two rent-free months end."""

    station: str
    unit: str
    tenant: str
    business_type: str
    signed: int
    award: tuple[str, int] | None = None
    failed: tuple[str, int] | None = None
    rent_m2_month: int = 0  # a transferred outlet's rent (a failed lot is let at its reserve)
    recent: bool = False
    turnover_pct: str | None = None  # turnover rent, above the fixed rent (the greater)
    behind: bool = False  # the tenant has not paid its latest instalment


def _t(station, unit, tenant, kind, signed, code, lot, turnover=None) -> Outlet:
    return Outlet(station, unit, tenant, kind, signed, award=(code, lot), turnover_pct=turnover)


def _f(station, unit, tenant, kind, signed, code, lot, **extra) -> Outlet:
    return Outlet(station, unit, tenant, kind, signed, failed=(code, lot), **extra)


def _d(station, unit, tenant, kind, signed, rent, **extra) -> Outlet:
    return Outlet(station, unit, tenant, kind, signed, rent_m2_month=rent, **extra)


TRANSFERRED = "原铁路局多经企业经营的站内网点，经集团公司批准按原经营范围划转，重新签订租赁合同。"
VENDING = "站内便民自助设备统一引入，按集团公司便民服务设施协议安排，不单独招租。"
AFTER_FAILURE = "%(round)s 第%(lot)s标段公开招租流标（无有效投标），经集团公司批准与意向品牌协商出租，租金不低于底价。"

# McDonald's Changsha South (its lease from 28 March, two rent-free months) is the first to open, on
# 27 May; every other outlet starts later.
OUTLETS = (
    # From awards.
    _t("CSS", "2F-B02", "mcd", "fast-food", -76, "HNZB-01", 1, "8"),
    _t("CSS", "2F-A09", "starbucks", "coffee", -66, "HNZB-01", 2, "8"),
    _t("CSS", "2F-B01", "xinhua", "bookstore", -65, "HNZB-01", 3),
    _t("CSS", "2F-A10", "yanjin", "local-specialty", -64, "HNZB-01", 4),
    _t("CSS", "2F-A07", "feidachu", "chinese-fast-food", -64, "HNKT-01", 1),
    _t("CSS", "2F-A04", "heytea", "tea-drinks", -63, "HNKT-01", 2),
    _t("CSS", "2F-B08", "zhouheiya", "local-specialty", -62, "HNKT-01", 3),
    _t("CSS", "2F-A02", "cmcc", "telecom-hall", -60, "HNKT-01", 4),
    _t("CSS", "1F-A02", "kfc", "fast-food", -61, "HNKT-02", 1, "8"),
    _t("CSS", "2F-M01", "bocom", "bank-atm", -58, "HNKT-02", 2),
    _t("CSS", "1F-M01", "bocom", "bank-atm", -58, "HNKT-02", 3),
    _t("ZZW", "2F-B01", "mcd", "fast-food", -57, "HNKT-03", 1, "8"),
    _t("ZZW", "2F-B03", "luckin", "coffee", -56, "HNKT-03", 2, "8"),
    _t("ZZW", "2F-M01", "bocom", "bank-atm", -55, "HNKT-03", 3),
    _t("ZZW", "B1-K01", "jinzai", "local-specialty", -55, "HNKT-04", 1),
    _t("YYE", "2F-B01", "zhengongfu", "chinese-fast-food", -52, "HNKT-05", 1),
    _t("YYE", "2F-B02", "cmcc", "telecom-hall", -51, "HNKT-05", 2),
    _t("YYE", "2F-B03", "luckin", "coffee", -50, "HNKT-05", 3, "8"),
    _t("YYE", "2F-M01", "bocom", "bank-atm", -50, "HNKT-05", 4),
    _t("HYE", "2F-A02", "starbucks", "coffee", -47, "HNKT-06", 1, "8"),
    _t("HYE", "2F-A03", "cmcc", "telecom-hall", -46, "HNKT-06", 2),
    _t("HYE", "2F-M01", "bocom", "bank-atm", -45, "HNKT-06", 3),
    _t("CZW", "2F-B01", "yonghe", "chinese-fast-food", -42, "HNKT-07", 1),
    _t("CZW", "2F-B02", "cmcc", "telecom-hall", -41, "HNKT-07", 2),
    _t("CZW", "2F-K01", "chayan", "tea-drinks", -40, "HNKT-07", 3),
    # After a failed lot, let directly at the reserve.
    _f("CSS", "2F-A01", "yangyuxing", "noodles", -55, "HNKT-01", 5),
    _f("CSS", "2F-B03", "luckin", "coffee", -54, "HNKT-01", 6, turnover_pct="8"),
    _f("CSS", "B1-K01", "chayan", "tea-drinks", -53, "HNKT-02", 4),
    _f("CSS", "2F-A06", "lawson", "convenience-store", -45, "HNKT-02", 5),
    _f("CSS", "2F-B05", "holiland", "bakery", -30, "HNKT-02", 6),
    _f("CSS", "2F-K02", "junshan", "local-specialty", -25, "HNKT-02", 7),
    _f("ZZW", "2F-A03", "cmcc", "telecom-hall", -50, "HNKT-03", 4),
    _f("ZZW", "2F-K01", "chayan", "tea-drinks", -49, "HNKT-03", 5),
    _f("ZZW", "2F-A02", "yanjin", "local-specialty", -48, "HNKT-03", 7),
    _f("ZZW", "B1-B01", "kfc", "fast-food", -5, "HNKT-04", 2, recent=True),
    _f("ZZW", "B1-A01", "crexpress", "luggage-storage", -47, "HNKT-04", 3),
    _f("YYE", "2F-K02", "yanjin", "local-specialty", -44, "HNKT-05", 7),
    _f("YYE", "1F-A02", "yangyuxing", "noodles", -43, "HNKT-05", 8),
    _f("YYE", "1F-B01", "crexpress", "luggage-storage", -43, "HNKT-05", 9),
    _f("HYE", "2F-K01", "chayan", "tea-drinks", -40, "HNKT-06", 4),
    _f("HYE", "2F-B04", "yangyuxing", "noodles", -45, "HNKT-06", 5, recent=True),
    _f("HYE", "2F-B05", "yanjin", "local-specialty", -38, "HNKT-06", 6),
    _f("HYE", "1F-A02", "holiland", "bakery", -40, "HNKT-06", 8, recent=True),
    _f("HYE", "1F-B01", "crexpress", "luggage-storage", -37, "HNKT-06", 9),
    _f("CZW", "2F-A02", "yanjin", "local-specialty", -34, "HNKT-07", 5),
    _f("CZW", "2F-M01", "bocom", "bank-atm", -33, "HNKT-07", 7),
    _f("CZW", "1F-A01", "yangyuxing", "noodles", -33, "HNKT-07", 8, behind=True),
    _f("CZW", "1F-B01", "crexpress", "luggage-storage", -32, "HNKT-07", 9),
    _f("HSW", "1F-A03", "yanjin", "local-specialty", -28, "HNKT-08", 1),
    _f("HSW", "1F-B02", "crexpress", "luggage-storage", -28, "HNKT-08", 2),
    _f("LYW", "1F-A02", "yanjin", "local-specialty", -27, "HNKT-08", 3),
    _f("LYW", "1F-A03", "crexpress", "luggage-storage", -27, "HNKT-08", 4, behind=True),
    _f("LYW", "1F-M01", "bocom", "bank-atm", -26, "HNKT-08", 5),
    _f("MLE", "1F-B01", "yanjin", "local-specialty", -26, "HNKT-08", 7),
    _f("MLE", "1F-B02", "crexpress", "luggage-storage", -26, "HNKT-08", 8),
    # Transferred without tender.
    _d("CSS", "2F-A03", "furong", "convenience-store", -50, 110),
    _d("CSS", "2F-A08", "bocom", "bank-branch", -48, 120),
    _d("CSS", "2F-B04", "lbx", "pharmacy", -46, 110),
    _d("CSS", "2F-K03", "xinhua", "bookstore", -44, 120),
    _d("CSS", "2F-K04", "lemoba", "massage-chairs", -20, 90),
    _d("CSS", "1F-B02", "sf", "luggage-storage", -42, 60),
    _d("CSS", "2F-V01", "ubox", "vending", -30, 400),
    _d("CSS", "B1-V01", "ubox", "vending", -30, 400),
    _d("ZZW", "2F-A04", "furong", "convenience-store", -40, 80),
    _d("ZZW", "2F-B02", "xinhua", "bookstore", -40, 50),
    _d("ZZW", "2F-V01", "ubox", "vending", -25, 300),
    _d("ZZW", "B1-V01", "ubox", "vending", -25, 300),
    _d("YYE", "2F-A04", "furong", "convenience-store", -38, 80),
    _d("YYE", "2F-A05", "lbx", "pharmacy", -36, 80),
    _d("YYE", "2F-B04", "xinhua", "bookstore", -38, 50),
    _d("YYE", "2F-V01", "ubox", "vending", -25, 300),
    _d("YYE", "1F-V01", "ubox", "vending", -25, 300),
    _d("HYE", "2F-A04", "furong", "convenience-store", -36, 80),
    _d("HYE", "2F-B01", "xinhua", "bookstore", -36, 50),
    _d("HYE", "2F-B02", "lbx", "pharmacy", -34, 80),
    _d("HYE", "2F-K03", "lemoba", "massage-chairs", -15, 70),
    _d("HYE", "2F-V01", "ubox", "vending", -20, 300),
    _d("HYE", "1F-V01", "ubox", "vending", -20, 300),
    _d("CZW", "2F-A04", "furong", "convenience-store", -34, 80),
    _d("CZW", "2F-B04", "xinhua", "bookstore", -34, 50),
    _d("CZW", "1F-A02", "lbx", "pharmacy", -30, 80),
    _d("CZW", "2F-V01", "ubox", "vending", -20, 300),
    _d("CZW", "1F-V01", "ubox", "vending", -20, 300),
    _d("HSW", "1F-A01", "furong", "convenience-store", -30, 50),
    _d("HSW", "1F-A02", "xinhua", "bookstore", -30, 30),
    _d("HSW", "1F-V01", "ubox", "vending", -15, 200),
    _d("HSW", "B1-V01", "ubox", "vending", -15, 200),
    _d("LYW", "1F-B01", "furong", "convenience-store", -28, 50),
    _d("LYW", "1F-B02", "xinhua", "bookstore", -28, 30),
    _d("LYW", "1F-V01", "ubox", "vending", -15, 200),
    _d("MLE", "1F-A02", "xinhua", "bookstore", -26, 30),
    _d("MLE", "1F-A03", "furong", "convenience-store", -26, 50),
)  # fmt: skip

RENT_FREE_MONTHS = 2
TERM_MONTHS = 60
ESCALATION_PCT = "3"


def _code(n: int) -> str:
    return f"HNZL-{n:03d}"


def _local(cal: Calendar, day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=cal.zone)


class LeasingChapter:
    """The first year's rounds, leases, fit-out, rent and operation, as steps on the
    tender demo's timeline."""

    def __init__(self):
        self.loaded: list[str] = []
        self.skipped = ""
        self.leases: dict[int, Lease] = {}
        self.opened: dict[int, dt.date] = {}  # the outlets open by today, by number
        self.complaints: dict[DemoComplaint, object] = {}
        self.inspections: dict[tuple[int, int], object] = {}

    # --- what is there already ------------------------------------------------------------

    def _in_the_way(self) -> str:
        if Lease.objects.filter(code__in=[_code(n) for n in range(1, len(OUTLETS) + 1)]).exists():
            return _("The leasing demo was already loaded: nothing changed.")
        if TenderRound.objects.filter(code__in=[r.code for r in ROUNDS]).exists():
            return _("The first year's tender rounds exist already: the leasing demo is skipped.")
        return ""

    def schedule(self, timeline: Timeline, cal: Calendar, cast: Cast) -> None:
        self.cal, self.cast = cal, cast
        self.skipped = self._in_the_way()
        if self.skipped:
            return
        if TenderRound.objects.filter(code="HNZB-01").exists():
            # Loaded by an earlier version, HNZB-01 is not the first year's round it needs.
            self.skipped = _(
                "HNZB-01 was loaded before the leasing demo existed: load the demo into a new "
                "database to see the leases."
            )
            return
        history = cal.history
        self.replays = {}
        for plan in ROUNDS:
            replay = RoundReplay(plan, cal, cast)
            self.replays[plan.code] = replay
            timeline.at(
                replay.when.created - dt.timedelta(hours=1),
                lambda plan=plan: self.release(plan),
                thread=plan.code,
            )
            replay.schedule(timeline)
        timeline.at(history.day(-30), self.fine_schedule, thread="operation")
        for n, outlet in enumerate(OUTLETS, start=1):
            self._schedule_outlet(timeline, n, outlet)
        self._schedule_operation(timeline)

    # --- the rounds -----------------------------------------------------------------------

    def release(self, plan: DemoRound) -> None:
        """Units still planned are released for letting before their round."""
        for lot in plan.lots:
            for unit in Unit.objects.filter(station__code=lot.station, code__in=lot.units):
                if unit.status == Unit.Status.PLANNED:
                    space.unit_change_status(
                        actor=self.cast.user(OFFICER),
                        unit=unit,
                        status=Unit.Status.AVAILABLE,
                        reason=_("Released for letting in %(round)s.") % {"round": plan.code},
                    )

    # --- the outlets ----------------------------------------------------------------------

    def _signed_day(self, outlet: Outlet) -> dt.date:
        base = self.cal if outlet.recent else self.cal.history
        return base.today + dt.timedelta(days=outlet.signed)

    def _schedule_outlet(self, timeline: Timeline, n: int, outlet: Outlet) -> None:
        signed = self._signed_day(outlet)
        start = signed + dt.timedelta(days=7)
        if outlet.award == ("HNZB-01", 1):
            start = add_months(self.cal.history.today, -RENT_FREE_MONTHS) + dt.timedelta(days=1)

        def at(day: dt.date, step, hour=10, minute=0, thread=""):
            timeline.at(_local(self.cal, day, hour, minute), step, thread=f"lease:{n}{thread}")

        at(signed - dt.timedelta(days=3), lambda: self.create(n, outlet, start), 9)
        at(signed, lambda: self.sign(n), 15)
        lease_shape = Lease(start_date=start, end_date=add_months(start, TERM_MONTHS),
                            rent_free_months=RENT_FREE_MONTHS)  # fmt: skip
        due = fitout.default_plan(lease_shape)
        today = self.cal.today
        behind_on_design = outlet.tenant == "yangyuxing" and outlet.recent
        for kind in Milestone.ORDER:
            day = due[kind]
            if behind_on_design and kind != Kind.DESIGN_SUBMITTED:
                break  # the design is with the fire officers: approval overdue
            if day >= today:
                break
            done = day + dt.timedelta(days=3 if kind == Kind.DESIGN_APPROVED and n % 7 == 0 else 0)
            at(done, lambda kind=kind, done=done: self.milestone(n, kind, done), 16)
            if kind == Kind.SAFETY_BRIEFING:
                at(done, lambda: self.fit_out(n), 17)
        opened = due[Kind.OPENED]
        if opened < today:
            self.opened[n] = opened
            self._schedule_rent(at, n, outlet, start, opened)

    def _rent(self, outlet: Outlet, unit: Unit) -> Decimal:
        """A direct lease's rent: a failed lot's reserve, or the outlet's rent per m²."""
        if outlet.failed is not None:
            code, number = outlet.failed
            plan = next(r for r in ROUNDS if r.code == code).lots[number - 1]
            return reserve_of(plan, unit.area_m2)
        return tender_demo._round_to(unit.area_m2 * outlet.rent_m2_month * 12, 100)

    def create(self, n: int, outlet: Outlet, start: dt.date) -> None:
        officer = self.cast.user(OFFICER)
        terms = {
            "rent_free_months": RENT_FREE_MONTHS,
            "escalation_pct": ESCALATION_PCT,
            "payment_frequency": Lease.Frequency.QUARTERLY,
            "deposit_months": 3,
            "street_price_commitment": True,
        }
        if outlet.turnover_pct:
            terms["turnover_rate_pct"] = outlet.turnover_pct
        if outlet.award is not None:
            code, number = outlet.award
            award = Award.objects.get(lot__round__code=code, lot__number=number)
            lease = services.lease_create_from_award(
                actor=officer, award=award, code=_code(n), start_date=start, **terms
            )
        else:
            unit = Unit.objects.get(station__code=outlet.station, code=outlet.unit)
            if outlet.failed is not None:
                code, number = outlet.failed
                reason = AFTER_FAILURE % {"round": code, "lot": number}
            else:
                reason = (
                    VENDING
                    if outlet.business_type in ("vending", "massage-chairs")
                    else TRANSFERRED
                )
            lease = services.lease_create_direct(
                actor=officer,
                merchant=self.cast.merchants[outlet.tenant],
                units=[unit],
                code=_code(n),
                start_date=start,
                end_date=add_months(start, TERM_MONTHS),
                annual_rent=self._rent(outlet, unit),
                direct_reason=reason,
                business_type=BusinessCategory.objects.get(code=outlet.business_type),
                **terms,
            )
        self.leases[n] = lease

    def lease(self, n: int) -> Lease:
        self.leases[n] = Lease.objects.get(pk=self.leases[n].pk)
        return self.leases[n]

    def sign(self, n: int) -> None:
        officer = self.cast.user(OFFICER)
        lease = services.lease_sign(actor=officer, lease=self.lease(n))
        responsible = self.cast.user(OFFICER_CSS if lease.station.code == "CSS" else OFFICER)
        fitout.lease_assign_officer(actor=officer, lease=lease, officer=responsible)
        fitout.milestones_plan(actor=officer, lease=lease)

    def milestone(self, n: int, kind: str, done: dt.date) -> None:
        lease = self.lease(n)
        milestone = lease.milestones.get(kind=kind)
        documents = ()
        if kind == Kind.DESIGN_SUBMITTED and lease.award_id:
            title = f"{lease.merchant.brands.first()} {lease.station.name_zh}站 装修设计方案"
            pdf = pdf_document(title, [_DESIGN_TEXT], footer=lease.code)
            documents = (ContentFile(pdf, name="设计方案.pdf"),)
        fitout.milestone_done(
            actor=self.cast.user(lease.responsible_officer.username),
            milestone=milestone,
            done_on=done,
            documents=documents,
        )

    def fit_out(self, n: int) -> None:
        services.lease_start_fit_out(actor=self.cast.user(OFFICER), lease=self.lease(n))

    # --- rent -----------------------------------------------------------------------------

    def _schedule_rent(self, at, n: int, outlet: Outlet, start: dt.date, opened: dt.date):
        """Each instalment paid three days after it falls due; a tenant ``behind`` has not
        paid the latest. Tenants with turnover rent report each month on the 5th after."""
        # The amounts come from the lease once signed; here only the due dates are needed.
        dues = rent_schedule(
            start=start,
            end=add_months(start, TERM_MONTHS),
            first_year_rent=Decimal("1200"),
            escalation_pct=Decimal(ESCALATION_PCT),
            rent_free_months=RENT_FREE_MONTHS,
            frequency_months=Lease.Frequency.QUARTERLY,
        )
        today = self.cal.today
        past = [due for due in dues if due.due_date + dt.timedelta(days=3) < today]
        if outlet.behind and past:
            past = past[:-1]
        for due in past:
            paid = due.due_date + dt.timedelta(days=3)
            at(paid, lambda d=due.due_date: self.pay(n, d), 11, thread=":rent")
        if outlet.turnover_pct:
            month = add_months(opened.replace(day=1), 1)
            while add_months(month, 1).replace(day=5) < today:
                reported = add_months(month, 1).replace(day=5)
                at(reported, lambda m=month: self.report_turnover(n, outlet, m), 9, 30, ":sales")
                month = add_months(month, 1)

    def pay(self, n: int, due_date: dt.date) -> None:
        instalment = Instalment.objects.get(
            lease=self.lease(n), kind=Instalment.Kind.RENT, due_date=due_date
        )
        services.instalment_pay(
            actor=self.cast.user(OFFICER),
            instalment=instalment,
            paid_on=due_date + dt.timedelta(days=3),
            amount=instalment.amount,
        )

    def report_turnover(self, n: int, outlet: Outlet, month: dt.date) -> None:
        """A month's sales: about 1.1 times what makes the turnover rent equal the fixed rent,
        busier in the summer and the National Day holiday."""
        lease = self.lease(n)
        season = {7: "1.25", 8: "1.30", 10: "1.35", 2: "1.20"}.get(month.month, "1.00")
        base = lease.annual_rent / 12 / (Decimal(outlet.turnover_pct) / 100)
        amount = (base * Decimal("1.1") * Decimal(season)).quantize(Decimal("100"))
        user = tender_demo.MERCHANTS_BY_KEY[outlet.tenant].user
        services.turnover_report(
            actor=self.cast.user(user), lease=lease, month=month, amount=amount
        )

    # --- operation ------------------------------------------------------------------------

    def fine_schedule(self) -> None:
        operation.violation_types_load_defaults(actor=self.cast.user(OFFICER))

    def _schedule_operation(self, timeline: Timeline) -> None:
        """Inspections of every open outlet a month after it opened and every three months
        after; the complaints, penalties, price checks and campaigns of the year."""
        cal, today = self.cal, self.cal.today

        def at(when: dt.datetime, step, thread: str) -> None:
            if when < cal.now:
                timeline.at(when, step, thread=thread)

        for n, opened in self.opened.items():
            day, k = opened + dt.timedelta(days=30), 0
            while day < today:
                thread = f"lease:{n}:inspections"
                at(_local(cal, day, 14), lambda n=n, d=day, k=k: self.inspect(n, d, k), thread)
                if self._fault(n, k) is not None:
                    done = day + dt.timedelta(days=5)
                    at(_local(cal, done, 15), lambda n=n, k=k, d=done: self.put_right(n, k, d),
                       thread)  # fmt: skip
                day, k = day + dt.timedelta(days=91), k + 1
        for complaint in COMPLAINTS:
            self._schedule_complaint(at, complaint)
        for n, (station, unit, item, station_price, street_price, offset) in enumerate(
            PRICE_CHECKS
        ):
            outlet = self.number(station, unit)
            checked = cal.history.today + dt.timedelta(days=offset)
            if outlet in self.opened and self.opened[outlet] < checked < today:
                at(_local(cal, checked, 15),
                   lambda o=outlet, i=item, s=station_price, t=street_price, c=checked:
                   self.price_check(o, i, s, t, c), f"price:{n}")  # fmt: skip
        for n, event in enumerate(EVENTS):
            self._schedule_event(at, n, event)

    def number(self, station: str, unit: str) -> int:
        """The outlet's number (its lease is HNZL-<number>)."""
        for n, outlet in enumerate(OUTLETS, start=1):
            if (outlet.station, outlet.unit) == (station, unit):
                return n
        raise KeyError((station, unit))

    def _keeper(self, station: str) -> User:
        """Who keeps a station's operation records: its manager where it has one."""
        return self.cast.user(MANAGER_HYE if station == "HYE" else OFFICER)

    def inspect(self, n: int, day: dt.date, k: int) -> None:
        lease = self.lease(n)
        checklist = [
            {"item": item, "passed": True, "note": ""} for item in operation.ChecklistItem.values
        ]
        follow_up, follow_up_due, score = "", None, Decimal(92 + (n * 7 + k * 3) % 8)
        fault = self._fault(n, k)
        if fault is not None:
            item, note, follow_up = fault
            checklist = [
                {**entry, "passed": False, "note": note} if entry["item"] == item else entry
                for entry in checklist
            ]
            score, follow_up_due = Decimal(78 + n % 6), day + dt.timedelta(days=7)
        inspection = operation.inspection_record(
            actor=self._keeper(lease.station.code),
            lease=lease,
            inspected_on=day,
            checklist=checklist,
            score=score,
            findings=follow_up and _("See the failed item."),
            follow_up=follow_up,
            follow_up_due=follow_up_due,
        )
        self.inspections[n, k] = inspection
        if fault is INSPECTION_FAULTS[1] and lease.station.code == "HYE":
            operation.penalty_issue(
                actor=self.cast.user(OFFICER),
                lease=lease,
                violation=operation.ViolationType.objects.get(code="fire-safety"),
                inspection=inspection,
                note=_("Evacuation route blocked at the inspection; put right within a week."),
            )

    @staticmethod
    def _fault(n: int, k: int) -> tuple[str, str, str] | None:
        """What the ``k``-th inspection of outlet ``n`` finds wrong, if anything."""
        return {3: INSPECTION_FAULTS[0], 7: INSPECTION_FAULTS[1]}.get((n + k) % 11)

    def put_right(self, n: int, k: int, day: dt.date) -> None:
        operation.inspection_follow_up_done(
            actor=self._keeper(self.lease(n).station.code),
            inspection=self.inspections[n, k],
            done_on=day,
        )

    def _schedule_complaint(self, at, complaint: DemoComplaint) -> None:
        base = self.cal if complaint.recent else self.cal.history
        received = _local(base, base.today + dt.timedelta(days=complaint.day), complaint.hour)
        outlet = self.number(*complaint.outlet) if complaint.outlet else None
        if outlet is not None and not (
            outlet in self.opened and self.opened[outlet] < received.date()
        ):
            return
        thread = f"complaint:{complaint.day}:{complaint.hour}"
        at(received, lambda: self.receive(complaint, received, outlet), thread)
        if complaint.answer_hours is not None:
            answered = received + dt.timedelta(hours=complaint.answer_hours)
            at(answered, lambda: self.answer(complaint), thread)
            if complaint.penalty:
                at(answered + dt.timedelta(hours=1), lambda: self.penalise(complaint), thread)

    def receive(self, complaint: DemoComplaint, received: dt.datetime, outlet: int | None):
        self.complaints[complaint] = operation.complaint_receive(
            actor=self._keeper(complaint.station),
            station=Station.objects.get(code=complaint.station),
            category=complaint.category,
            received_at=received,
            description=complaint.description,
            lease=self.lease(outlet) if outlet else None,
            service_hours=24,
        )

    def answer(self, complaint: DemoComplaint) -> None:
        operation.complaint_answer(
            actor=self._keeper(complaint.station),
            complaint=self.complaints[complaint],
            resolution=complaint.resolution,
        )

    def penalise(self, complaint: DemoComplaint) -> None:
        recorded = self.complaints[complaint]
        operation.penalty_issue(
            actor=self.cast.user(OFFICER),
            lease=recorded.lease,
            violation=operation.ViolationType.objects.get(code=complaint.penalty),
            complaint=recorded,
        )

    def price_check(self, n, item, station_price, street_price, checked) -> None:
        lease = self.lease(n)
        operation.price_check_record(
            actor=self._keeper(lease.station.code),
            lease=lease,
            item=item,
            station_price=station_price,
            street_price=street_price,
            checked_on=checked,
        )

    def _schedule_event(self, at, n: int, event: DemoEvent) -> None:
        base = self.cal if event.recent else self.cal.history
        starts = base.today + dt.timedelta(days=event.starts)
        ends = starts + dt.timedelta(days=event.days - 1)
        created = _local(self.cal, starts - dt.timedelta(days=10), 11)
        at(created, lambda: self.campaign(event, starts, ends), f"event:{n}")

    def campaign(self, event: DemoEvent, starts: dt.date, ends: dt.date) -> None:
        officer = self.cast.user(OFFICER)
        recorded = operation.marketing_event_create(
            actor=officer,
            title=event.title,
            starts_on=starts,
            ends_on=ends,
            station=Station.objects.get(code=event.station) if event.station else None,
            description=event.description,
        )
        outlets = [
            lease
            for lease in Lease.objects.filter(
                code__in=[_code(n) for n in range(1, len(OUTLETS) + 1)],
                status=Lease.Status.OPEN,
                business_type__code__in=event.types,
            ).select_related("station")
            if event.station in (None, lease.station.code)
        ]
        if outlets:
            operation.marketing_event_add_outlets(actor=officer, event=recorded, outlets=outlets)

    def report(self, stdout) -> None:
        if self.skipped:
            tender_demo._write(stdout, self.skipped)
            return
        open_count = Lease.objects.filter(
            code__in=[_code(n) for n in range(1, len(OUTLETS) + 1)], status=Lease.Status.OPEN
        ).count()
        tender_demo._write(
            stdout,
            _("Leasing demo: %(leases)d leases, %(open)d outlets open in %(stations)d stations.")
            % {
                "leases": len(OUTLETS),
                "open": open_count,
                "stations": Station.objects.filter(leases__status=Lease.Status.OPEN)
                .distinct()
                .count(),
            },
        )


INSPECTION_FAULTS = (
    ("price_tags", "部分商品未明码标价", "补齐全部商品价签，按统一格式明码标价。"),
    ("fire_safety", "后场堆放纸箱占用疏散通道", "清理疏散通道，后场物品入柜存放。"),
)


@dataclass(frozen=True)
class DemoComplaint:
    station: str
    outlet: tuple[str, str] | None
    category: str
    day: int  # from the first opening day (or today, with ``recent``)
    hour: int
    description: str
    answer_hours: int | None  # None: not answered yet
    resolution: str = ""
    penalty: str = ""  # the violation type it leads to
    recent: bool = False


COMPLAINTS = (
    DemoComplaint("CSS", ("CSS", "2F-B02"), "service", 20, 8, "早高峰排队时间过长，点餐后等待超过15分钟。",
                  6, "已增开一个收银台并在高峰时段增配人员，向旅客致歉。"),
    DemoComplaint("CSS", ("CSS", "2F-A03"), "price", 34, 19, "矿泉水售价高于市区门店。",
                  30, "经核实为临时调价未及时恢复，已按市区价格退还差价，处以罚款。", "above-street-price"),
    DemoComplaint("ZZW", ("ZZW", "2F-B03"), "quality", 45, 7, "咖啡温度不够。",
                  4, "已检查设备并重新制作，向旅客致歉。"),
    DemoComplaint("HYE", ("HYE", "2F-A04"), "hygiene", 52, 21, "店内地面湿滑未设警示牌。",
                  3, "已设置警示牌并加强巡查。"),
    DemoComplaint("YYE", None, "other", 60, 10, "候车区缺少充电插座。",
                  20, "已转车站，增设充电设施纳入改造计划。"),
    DemoComplaint("CZW", ("CZW", "1F-A01"), "service", 71, 12, "服务员态度生硬。",
                  40, "已约谈店长并对员工进行服务培训。", "service"),
    DemoComplaint("YYE", ("YYE", "1F-A02"), "quality", 88, 13, "米粉分量与价目表不符。",
                  5, "已按标准分量重新出品并退款。"),
    DemoComplaint("CSS", ("CSS", "1F-A02"), "hygiene", 104, 18, "餐桌清理不及时。",
                  2, "已调整高峰时段保洁频次。"),
    DemoComplaint("HSW", ("HSW", "1F-A01"), "price", 120, 9, "便利店部分商品无价签。",
                  10, "已补齐价签。"),
    DemoComplaint("CSS", ("CSS", "2F-A04"), "service", 131, 16, "茶饮出杯慢，错过检票。",
                  8, "已在高峰期增设出杯窗口，并提示旅客留足时间。"),
    DemoComplaint("HYE", ("HYE", "2F-A02"), "service", -2, 9, "移动支付故障无法付款。",
                  None, recent=True),
    DemoComplaint("CSS", ("CSS", "2F-A07"), "quality", 0, 0, "菜品偏咸。",
                  None, recent=True),
)  # fmt: skip

# (station, unit, item, station price, street price, days from the first opening day)
PRICE_CHECKS = (
    ("CSS", "2F-B02", "巨无霸套餐", "39.00", "39.00", 40),
    ("ZZW", "2F-B01", "巨无霸套餐", "39.00", "39.00", 60),
    ("CSS", "1F-A02", "香辣鸡腿堡套餐", "38.50", "38.50", 50),
    ("CSS", "2F-A09", "大杯拿铁", "34.00", "34.00", 45),
    ("HYE", "2F-A02", "大杯拿铁", "34.00", "34.00", 90),
    ("ZZW", "2F-B03", "生椰拿铁", "16.00", "16.00", 70),
    ("YYE", "2F-B03", "生椰拿铁", "16.00", "16.00", 80),
    ("CSS", "2F-A03", "农夫山泉550ml", "2.50", "2.00", 35),
    ("CSS", "2F-A03", "农夫山泉550ml", "2.00", "2.00", 70),
    ("HYE", "2F-A04", "农夫山泉550ml", "2.00", "2.00", 75),
    ("HSW", "1F-A01", "农夫山泉550ml", "2.00", "2.00", 120),
    ("LYW", "1F-B01", "康师傅红烧牛肉面", "5.00", "4.50", 150),
    ("CSS", "2F-A10", "盐津铺子鹌鹑蛋礼盒", "49.90", "49.90", 60),
    ("MLE", "1F-B01", "盐津铺子鹌鹑蛋礼盒", "49.90", "49.90", 110),
    ("CZW", "2F-K01", "幽兰拿铁", "16.00", "16.00", 120),
    ("CSS", "2F-B01", "《湖湘文化读本》", "58.00", "58.00", 50),
)


@dataclass(frozen=True)
class DemoEvent:
    title: str
    station: str | None
    starts: int  # days from the first opening day (or today, with ``recent``)
    days: int
    types: tuple[str, ...]
    description: str
    recent: bool = False


EVENTS = (
    DemoEvent("暑运清凉季", None, 40, 62, ("tea-drinks", "coffee", "convenience-store"),
              "暑运期间全线茶饮、咖啡与便利店推出清凉饮品第二杯半价，价格与市区门店同步。"),
    DemoEvent("国庆黄金周湘味特产节", None, 127, 7, ("local-specialty",),
              "国庆期间各站特产店设湖湘特产展台，购满100元赠送旅行伴手礼袋。"),
    DemoEvent("长沙南站“书香旅途”阅读月", "CSS", -10, 30, ("bookstore", "coffee"),
              "新华书店与咖啡网点联合推出阅读打卡，凭车票购书九折。", recent=True),
)  # fmt: skip


_DESIGN_TEXT = (
    "平面布置、立面效果与材料说明按车站统一风格导则编制；消防设计含喷淋、烟感与疏散指示，"
    "装修材料燃烧性能达到A级；用电负荷不超过预留容量，施工期间设置围挡并按安全交底要求作业。"
)


def load(*, stdout=None):
    """The whole demo story, tenders included (tenders.demo.load with this chapter)."""
    return tender_demo.load(stdout=stdout, chapters=[LeasingChapter()])
