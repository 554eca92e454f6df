"""The public site of the demo: the leasing demo (which loads the tenders' and the stations'),
then the page tree — the home page, the tender notices with a page per published round, the
stations with a page per station, and the investment handbook with its chapters, a plan image
and a downloadable PDF. Idempotent: pages are found by their slug (or round, or station) and
brought up to date; an officer's later edits to a page's text are kept.
"""

from __future__ import annotations

from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from cms.models import (
    HandbookPage,
    HomePage,
    StationIndexPage,
    StationPage,
    TenderNoticeIndexPage,
)
from cms.notices import notice_page_ensure
from leasing import demo as leasing_demo
from stations.models import Level, Station
from stations.plans import render_level_png
from stations.selectors import network_overview
from tenders.demo import LESSOR, pdf_document
from tenders.models import TenderRound
from tenders.round_selectors import PUBLIC_STATUSES

HOME_INTRO = (
    "<p>湖南高铁车站商业开发有限公司经营武广高铁湖南段 8 座车站的商业空间："
    "在这里查看各站待招租的网点、正在进行的公开招租和结果公示。"
    "Commercial space in the eight stations of the Wuhan–Guangzhou line in Hunan: "
    "units offered for letting, open tender rounds and their results.</p>"
)
CONTACT = "招商部 Leasing department · 0731-0000 0000 · zhaoshang@example.com"


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def load(*, stdout=None) -> None:
    leasing_demo.load(stdout=stdout)
    _write(stdout, _("Building the public site: notices, station pages, the handbook…"))
    with transaction.atomic():
        home = _home()
        _child(
            home,
            TenderNoticeIndexPage,
            slug="notices",
            title="招租公告 Tender notices",
            intro="<p>公开招租公告及结果公示。Public tender notices and result notices.</p>",
        )
        made = [
            page
            for round in TenderRound.objects.filter(status__in=PUBLIC_STATUSES).order_by("code")
            if (page := notice_page_ensure(round)) is not None
        ]
        stations = _child(
            home,
            StationIndexPage,
            slug="stations",
            title="车站与网点 Stations",
            intro="<p>各站楼层平面图与待招租网点。Each station's plans and units offered for "
            "letting.</p>",
        )
        for station in Station.objects.order_by("code"):
            _child(
                stations,
                StationPage,
                slug=station.code.lower(),
                title=f"{station.name_zh} {station.name_en}",
                station=station,
            )
        _handbook(home)
    _write(
        stdout,
        _("Public site: %(notices)d tender notices, %(stations)d station pages.")
        % {"notices": len(made), "stations": Station.objects.count()},
    )


def _home() -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = HomePage(title="高铁车站商业招商 Station commercial leasing", slug="home")
        root.add_child(instance=home)
    changed = False
    if not home.intro:
        home.intro, changed = HOME_INTRO, True
    if not home.contact:
        home.contact, changed = CONTACT, True
    if changed:
        home.save_revision().publish()
    return home


def _child(parent: Page, model, *, slug: str, title: str, intro: str = "", **links):
    """The child of ``parent`` with ``slug`` (made if missing); its links kept to ``links``."""
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(title=title, slug=slug, **links)
        if intro:
            page.intro = intro
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page
    stale = {name: value for name, value in links.items() if getattr(page, name) != value}
    if stale:
        for name, value in stale.items():
            setattr(page, name, value)
        page.save_revision().publish()
    return page


# --- the handbook ---------------------------------------------------------------------------


def _pdf(title: str, paragraphs: list[str]):
    Document = get_document_model()
    document = Document.objects.filter(title=title).first()
    if document is None:
        content = pdf_document(title, paragraphs, footer=LESSOR)
        document = Document(title=title)
        document.file.save("handbook.pdf", ContentFile(content), save=False)
        document.save()
    return document


def _plan_image(level: Level):
    Image = get_image_model()
    title = f"{level.station.name_zh} {level.name} 平面图"
    image = Image.objects.filter(title=title).first()
    if image is None:
        png = render_level_png(level, width_px=1600)
        image = Image(title=title)
        image.file = ImageFile(BytesIO(png), name=f"plan-{level.station.code}-{level.pk}.png")
        image.save()
    return image


def _facts() -> dict:
    stations = list(network_overview())
    return {
        "stations": len(stations),
        "available": sum(s.available_count for s in stations),
        "area": sum((s.available_area_m2 or 0) for s in stations),
    }


def _handbook(home: HomePage) -> HandbookPage:
    facts = _facts()
    handbook = _child(
        home,
        HandbookPage,
        slug="handbook",
        title="招商手册 Investment handbook",
    )
    if handbook.body:  # written once; an officer's edits stay
        return handbook
    guide = [
        "一、我们是谁：湖南高铁车站商业开发有限公司负责武广高铁湖南段各站的商业规划、招商、施工开业与经营管理。",
        "二、分级分层开发：车站按所服务城市分为省会、地级市、县级市三级；每站都有基本配置（餐饮、便利店、书刊、行李寄存），再按规模做个性配置。",
        "三、公开招租：每一轮招租公布公告、招租书和合同主要条款；报名时系统逐项核对资格条件；投标在截止时间前密封提交，开标须两人共同确认。",
        "四、评审与公示：评审委员会独立评分，结果公示期间投标人可以提出异议；公示期满后定标并签订租赁合同。",
        "五、施工开业：中标商家按施工开业线路图完成设计审核、进场施工、验收和开业，每个网点都有一名包保责任人。",
    ]
    document = _pdf("招商手册（PDF 版）", guide)
    level = (
        Level.objects.select_related("station")
        .filter(station__code="CSS")
        .order_by("-ordinal")
        .first()
    )
    image = _plan_image(level) if level else None
    body = [
        ("heading", "欢迎来到高铁车站"),
        (
            "paragraph",
            f"<p>武广高铁湖南段共有 {facts['stations']} 座车站。目前各站共有 "
            f"{facts['available']} 个网点待招租，面积合计 {facts['area']:.2f} m²。"
            "同一品牌在各站同质同价，同类业态错位经营，避免商家之间相互压价。</p>",
        ),
        ("heading", "车站分级与业态配置"),
        (
            "paragraph",
            "<ul><li><b>省会城市站</b>：长沙南，客流最大，适合品牌旗舰店与多业态组合。</li>"
            "<li><b>地级市站</b>：岳阳东、株洲西、衡阳东、郴州西。</li>"
            "<li><b>县级市站</b>：汨罗东、衡山西、耒阳西，以基本配置为主。</li></ul>"
            "<p>每站的基本配置：餐饮、便利店、书刊、行李寄存；连锁便利店、书店和地方特产在每站都有。</p>",
        ),
    ]
    if image is not None:
        body.append(
            (
                "image",
                {
                    "image": {"image": image, "decorative": False, "alt_text": image.title},
                    "caption": f"{image.title}：绿色为待招租网点。",
                },
            )
        )
    body += [
        ("heading", "水电预留"),
        (
            "paragraph",
            "<p>招租前每个网点已按业态预留电量、配电柜、地插、灯箱插座、给水与排水点；"
            "餐饮网点另有排烟条件。每个网点的预留情况在车站页面上逐项列出。</p>",
        ),
        ("heading", "如何参加公开招租"),
        (
            "paragraph",
            "<ol><li>在商家门户注册公司（统一社会信用代码自动校验）。</li>"
            "<li>在招租公告中查看标段、资格条件和评分办法，下载招租文件并核对其 SHA-256。</li>"
            "<li>在报名期内报名，查看逐项资格审查结果。</li>"
            "<li>在投标截止前提交密封投标；截止前可以替换或撤回。</li>"
            "<li>结果公示期间，如有异议可在线提出。</li></ol>",
        ),
        (
            "document",
            {
                "document": document,
                "title": "下载招商手册（PDF）",
                "description": "招商流程要点，可打印。",
            },
        ),
        ("heading", "In English"),
        (
            "paragraph",
            "<p>The railway's commercial company lets the shops of its stations by public "
            "tender. Read a round's notice, check its documents against their SHA-256, "
            "register your company on the merchant portal, apply, and submit a sealed bid "
            "before the deadline. Results are published for objections before the award.</p>",
        ),
    ]
    handbook.intro = "在高铁车站开店：车站、网点、招租流程与开业支持。"
    handbook.body = body
    handbook.save_revision().publish()
    chapter = _child(
        handbook, HandbookPage, slug="fit-out", title="施工与开业 Fit-out and opening"
    )
    if not chapter.body:
        chapter.intro = "从定标到开业的六个节点，以及每个网点的包保责任人。"
        chapter.body = [
            ("heading", "六个节点"),
            (
                "paragraph",
                "<ol><li>签订租赁合同</li><li>提交装修设计（消防安全与车站统一风格）</li>"
                "<li>设计审核通过</li><li>进场施工</li><li>竣工验收</li><li>开业</li></ol>",
            ),
            ("heading", "包保责任制"),
            (
                "paragraph",
                "<p>每个商家的每个网点都有一名招商人员负责到底，直至开业；"
                "施工开业线路图上列出每个网点的计划与进度。</p>",
            ),
        ]
        chapter.save_revision().publish()
    return handbook
