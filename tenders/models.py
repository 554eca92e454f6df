"""Merchants, their demands, and the tender round: lots, documents, thresholds, criteria,
applications, sealed bids and their opening, the committee's scores and result, objections
and awards.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from stations.models import BusinessCategory, Station, Unit
from tenders.credit_code import validate_credit_code

MONEY = {"max_digits": 14, "decimal_places": 2}


class Merchant(models.Model):
    """A company that wants space: registers on the portal, applies, bids, leases."""

    class LegalForm(models.TextChoices):
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual business (个体工商户)")
        OTHER = "other", _("Other")

    class OperationMode(models.TextChoices):
        DIRECT = "direct", _("Operated directly by the brand")
        FRANCHISE = "franchise", _("Franchise")

    name = models.CharField(_("company name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("统一社会信用代码: 18 characters with its GB 32100 check character."),
    )
    legal_form = models.CharField(_("legal form"), max_length=16, choices=LegalForm.choices)
    registered_capital = models.DecimalField(
        _("registered capital (CNY)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    founded_on = models.DateField(_("founded on"))
    operation_mode = models.CharField(
        _("operation mode"), max_length=16, choices=OperationMode.choices
    )
    store_count = models.PositiveIntegerField(_("stores operated"), default=0)
    customer_rating = models.DecimalField(
        _("customer rating (0–5)"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("5"))],
    )
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        permissions = [("act_for_merchant", _("Can act for this merchant"))]

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="brands", verbose_name=_("merchant")
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    business_types = models.ManyToManyField(
        BusinessCategory, blank=True, related_name="brands", verbose_name=_("business types")
    )

    class Meta:
        ordering = ["name_zh"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name_zh"], name="brand_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} {self.name_en}".strip()


class CreditRecord(models.Model):
    """A market-integrity record; a blacklist entry bars the merchant while it is in force."""

    class Kind(models.TextChoices):
        BLACKLIST = "blacklist", _("Blacklist (bars tendering)")
        WARNING = "warning", _("Warning")
        COMMENDATION = "commendation", _("Commendation")

    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.CASCADE,
        related_name="credit_records",
        verbose_name=_("merchant"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=200)
    recorded_on = models.DateField(_("recorded on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["merchant", "-recorded_on"]
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("recorded_on")),
                name="credit_expiry_after_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.get_kind_display()} · {self.source}"


class Demand(models.Model):
    """What a merchant wants: where, how big, for what business, with which utilities, at what rent."""

    class LeaseMode(models.TextChoices):
        FIXED = "fixed", _("Fixed rent")
        TURNOVER = "turnover", _("Turnover share")
        BOTH = "both", _("Fixed rent and turnover share")

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="demands", verbose_name=_("merchant")
    )
    brand = models.ForeignKey(
        Brand,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demands",
        verbose_name=_("brand"),
    )
    business_type = models.ForeignKey(
        BusinessCategory,
        on_delete=models.PROTECT,
        related_name="demands",
        verbose_name=_("business type"),
    )
    stations = models.ManyToManyField(
        Station, blank=True, related_name="demands", verbose_name=_("preferred stations")
    )
    tiers = models.JSONField(
        _("preferred tiers"), default=list, blank=True, help_text=_("Station tiers, if any.")
    )
    location_wish = models.CharField(_("location wish"), max_length=255, blank=True)
    area_min_m2 = models.DecimalField(_("area from (m²)"), max_digits=10, decimal_places=2)
    area_max_m2 = models.DecimalField(_("area to (m²)"), max_digits=10, decimal_places=2)
    power_kw = models.DecimalField(
        _("power needed (kW)"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    floor_sockets = models.PositiveSmallIntegerField(_("floor sockets needed"), default=0)
    needs_water = models.BooleanField(_("needs water supply"), default=False)
    needs_drainage = models.BooleanField(_("needs drainage"), default=False)
    needs_exhaust = models.BooleanField(_("needs exhaust"), default=False)
    intended_rent_m2_month = models.DecimalField(
        _("intended rent (CNY per m² per month)"), max_digits=10, decimal_places=2
    )
    lease_mode = models.CharField(_("lease mode"), max_length=16, choices=LeaseMode.choices)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["merchant", "-created_at"]
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(area_min_m2__gt=0)
                & models.Q(area_max_m2__gte=models.F("area_min_m2")),
                name="demand_area_range",
            ),
            models.CheckConstraint(
                condition=models.Q(intended_rent_m2_month__gte=0), name="demand_rent_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.business_type.name_zh}"


class TenderRound(models.Model):
    """A public tender round (公开招租): its lots, documents, thresholds, criteria and schedule."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        APPLICATIONS_CLOSED = "applications_closed", _("Applications closed")
        BIDDING_CLOSED = "bidding_closed", _("Bidding closed")
        OPENED = "opened", _("Bids opened")
        SCORED = "scored", _("Scored")
        PUBLICITY = "publicity", _("Result in publicity")
        AWARDED = "awarded", _("Awarded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED, Status.CANCELLED},
        Status.PUBLISHED: {Status.APPLICATIONS_CLOSED, Status.CANCELLED},
        Status.APPLICATIONS_CLOSED: {Status.BIDDING_CLOSED, Status.CANCELLED},
        Status.BIDDING_CLOSED: {Status.OPENED, Status.CANCELLED},
        Status.OPENED: {Status.SCORED, Status.FAILED, Status.CANCELLED},
        Status.SCORED: {Status.PUBLICITY, Status.FAILED},
        # An upheld objection sends the round back to scoring (the result is withdrawn).
        Status.PUBLICITY: {Status.AWARDED, Status.OPENED, Status.FAILED},
        Status.AWARDED: set(),
        Status.FAILED: set(),
        Status.CANCELLED: set(),
    }
    SCHEDULE_FIELDS = (
        "publication_at",
        "application_opens_at",
        "application_closes_at",
        "bid_deadline",
        "opening_at",
    )

    code = models.CharField(_("round number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    publication_at = models.DateTimeField(_("publication"))
    application_opens_at = models.DateTimeField(_("applications open"))
    application_closes_at = models.DateTimeField(_("applications close"))
    bid_deadline = models.DateTimeField(_("bid deadline"))
    opening_at = models.DateTimeField(_("opening"))
    publicity_days = models.PositiveSmallIntegerField(_("publicity period (days)"), default=3)
    publicity_ends_at = models.DateTimeField(
        _("publicity ends"), null=True, blank=True, editable=False
    )
    min_members_per_lot = models.PositiveSmallIntegerField(
        _("committee members needed per lot"), default=5, validators=[MinValueValidator(3)]
    )
    # Thresholds (资格条件): checked automatically on every application.
    min_registered_capital = models.DecimalField(
        _("minimum registered capital (CNY)"), **MONEY, default=Decimal("0")
    )
    min_years_in_business = models.PositiveSmallIntegerField(
        _("minimum years in business"), default=0
    )
    min_store_count = models.PositiveIntegerField(_("minimum stores operated"), default=0)
    company_only = models.BooleanField(
        _("companies only (no individual businesses)"), default=True
    )
    direct_only = models.BooleanField(_("brands operating directly only"), default=True)
    no_credit_bar = models.BooleanField(_("no credit bar in force"), default=True)
    min_customer_rating = models.DecimalField(
        _("minimum customer rating"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("5"))],
    )
    # The round's own AES key, wrapped by the master key: sealing and opening need both.
    wrapped_key = models.BinaryField(_("wrapped round key"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-publication_at", "code"]
        verbose_name = _("tender round")
        verbose_name_plural = _("tender rounds")
        permissions = [
            ("run_round", _("Can run tender rounds (schedule, lots, documents, applications)")),
            ("view_reserve_price", _("Can see reserve prices before the result")),
            ("confirm_opening", _("Can confirm the opening of sealed bids")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(application_opens_at__gte=models.F("publication_at"))
                & models.Q(application_closes_at__gt=models.F("application_opens_at"))
                & models.Q(bid_deadline__gte=models.F("application_closes_at"))
                & models.Q(opening_at__gte=models.F("bid_deadline")),
                name="round_schedule_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class RoundDocument(models.Model):
    """A published document of a round, versioned; each version keeps its SHA-256."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Tender notice (招租公告)")
        TENDER_BOOK = "tender_book", _("Tender book (招租书)")
        CONTRACT_TERMS = "contract_terms", _("Main contract terms (合同主要条款)")

    round = models.ForeignKey(
        TenderRound, on_delete=models.CASCADE, related_name="documents", verbose_name=_("round")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    version = models.PositiveSmallIntegerField(_("version"), editable=False)
    file = models.FileField(_("file"), upload_to="tender-documents/%Y/")
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    note = models.CharField(_("what changed"), max_length=255, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["round", "kind", "-version"]
        verbose_name = _("round document")
        verbose_name_plural = _("round documents")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "kind", "version"], name="round_document_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round.code} {self.get_kind_display()} v{self.version}"


class Lot(models.Model):
    """Units of one station let together, for one business type, at a reserve price."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("lot status", "Open")
        FAILED = "failed", _("Failed")
        AWARDED = "awarded", _("Awarded")

    round = models.ForeignKey(
        TenderRound, on_delete=models.CASCADE, related_name="lots", verbose_name=_("round")
    )
    number = models.PositiveSmallIntegerField(_("lot number"))
    title = models.CharField(_("title"), max_length=200)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="lots", verbose_name=_("station")
    )
    units = models.ManyToManyField(Unit, related_name="lots", verbose_name=_("units"))
    business_type = models.ForeignKey(
        BusinessCategory,
        on_delete=models.PROTECT,
        related_name="lots",
        verbose_name=_("business type"),
    )
    term_months = models.PositiveSmallIntegerField(_("lease term (months)"))
    # Seen only by holders of tenders.view_reserve_price until the result is published.
    reserve_annual_rent = models.DecimalField(
        _("reserve annual rent (CNY)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, editable=False
    )

    class Meta:
        ordering = ["round", "number"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="lot_unique_number"),
            models.CheckConstraint(
                condition=models.Q(reserve_annual_rent__gt=0), name="lot_reserve_positive"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(round)s · lot %(number)s") % {
            "round": self.round.code,
            "number": self.number,
        }


class Criterion(models.Model):
    """An evaluation criterion with its weight; the round's weights sum to 100."""

    class Kind(models.TextChoices):
        PRICE = "price", _("Price (offer ÷ best valid offer × weight)")
        REGISTERED_CAPITAL = "registered_capital", _("Registered capital (tiers)")
        TRACK_RECORD = "track_record", _("Track record: stores operated (tiers)")
        SUBJECTIVE = "subjective", _("Scored by each committee member")

    OBJECTIVE_KINDS = frozenset({Kind.PRICE, Kind.REGISTERED_CAPITAL, Kind.TRACK_RECORD})

    round = models.ForeignKey(
        TenderRound, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("round")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    weight = models.DecimalField(
        _("weight (points)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    # For tiered criteria: [[threshold, share of the weight], …] ascending, e.g.
    # [["1000000", "0.5"], ["10000000", "1"]] — at least the threshold earns the share.
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["round", "sort_order", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="criterion_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class Application(models.Model):
    """A merchant's application for lots of a round, with the automatic threshold checks."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the officer")
        ADMITTED = "admitted", _("Admitted")
        REFUSED = "refused", _("Refused")

    TRANSITIONS = {
        Status.PENDING: {Status.ADMITTED, Status.REFUSED},
        Status.ADMITTED: {Status.REFUSED},
        Status.REFUSED: {Status.ADMITTED},
    }

    round = models.ForeignKey(
        TenderRound, on_delete=models.CASCADE, related_name="applications", verbose_name=_("round")
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="applications", verbose_name=_("merchant")
    )
    lots = models.ManyToManyField(Lot, related_name="applications", verbose_name=_("lots"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, editable=False
    )
    # [{"threshold": code, "passed": bool, "required": str, "actual": str, "reason": str}, …]
    checks = models.JSONField(_("threshold checks"), default=list, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True, editable=False)
    overridden = models.BooleanField(
        _("decided against the automatic checks"), default=False, editable=False
    )

    class Meta:
        ordering = ["round", "submitted_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "merchant"], name="application_once_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round.code} · {self.merchant}"

    @property
    def passed_all_checks(self) -> bool:
        return all(check["passed"] for check in self.checks)


# --- sealed bids and the opening ----------------------------------------------------------


class Bid(models.Model):
    """A sealed bid: the offer, proposal and document digests, encrypted under the round key.

    No readable amount is stored: ``sealed`` holds the AES-GCM sealed canonical JSON and
    ``digest`` the SHA-256 of exactly those bytes, as given on the merchant's receipt. A new
    bid replaces the merchant's active bid for the lot; earlier rows keep their content.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REPLACED = "replaced", _("Replaced by a later bid")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    round = models.ForeignKey(
        TenderRound, on_delete=models.PROTECT, related_name="bids", verbose_name=_("round")
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="bids", verbose_name=_("lot")
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="bids", verbose_name=_("merchant")
    )
    version = models.PositiveIntegerField(_("version"), editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, editable=False
    )
    received_at = models.DateTimeField(_("received at (server time)"), editable=False)
    receipt_number = models.CharField(
        _("receipt number"), max_length=64, unique=True, editable=False
    )
    digest = models.CharField(_("SHA-256 of the sealed bid"), max_length=64, editable=False)
    sealed = models.BinaryField(_("sealed bid"), editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["round", "lot", "merchant", "version"]
        verbose_name = _("sealed bid")
        verbose_name_plural = _("sealed bids")
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "merchant", "version"], name="bid_unique_version"
            ),
            models.UniqueConstraint(
                fields=["lot", "merchant"],
                condition=models.Q(status="active"),
                name="bid_one_active_per_lot_merchant",
            ),
        ]

    def __str__(self) -> str:
        return gettext("bid %(receipt)s") % {"receipt": self.receipt_number}


class BidDocument(models.Model):
    """A document uploaded with a bid, sealed like the bid; ``digest`` is of the sealed bytes."""

    bid = models.ForeignKey(
        Bid, on_delete=models.PROTECT, related_name="documents", verbose_name=_("bid")
    )
    position = models.PositiveSmallIntegerField(_("position"), editable=False)
    file_name = models.CharField(_("file name"), max_length=255, editable=False)
    sealed = models.BinaryField(_("sealed document"), editable=False)
    digest = models.CharField(_("SHA-256 of the sealed document"), max_length=64, editable=False)

    class Meta:
        ordering = ["bid", "position"]
        verbose_name = _("bid document")
        verbose_name_plural = _("bid documents")
        constraints = [
            models.UniqueConstraint(fields=["bid", "position"], name="bid_document_position")
        ]

    def __str__(self) -> str:
        return self.file_name


class OpeningConfirmation(models.Model):
    """One authorised person's confirmation that a round's bids may be opened."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("Leasing officer")
        INSPECTOR = "inspector", _("Discipline inspector")

    round = models.ForeignKey(
        TenderRound,
        on_delete=models.PROTECT,
        related_name="opening_confirmations",
        verbose_name=_("round"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), editable=False)

    class Meta:
        ordering = ["round", "confirmed_at"]
        verbose_name = _("opening confirmation")
        verbose_name_plural = _("opening confirmations")

    def __str__(self) -> str:
        return (
            f"{self.round.code} · {self.get_role_display()} · {self.confirmed_at:%Y-%m-%d %H:%M}"
        )


class Opening(models.Model):
    """The opening of a round's sealed bids and its record (bidders, offers, validity)."""

    round = models.OneToOneField(
        TenderRound, on_delete=models.PROTECT, related_name="opening", verbose_name=_("round")
    )
    opened_at = models.DateTimeField(_("opened at"), editable=False)
    record = models.JSONField(_("opening record"), default=dict, editable=False)

    class Meta:
        verbose_name = _("opening")
        verbose_name_plural = _("openings")

    def __str__(self) -> str:
        return gettext("opening of %(round)s") % {"round": self.round.code}


class OpenedBid(models.Model):
    """What a sealed bid held, written only by the opening, with its validity."""

    bid = models.OneToOneField(
        Bid, on_delete=models.PROTECT, related_name="opened", verbose_name=_("bid")
    )
    opening = models.ForeignKey(
        Opening, on_delete=models.PROTECT, related_name="bids", verbose_name=_("opening")
    )
    # Empty when the sealed bid could not be read (altered or broken).
    annual_rent = models.DecimalField(
        _("offered annual rent (CNY)"), **MONEY, null=True, blank=True, editable=False
    )
    proposal = models.TextField(_("proposal"), blank=True, editable=False)
    is_valid = models.BooleanField(_("valid"), editable=False)
    invalid_reason = models.CharField(
        _("why it is invalid"), max_length=255, blank=True, editable=False
    )

    class Meta:
        ordering = ["bid"]
        verbose_name = _("opened bid")
        verbose_name_plural = _("opened bids")

    def __str__(self) -> str:
        return gettext("opened %(bid)s") % {"bid": self.bid}


# --- the evaluation committee, scores, the result, objections and the award ---------------


class Seat(models.Model):
    """A committee member's seat on one round, for the department they represent."""

    class Department(models.TextChoices):
        LEGAL = "legal", _("Legal affairs")
        PASSENGER = "passenger", _("Passenger transport")
        DISCIPLINE = "discipline", _("Discipline inspection")
        FINANCE = "finance", _("Finance")
        STATION = "station", _("Station")
        ENTERPRISE = "enterprise", _("Non-transport enterprise")

    round = models.ForeignKey(
        TenderRound, on_delete=models.CASCADE, related_name="seats", verbose_name=_("round")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="committee_seats",
        verbose_name=_("member"),
    )
    department = models.CharField(_("department"), max_length=16, choices=Department.choices)
    is_chair = models.BooleanField(_("chair"), default=False)
    appointed_at = models.DateTimeField(_("appointed at"), editable=False)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["round", "-is_chair", "appointed_at", "pk"]
        verbose_name = _("committee seat")
        verbose_name_plural = _("committee seats")
        permissions = [("sit_on_committee", _("Can sit on evaluation committees"))]
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="seat_once_per_round"),
            models.UniqueConstraint(
                fields=["round"], condition=models.Q(is_chair=True), name="seat_one_chair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round.code} · {self.user.get_username()}"


class Declaration(models.Model):
    """A member's declaration of interest towards one bidder of the round.

    Made after the opening names the bidders and before the member sees any bid: for every
    bidder at once. A conflict recuses the member from every lot that bidder bid for: they
    neither score it nor see its scores.
    """

    seat = models.ForeignKey(
        Seat, on_delete=models.CASCADE, related_name="declarations", verbose_name=_("seat")
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="+", verbose_name=_("bidder")
    )
    has_conflict = models.BooleanField(_("conflict of interest"))
    statement = models.TextField(_("statement"), blank=True)
    declared_at = models.DateTimeField(_("declared at"), editable=False)

    class Meta:
        ordering = ["seat", "merchant"]
        verbose_name = _("declaration of interest")
        verbose_name_plural = _("declarations of interest")
        constraints = [
            models.UniqueConstraint(
                fields=["seat", "merchant"], name="declaration_once_per_bidder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.seat} · {self.merchant}"


class ScoreSheet(models.Model):
    """One member's scores for one lot, submitted at once and final.

    A correction is a new sheet (the next version) with its reason; the earlier one is kept
    and stops being current. Only the current sheet counts.
    """

    seat = models.ForeignKey(
        Seat, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("seat")
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("lot")
    )
    version = models.PositiveSmallIntegerField(_("version"), editable=False)
    is_current = models.BooleanField(_("current"), default=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), editable=False)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)

    class Meta:
        ordering = ["lot", "seat", "version"]
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [
            models.UniqueConstraint(
                fields=["seat", "lot", "version"], name="sheet_unique_version"
            ),
            models.UniqueConstraint(
                fields=["seat", "lot"],
                condition=models.Q(is_current=True),
                name="sheet_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seat} · {self.lot} · v{self.version}"


class Score(models.Model):
    """A member's points for one bid on one subjective criterion (0 to the criterion's weight).

    ``lot`` and ``is_current`` repeat the sheet's so that the result is one aggregate over an
    index, without a join.
    """

    sheet = models.ForeignKey(
        ScoreSheet, on_delete=models.PROTECT, related_name="scores", verbose_name=_("sheet")
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+", editable=False)
    is_current = models.BooleanField(default=True, editable=False)
    bid = models.ForeignKey(
        OpenedBid, on_delete=models.PROTECT, related_name="scores", verbose_name=_("bid")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    points = models.DecimalField(
        _("points"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    justification = models.TextField(_("justification"), blank=True)

    class Meta:
        ordering = ["sheet", "bid", "criterion"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["sheet", "bid", "criterion"], name="score_once_per_sheet"
            ),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="score_not_negative"),
        ]
        indexes = [
            models.Index(
                fields=["lot", "bid", "criterion"],
                condition=models.Q(is_current=True),
                name="score_current_by_lot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sheet} · {self.criterion.name}: {self.points}"


class Result(models.Model):
    """The committee's report on a round: the ranking of each lot, signed off by the chair.

    An upheld objection that sends the round back to scoring withdraws it; the next sign-off
    is a new version.
    """

    round = models.ForeignKey(
        TenderRound, on_delete=models.PROTECT, related_name="results", verbose_name=_("round")
    )
    version = models.PositiveSmallIntegerField(_("version"), editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by the chair"),
        editable=False,
    )
    signed_at = models.DateTimeField(_("signed at"), editable=False)
    report = models.JSONField(_("committee report"), default=dict, editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    withdrawn_reason = models.TextField(_("why it was withdrawn"), blank=True, editable=False)

    class Meta:
        ordering = ["round", "-version"]
        verbose_name = _("committee result")
        verbose_name_plural = _("committee results")
        constraints = [
            models.UniqueConstraint(fields=["round", "version"], name="result_unique_version"),
            models.UniqueConstraint(
                fields=["round"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="result_one_standing",
            ),
        ]

    def __str__(self) -> str:
        return gettext("result of %(round)s (v%(version)s)") % {
            "round": self.round.code,
            "version": self.version,
        }


class RankedBid(models.Model):
    """A valid bid's place in its lot's ranking, with its points per criterion."""

    result = models.ForeignKey(
        Result, on_delete=models.CASCADE, related_name="ranking", verbose_name=_("result")
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    bid = models.ForeignKey(OpenedBid, on_delete=models.PROTECT, related_name="rankings")
    rank = models.PositiveIntegerField(_("rank"))
    total = models.DecimalField(_("total points"), max_digits=8, decimal_places=4)
    # {criterion id: points as a string}, the inputs of the objective criteria included.
    points = models.JSONField(_("points by criterion"), default=dict)

    class Meta:
        ordering = ["result", "lot", "rank"]
        verbose_name = _("ranked bid")
        verbose_name_plural = _("ranked bids")
        constraints = [
            models.UniqueConstraint(fields=["result", "lot", "rank"], name="ranked_unique_rank"),
            models.UniqueConstraint(fields=["result", "bid"], name="ranked_once"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} · #{self.rank}"


class Objection(models.Model):
    """A bidder's objection to a lot's result during publicity, resolved by an officer and an
    inspector together: the officer proposes, the inspector co-signs or sends it back."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting a decision")
        PROPOSED = "proposed", _("Decision proposed, awaiting the inspector")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    class Outcome(models.TextChoices):
        RESCORE = "rescore", _("The committee scores again")
        FAIL_LOT = "fail_lot", _("The lot fails")

    TRANSITIONS = {
        Status.PENDING: {Status.PROPOSED},
        Status.PROPOSED: {Status.UPHELD, Status.REJECTED, Status.PENDING},
        Status.UPHELD: set(),
        Status.REJECTED: set(),
    }

    round = models.ForeignKey(
        TenderRound, on_delete=models.PROTECT, related_name="objections", verbose_name=_("round")
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="objections", verbose_name=_("lot")
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="objections", verbose_name=_("merchant")
    )
    grounds = models.TextField(_("grounds"))
    lodged_at = models.DateTimeField(_("lodged at"), editable=False)
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, editable=False
    )
    upheld = models.BooleanField(_("uphold"), null=True, blank=True, editable=False)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True, editable=False
    )
    reason = models.TextField(_("reasons for the decision"), blank=True, editable=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    proposed_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["round", "lodged_at"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return gettext("objection of %(merchant)s to %(lot)s") % {
            "merchant": self.merchant,
            "lot": self.lot,
        }


class Award(models.Model):
    """A lot let to its winner at the rent offered; the lease is made from it."""

    lot = models.OneToOneField(
        Lot, on_delete=models.PROTECT, related_name="award", verbose_name=_("lot")
    )
    bid = models.OneToOneField(
        OpenedBid, on_delete=models.PROTECT, related_name="award", verbose_name=_("winning bid")
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="awards", verbose_name=_("merchant")
    )
    annual_rent = models.DecimalField(_("awarded annual rent (CNY)"), **MONEY, editable=False)
    result = models.ForeignKey(
        Result, on_delete=models.PROTECT, related_name="awards", verbose_name=_("result")
    )
    awarded_at = models.DateTimeField(_("awarded at"), editable=False)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-awarded_at", "lot"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        # The officers' awards API pages every award, newest first, in this order.
        indexes = [models.Index(fields=["-awarded_at", "lot"], name="award_newest_first")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(annual_rent__gt=0), name="award_rent_positive"
            )
        ]

    def __str__(self) -> str:
        return gettext("%(lot)s awarded to %(merchant)s") % {
            "lot": self.lot,
            "merchant": self.merchant,
        }


# --- portal accounts (tenders.accounts) ----------------------------------------------------


class PortalAccount(models.Model):
    """A user who signed up on the portal, and whether their e-mail address is verified.

    Users made by an officer, the demo or an accepted invitation (whose link came by e-mail)
    have either no such row or a verified one; only a pending address holds a user back.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="portal_account",
        verbose_name=_("user"),
    )
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)

    class Meta:
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")

    def __str__(self) -> str:
        return str(self.user)


class SignInFailure(models.Model):
    """One failed sign-in for a username; those of the last hour throttle the account."""

    username = models.CharField(_("username"), max_length=150)
    failed_at = models.DateTimeField(_("failed at"))

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            models.Index(fields=["username", "failed_at"], name="sign_in_failure_user_time"),
            models.Index(fields=["failed_at"], name="sign_in_failure_time"),
        ]

    def __str__(self) -> str:
        return f"{self.username} · {self.failed_at:%Y-%m-%d %H:%M:%S}"


class MemberInvitation(models.Model):
    """An invitation, sent by e-mail, for a colleague to join a merchant's users."""

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("merchant")
    )
    email = models.EmailField(_("e-mail address"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("invited at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("member invitation")
        verbose_name_plural = _("member invitations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked",
            )
        ]

    def __str__(self) -> str:
        return gettext("invitation of %(email)s to %(merchant)s") % {
            "email": self.email,
            "merchant": self.merchant,
        }

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class PipelineMonth(models.Model):
    """What happened at a station in a month, counted as it happened: the `pipeline` report's
    row. The services that record a demand, an application, a bid, an award, a signed lease
    or an opening add to it in their own transaction (tenders.pipeline); counting the
    national network's 630,000 such rows on every view of the report took seconds.
    ``manage.py pipeline_counts`` rebuilds the table from the rows, or checks it."""

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="+", verbose_name=_("station")
    )
    month = models.DateField(_("month"), help_text=_("Its first day, in the site's time zone."))
    demands = models.PositiveIntegerField(_("demands"), default=0)
    applications = models.PositiveIntegerField(_("applications"), default=0)
    bids = models.PositiveIntegerField(_("bids"), default=0)
    awards = models.PositiveIntegerField(_("awards"), default=0)
    leases = models.PositiveIntegerField(_("leases signed"), default=0)
    openings = models.PositiveIntegerField(_("openings"), default=0)

    class Meta:
        verbose_name = _("pipeline month")
        verbose_name_plural = _("pipeline months")
        constraints = [
            models.UniqueConstraint(fields=["station", "month"], name="pipeline_station_month")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m}"
