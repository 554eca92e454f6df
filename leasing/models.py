"""Leases from awards (or direct), their units and periods, the rent schedule and turnover."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from stations.models import Station, Unit
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
