"""Leases from awards (or direct), their units and periods, the rent schedule and turnover;
fit-out and opening milestones; operation: inspections, complaints, penalties, price checks
and marketing events. (The spread of outlets is a station's rule: stations.SpreadLimit.)"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from stations.models import BusinessCategory, Station, Unit
from tenders.models import Award, Merchant

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}


class Lease(models.Model):
    """A lease of units to a merchant: its term, rent terms, deposit and status.

    Made from an award (the winning offer is the fixed annual rent) or directly, for space
    transferred without tender, with the reason recorded. The period is [start, end): the
    end date is the first day no longer let.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")
        FITTING_OUT = "fitting_out", _("Fitting out")
        OPEN = "open", _("Open")
        ENDED = "ended", _("Ended")
        TERMINATED = "terminated", _("Terminated")

    class Frequency(models.IntegerChoices):
        MONTHLY = 1, _("Monthly")
        QUARTERLY = 3, _("Quarterly")
        HALF_YEARLY = 6, _("Half-yearly")
        YEARLY = 12, _("Yearly")

    TRANSITIONS = {
        Status.DRAFT: {Status.SIGNED, Status.TERMINATED},
        Status.SIGNED: {Status.FITTING_OUT, Status.OPEN, Status.TERMINATED},
        Status.FITTING_OUT: {Status.OPEN, Status.TERMINATED},
        Status.OPEN: {Status.ENDED, Status.TERMINATED},
        Status.ENDED: set(),
        Status.TERMINATED: set(),
    }
    # The statuses in which the lease holds its units.
    HOLDING = frozenset({Status.DRAFT, Status.SIGNED, Status.FITTING_OUT, Status.OPEN})

    code = models.CharField(_("contract number"), max_length=40, unique=True)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="leases", verbose_name=_("tenant")
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="leases", verbose_name=_("station")
    )
    units = models.ManyToManyField(
        Unit, through="LeaseUnit", related_name="leases", verbose_name=_("units")
    )
    award = models.OneToOneField(
        Award,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lease",
        verbose_name=_("award"),
        editable=False,
    )
    # The lot's for a lease from an award; given or the units' one designated type for a
    # direct lease. Counted by the spread rule (错位经营) and the reports by business type.
    business_type = models.ForeignKey(
        BusinessCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leases",
        verbose_name=_("business type"),
    )
    direct_reason = models.TextField(_("why no tender (direct lease)"), blank=True)
    renewal_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("renews"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end (first day no longer let)"))
    rent_free_months = models.PositiveSmallIntegerField(
        _("rent-free fit-out period (months)"), default=0
    )
    annual_rent = models.DecimalField(
        _("fixed annual rent, first lease year (CNY)"),
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    escalation_pct = models.DecimalField(
        _("annual escalation (per cent)"),
        **PERCENT,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
    )
    turnover_rate_pct = models.DecimalField(
        _("turnover rent (per cent of turnover)"),
        **PERCENT,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    minimum_guarantee = models.DecimalField(
        _("minimum annual guarantee (CNY)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    payment_frequency = models.PositiveSmallIntegerField(
        _("payment frequency"), choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    deposit_months = models.PositiveSmallIntegerField(_("deposit (months of rent)"), default=3)
    deposit = models.DecimalField(_("deposit (CNY)"), **MONEY, editable=False)
    street_price_commitment = models.BooleanField(
        _("prices no higher than the same items in the street"), default=True
    )
    # 包保责任人: the one officer answerable for this outlet until it opens, and after.
    responsible_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outlets_responsible_for",
        verbose_name=_("responsible officer"),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True, editable=False)
    opened_on = models.DateField(_("opened on"), null=True, blank=True, editable=False)
    ended_on = models.DateField(_("ended on"), null=True, blank=True, editable=False)
    termination_reason = models.TextField(_("reason for termination"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-start_date", "code"]
        verbose_name = _("lease")
        verbose_name_plural = _("leases")
        permissions = [("manage_lease", _("Can make and change leases"))]
        # The network's first opening (network-summary) without reading every lease.
        indexes = [models.Index(fields=["opened_on", "id"], name="lease_opened")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="lease_period_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(award__isnull=True, direct_reason=""),
                name="lease_from_award_or_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.merchant}"


class LeaseUnit(models.Model):
    """A unit of a lease with the lease's period, repeated so that the database can refuse two
    overlapping periods on one unit (an exclusion constraint on PostgreSQL)."""

    lease = models.ForeignKey(Lease, on_delete=models.CASCADE, related_name="lease_units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="lease_units")
    start_date = models.DateField(editable=False)
    end_date = models.DateField(editable=False)

    class Meta:
        ordering = ["unit", "start_date"]
        verbose_name = _("leased unit")
        verbose_name_plural = _("leased units")
        constraints = [
            models.UniqueConstraint(fields=["lease", "unit"], name="lease_unit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.lease.code} · {self.unit.code}"


class Instalment(models.Model):
    """A rent instalment with its due date and exact amount; settlements add top-ups."""

    class Kind(models.TextChoices):
        RENT = "rent", _("Rent")
        SETTLEMENT = "settlement", _("Turnover settlement")

    lease = models.ForeignKey(
        Lease, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("lease")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.RENT)
    lease_year = models.PositiveSmallIntegerField(_("lease year"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to (exclusive)"))
    due_date = models.DateField(_("due"))
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    paid_on = models.DateField(_("paid on"), null=True, blank=True, editable=False)
    paid_amount = models.DecimalField(
        _("amount paid (CNY)"), **MONEY, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["lease", "due_date", "pk"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        indexes = [models.Index(fields=["due_date"], name="instalment_due")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="instalment_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lease.code} · {self.due_date} · {self.amount}"


class TurnoverReport(models.Model):
    """A tenant's turnover for one month, reported by the merchant."""

    lease = models.ForeignKey(
        Lease, on_delete=models.CASCADE, related_name="turnover", verbose_name=_("lease")
    )
    month = models.DateField(_("month (its first day)"))
    amount = models.DecimalField(
        _("turnover (CNY)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    reported_at = models.DateTimeField(_("reported at"), editable=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["lease", "month"]
        verbose_name = _("turnover report")
        verbose_name_plural = _("turnover reports")
        constraints = [
            models.UniqueConstraint(fields=["lease", "month"], name="turnover_once_a_month"),
        ]

    def __str__(self) -> str:
        return f"{self.lease.code} · {self.month:%Y-%m}"


# --- fit-out and opening (施工开业) --------------------------------------------------------


class Milestone(models.Model):
    """A step of an outlet's way from signing to opening, with its due date and date done."""

    class Kind(models.TextChoices):
        DESIGN_SUBMITTED = "design_submitted", _("Design submitted")
        DESIGN_APPROVED = "design_approved", _("Design approved (fire safety, station style)")
        SAFETY_BRIEFING = "safety_briefing", _("Construction safety briefing")
        FIT_OUT_DONE = "fit_out_done", _("Fit-out done")
        FIRE_ACCEPTANCE = "fire_acceptance", _("Fire acceptance")
        OPENED = "opened", _("Opened")

    ORDER = list(Kind.values)

    lease = models.ForeignKey(
        Lease, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("lease")
    )
    kind = models.CharField(_("milestone"), max_length=24, choices=Kind.choices)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["lease", "due_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(fields=["lease", "kind"], name="milestone_once_per_lease")
        ]

    def __str__(self) -> str:
        return f"{self.lease.code} · {self.get_kind_display()}"


class MilestoneDocument(models.Model):
    """A document of a milestone (a design, an acceptance certificate), with its SHA-256."""

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="documents", verbose_name=_("milestone")
    )
    file = models.FileField(_("file"), upload_to="milestones/%Y/")
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["milestone", "uploaded_at"]
        verbose_name = _("milestone document")
        verbose_name_plural = _("milestone documents")

    def __str__(self) -> str:
        return self.file.name


# --- operation ----------------------------------------------------------------------------


class Inspection(models.Model):
    """An inspection of an outlet against a checklist, with its score, findings and
    follow-up."""

    lease = models.ForeignKey(
        Lease, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("outlet")
    )
    inspected_on = models.DateField(_("inspected on"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inspector"),
        editable=False,
    )
    # [{"item": "hygiene" | "fire_safety" | "price_tags" | "service", "passed": bool,
    #   "note": str}, …]
    checklist = models.JSONField(_("checklist"), default=list)
    score = models.DecimalField(
        _("score (0–100)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    findings = models.TextField(_("findings"), blank=True)
    follow_up = models.TextField(_("follow-up required"), blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    follow_up_done_on = models.DateField(
        _("follow-up done on"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-inspected_on", "pk"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.lease.code} · {self.inspected_on}"


class Complaint(models.Model):
    """A passenger's complaint about an outlet (or the station's commerce), and its answer."""

    class Category(models.TextChoices):
        PRICE = "price", _("Price")
        HYGIENE = "hygiene", _("Hygiene")
        SERVICE = "service", _("Service")
        QUALITY = "quality", _("Quality")
        OTHER = "other", _("Other")

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("station")
    )
    lease = models.ForeignKey(
        Lease,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("outlet"),
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    received_at = models.DateTimeField(_("received at"))
    description = models.TextField(_("complaint"))
    service_hours = models.PositiveSmallIntegerField(
        _("to be answered within (hours)"), default=24
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)
    resolution = models.TextField(_("resolution"), blank=True, editable=False)

    class Meta:
        ordering = ["-received_at", "pk"]
        verbose_name = _("passenger complaint")
        verbose_name_plural = _("passenger complaints")

    def __str__(self) -> str:
        return f"{self.station.code} · {self.get_category_display()} · {self.received_at:%Y-%m-%d}"

    @property
    def answer_due_at(self) -> datetime.datetime:
        """When the service time runs out (leasing.operation.with_answer_due in the database)."""
        return self.received_at + datetime.timedelta(hours=self.service_hours)

    @property
    def answered_in_time(self) -> bool | None:
        """Answered within the service time; None while not answered."""
        if self.answered_at is None:
            return None
        return self.answered_at <= self.answer_due_at


class ViolationType(models.Model):
    """A kind of violation and its fine (the fine schedule)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    fine = models.DecimalField(
        _("fine (CNY)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("violation type")
        verbose_name_plural = _("violation types")

    def __str__(self) -> str:
        return self.name_zh


class Penalty(models.Model):
    """A fine on an outlet for a violation, citing the inspection or complaint it comes from."""

    lease = models.ForeignKey(
        Lease, on_delete=models.PROTECT, related_name="penalties", verbose_name=_("outlet")
    )
    violation = models.ForeignKey(
        ViolationType, on_delete=models.PROTECT, related_name="+", verbose_name=_("violation")
    )
    amount = models.DecimalField(_("amount (CNY)"), **MONEY, editable=False)
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="penalties",
        verbose_name=_("inspection"),
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="penalties",
        verbose_name=_("complaint"),
    )
    issued_on = models.DateField(_("issued on"), editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-issued_on", "pk"]
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(inspection__isnull=False) | models.Q(complaint__isnull=False),
                name="penalty_cites_its_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.lease.code} · {self.violation} · {self.amount}"


class PriceCheck(models.Model):
    """Same quality, same price (同质同价): a chain item's station price against the street's."""

    lease = models.ForeignKey(
        Lease, on_delete=models.PROTECT, related_name="price_checks", verbose_name=_("outlet")
    )
    checked_on = models.DateField(_("checked on"))
    item = models.CharField(_("item"), max_length=120)
    station_price = models.DecimalField(
        _("station price (CNY)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    street_price = models.DecimalField(
        _("street price (CNY)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-checked_on", "pk"]
        verbose_name = _("price check")
        verbose_name_plural = _("price checks")

    def __str__(self) -> str:
        return f"{self.lease.code} · {self.item}"

    @property
    def above_street(self) -> bool:
        return self.station_price > self.street_price


class MarketingEvent(models.Model):
    """A station's (or, without a station, the network's) campaign and the outlets in it."""

    title = models.CharField(_("title"), max_length=200)
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="marketing_events",
        verbose_name=_("station (empty: the whole network)"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    description = models.TextField(_("description"), blank=True)
    outlets = models.ManyToManyField(
        Lease, blank=True, related_name="marketing_events", verbose_name=_("outlets taking part")
    )

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("marketing event")
        verbose_name_plural = _("marketing events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="event_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title
