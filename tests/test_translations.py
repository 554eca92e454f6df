"""The Simplified Chinese catalogues: complete, placeholder-safe, compiled, and in use."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import shapely
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from audit.models import Entry
from stations import services
from stations.geometry import check_units
from stations.models import BusinessCategory, Level, Unit, UtilityPoint, Zone
from tenders.credit_code import validate_credit_code
from tenders.models import Lot, Merchant, RoundDocument, TenderRound
from tests import factories
from tests.stations.factories import StationFactory, cabinet, level, square

ROOT = Path(__file__).resolve().parents[1]
APPS = ("stations", "audit", "cms", "tenders", "leasing", "notifications", "api", "backup")

# printf-style (%(name)s, %(area).4f, %s, %d) and str.format-style ({0}, {name}) placeholders.
PRINTF = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +\-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{[^{}]*\}")


@dataclass
class PoEntry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def parse_po(path: Path) -> list[PoEntry]:
    """The entries of a .po file, header included (msgid ""); obsolete (#~) entries skipped.

    Entries are separated by blank lines, as xgettext and msgmerge write them.
    """
    entries: list[PoEntry] = []
    first_line = 1
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, target = PoEntry(line=first_line), None
        first_line += block.count("\n") + 2
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"'):
                append(entry, target, ast.literal_eval(line))
            else:
                target, _space, value = line.partition(" ")
                append(entry, target, ast.literal_eval(value))
        if target is not None:
            entries.append(entry)
    return entries


def append(entry: PoEntry, keyword: str, text: str) -> None:
    if keyword.startswith("msgstr"):
        index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    else:
        setattr(entry, keyword, (getattr(entry, keyword) or "") + text)


def catalogue(app: str) -> Path:
    return ROOT / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def messages(app: str) -> list[PoEntry]:
    return [e for e in parse_po(catalogue(app)) if e.msgid]


def placeholders(text: str) -> tuple[set[str], list[str], set[str]]:
    """Named printf placeholders (a set: Chinese may reorder them), positional ones (in order:
    they cannot be reordered) and brace placeholders."""
    named, positional = set(), []
    for match in PRINTF.finditer(text):
        if match.group(0) == "%%":
            continue
        if match.group("name") is not None:
            named.add(match.group(0))
        else:
            positional.append(match.group(0))
    return named, positional, set(BRACES.findall(text))


def describe(app: str, entry: PoEntry) -> str:
    return f"{app}/…/django.po:{entry.line} {entry.msgid!r}"


# --- the parser itself --------------------------------------------------------------------


def test_parser_reads_context_plurals_flags_and_continued_lines(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        "#: a.py:1\n#, fuzzy, python-format\n"
        'msgctxt "demo"\nmsgid ""\n"two "\n"lines %(n)s"\nmsgstr "两行 %(n)s"\n\n'
        'msgid "%(n)d level"\nmsgid_plural "%(n)d levels"\nmsgstr[0] "%(n)d 个楼层"\n\n'
        '#~ msgid "gone"\n#~ msgstr "已删"\n',
        encoding="utf-8",
    )
    header, first, plural = parse_po(po)
    assert header.msgid == "" and "Language: zh_Hans" in header.msgstr[0]
    assert first.flags == {"fuzzy", "python-format"}
    assert (first.msgctxt, first.msgid, first.msgstr) == (
        "demo",
        "two lines %(n)s",
        {0: "两行 %(n)s"},
    )
    assert (plural.msgid_plural, plural.msgstr) == ("%(n)d levels", {0: "%(n)d 个楼层"})


def test_placeholders_tell_named_positional_and_brace_apart():
    assert placeholders("%(area).4f m² of %(code)s, %s and %d, {0} {name}, 100%%") == (
        {"%(area).4f", "%(code)s"},
        ["%s", "%d"],
        {"{0}", "{name}"},
    )


# --- the catalogues -----------------------------------------------------------------------


@pytest.mark.parametrize("app", APPS)
def test_catalogue_header_is_chinese_utf8_with_one_plural_form(app):
    header = parse_po(catalogue(app))[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    text = header.msgstr[0]
    assert "Language: zh_Hans\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=1; plural=0;" in text


@pytest.mark.parametrize("app", APPS)
def test_every_message_has_a_chinese_translation(app):
    entries = messages(app)
    assert len(entries) > 10
    untranslated = [
        describe(app, e)
        for e in entries
        if not e.msgstr or any(not text.strip() for text in e.msgstr.values())
    ]
    assert untranslated == []
    # Chinese has one plural form: one msgstr[0] per plural entry, and nothing beyond it.
    assert [describe(app, e) for e in entries if e.msgid_plural and set(e.msgstr) != {0}] == []


@pytest.mark.parametrize("app", APPS)
def test_no_entry_is_fuzzy(app):
    assert [describe(app, e) for e in parse_po(catalogue(app)) if "fuzzy" in e.flags] == []


@pytest.mark.parametrize("app", APPS)
def test_translations_keep_every_placeholder(app):
    wrong = []
    for entry in messages(app):
        source = entry.msgid + "\n" + (entry.msgid_plural or "")
        expected = placeholders(source)
        if entry.msgid_plural:
            # the singular may leave out what the plural says (e.g. the count)
            expected = (expected[0], placeholders(entry.msgid_plural)[1], expected[2])
        for text in entry.msgstr.values():
            if placeholders(text) != expected:
                wrong.append((describe(app, entry), text))
    assert wrong == []


@pytest.mark.parametrize("app", APPS)
def test_compiled_catalogue_holds_every_translation_of_the_po(app):
    """The committed .mo is compiled from the current .po (CI may have no gettext to do it)."""
    missing = object()

    class Missing(gettext.NullTranslations):
        def gettext(self, message):
            return missing

        def pgettext(self, context, message):
            return missing

        def ngettext(self, singular, plural, n):
            return missing

        def npgettext(self, context, singular, plural, n):
            return missing

    with open(catalogue(app).with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    compiled.add_fallback(Missing())
    stale = []
    for entry in messages(app):
        if entry.msgid_plural is not None:
            args = (entry.msgid, entry.msgid_plural, 1)
            found = (
                compiled.npgettext(entry.msgctxt, *args)
                if entry.msgctxt is not None
                else compiled.ngettext(*args)
            )
        elif entry.msgctxt is not None:
            found = compiled.pgettext(entry.msgctxt, entry.msgid)
        else:
            found = compiled.gettext(entry.msgid)
        if found is missing or found != entry.msgstr[0]:
            stale.append(describe(app, entry))
    assert stale == []


def test_one_message_reads_the_same_in_every_catalogue():
    """Django merges the apps' catalogues into one: where two give the same message (and
    context) different words, only the first app's are ever shown. A message that must read
    differently in two places takes a context (pgettext)."""
    seen: dict[tuple, dict[str, dict[int, str]]] = {}
    for app in APPS:
        for entry in messages(app):
            seen.setdefault((entry.msgctxt, entry.msgid), {})[app] = entry.msgstr
    conflicts = [
        (key, by_app) for key, by_app in seen.items() if len({str(v) for v in by_app.values()}) > 1
    ]
    assert conflicts == []


def test_a_lot_open_for_tender_is_not_an_outlet_open_for_business():
    with translation.override("zh-hans"):
        assert str(Lot.Status.OPEN.label) == "招租中"
        assert str(Unit.Status.OPEN.label) == "已开业"


# --- in use -------------------------------------------------------------------------------


def test_model_names_and_choices_come_out_in_chinese():
    with translation.override("zh-hans"):
        assert str(Unit._meta.verbose_name) == "商业网点"
        assert str(Level._meta.verbose_name) == "楼层"
        assert str(Unit.Status.AVAILABLE.label) == "待招租"
        assert str(Unit.Status.FITTING_OUT.label) == "装修中"
        assert str(Zone.Kind.EVACUATION.label) == "疏散通道"
        assert str(UtilityPoint.Kind.CABINET.label) == "配电柜"
        assert str(UtilityPoint.Kind.LIGHTBOX_SOCKET.label) == "广告灯箱供电插座"
        assert str(Entry._meta.verbose_name) == "日志条目"
        assert str(apps.get_app_config("cms").verbose_name) == "门户与后台"


def test_tender_names_and_choices_come_out_in_chinese():
    with translation.override("zh-hans"):
        assert str(TenderRound._meta.verbose_name) == "招租轮次"
        assert str(TenderRound.Status.AWARDED.label) == "已定标"
        assert str(RoundDocument.Kind.NOTICE.label) == "招租公告"
        assert str(Merchant.LegalForm.INDIVIDUAL.label) == "个体工商户"
        assert str(Merchant._meta.get_field("credit_code").verbose_name) == "统一社会信用代码"


def test_a_bad_credit_code_is_refused_in_chinese_with_the_code_and_its_length():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_credit_code("91110108")
    assert refused.value.messages == ["统一社会信用代码 91110108 应为 18 位，而不是 8 位。"]


def test_english_is_still_english():
    with translation.override("en"):
        assert str(Unit._meta.verbose_name) == "unit"
        assert str(Unit.Status.AVAILABLE.label) == "Available"
        assert str(TenderRound._meta.verbose_name) == "tender round"


def overlapping_squares() -> list[str]:
    violations = check_units(
        outline=shapely.box(0, 0, 100, 100),
        codes=["A01", "A02"],
        polygons=[shapely.box(0, 0, 10, 10), shapely.box(5, 5, 15, 15)],
    )
    return [str(v) for v in violations]


def test_geometry_violation_is_reported_in_chinese_with_codes_and_area():
    with translation.override("zh-hans"):
        (message,) = overlapping_squares()
    assert "重叠" in message
    assert "A01" in message and "A02" in message and "25.00 m²" in message


def test_geometry_violation_is_reported_in_english_when_asked():
    with translation.override("en"):
        assert overlapping_squares() == ["Units A01 and A02 overlap by 25.00 m²."]


# --- Chinese screens ----------------------------------------------------------------------


def speaks_chinese(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "zh-hans"
    profile.save()
    return user


@pytest.fixture
def chinese_officer_client(client, db):
    client.force_login(speaks_chinese(factories.officer(username="wang")))
    return client


@pytest.fixture
def chinese_inspector_client(client, db):
    client.force_login(speaks_chinese(factories.inspector(username="zhou")))
    return client


def test_the_report_total_row_reads_heji_on_a_chinese_screen(chinese_officer_client):
    station_level = level(StationFactory(code="CSS"), width=60, depth=30)
    cabinet(station_level, 55, 25, capacity_kw="200")
    content = chinese_officer_client.get(
        reverse("cms_report", args=("utilities",))
    ).content.decode()
    total = content.split('<tr class="cms-report__total">')[1].split("</tr>")[0]
    assert "合计" in total and "200.00" in total
    assert "TOTAL" not in total
    assert "配电柜" in content


def inspected(content: str) -> dict[str, str]:
    """The label → value pairs of a Wagtail inspect page."""
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>\s*(.*?)\s*</dd>", content, re.S)
    return {label.strip(): value.strip() for label, value in pairs}


def test_business_type_flags_read_yes_and_no_in_chinese_not_true_and_false(
    chinese_officer_client,
):
    fast_food = BusinessCategory.objects.get(code="fast-food")
    assert (fast_food.needs_water, fast_food.is_basic) == (True, False)
    fields = inspected(
        chinese_officer_client.get(
            reverse("business-types:inspect", args=(fast_food.pk,))
        ).content.decode()
    )
    assert (fields["需要给水"], fields["基本配置"]) == ("是", "否")


def test_the_journal_names_the_system_in_chinese_and_shows_no_none(chinese_inspector_client):
    station = StationFactory(code="CSS")
    services.level_create(
        actor=None, station=station, name="高架层", ordinal=1, outline=square(0, 0, 10, 10)
    )
    entry = Entry.objects.get(action="level.create")
    assert (entry.actor_id, entry.actor_name) == (None, "system")  # as recorded and hashed
    index = chinese_inspector_client.get(reverse("audit-journal:index")).content.decode()
    assert "系统" in index
    fields = inspected(
        chinese_inspector_client.get(
            reverse("audit-journal:inspect", args=(entry.pk,))
        ).content.decode()
    )
    assert (fields["操作人"], fields["操作人 ID"], fields["变更前"]) == ("系统", "—", "—")
