"""Stations and their space: levels, units, zones, utility points, business types.

Geometry is stored as WKT in plan metres (x east, y north of the plan's origin); the
station's latitude, longitude and rotation place the plan on the globe (see imdf.py).
Areas are derived from the polygons by the services, never typed in.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Station(models.Model):
    class Tier(models.TextChoices):
        PROVINCIAL_CAPITAL = "provincial", _("Provincial capital")
        PREFECTURE = "prefecture", _("Prefecture-level city")
        COUNTY = "county", _("County-level city")

    code = models.CharField(
        _("code"),
        max_length=16,
        unique=True,
        help_text=_("Short code, e.g. CSS for Changsha South."),
    )
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128)
    line = models.CharField(_("line"), max_length=128, blank=True)
    city = models.CharField(_("city"), max_length=64)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    plan_rotation_deg = models.DecimalField(
        _("plan rotation (degrees)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("Clockwise angle from true north to the plan's y axis."),
        validators=[MinValueValidator(Decimal(-360)), MaxValueValidator(Decimal(360))],
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        permissions = [
            ("manage_station", _("Can manage the space of this station")),
            ("oversee_stations", _("Can read the space of every station")),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} {self.name_en}"


class Level(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="levels", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=64)
    short_name = models.CharField(_("short name"), max_length=16, blank=True)
    ordinal = models.IntegerField(
        _("order"),
        help_text=_(
            "0 for the ground level (1F), 1 for the floor above (2F), -1 below (B1), as in IMDF."
        ),
    )
    outline_wkt = models.TextField(_("outline (WKT, metres)"))
    underlay = models.ImageField(_("underlay image"), upload_to="underlays/", blank=True)
    underlay_scale = models.DecimalField(
        _("underlay scale (metres per pixel)"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00001"))],
    )
    underlay_offset_x = models.DecimalField(
        _("underlay offset x (m)"), max_digits=9, decimal_places=2, default=Decimal("0")
    )
    underlay_offset_y = models.DecimalField(
        _("underlay offset y (m)"), max_digits=9, decimal_places=2, default=Decimal("0")
    )

    class Meta:
        ordering = ["station", "ordinal"]
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        constraints = [
            models.UniqueConstraint(fields=["station", "ordinal"], name="level_unique_ordinal"),
            models.UniqueConstraint(fields=["station", "name"], name="level_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.station.code} {self.name}"


class BusinessCategory(models.Model):
    """A major class (parent is empty) or a specific business type within one."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="types",
        verbose_name=_("class"),
    )
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128)
    min_power_kw = models.DecimalField(
        _("minimum power (kW)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    min_floor_sockets = models.PositiveSmallIntegerField(_("minimum floor sockets"), default=0)
    needs_water = models.BooleanField(_("needs water supply"), default=False)
    needs_drainage = models.BooleanField(_("needs drainage"), default=False)
    needs_exhaust = models.BooleanField(_("needs exhaust"), default=False)
    is_basic = models.BooleanField(
        _("basic configuration"),
        default=False,
        help_text=_("Every station must have it (catering, convenience, books, luggage)."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("business category")
        verbose_name_plural = _("business categories")

    def __str__(self) -> str:
        return f"{self.name_zh} {self.name_en}"

    @property
    def is_class(self) -> bool:
        return self.parent_id is None


class Unit(models.Model):
    """A commercial unit (商业网点): a polygon on a level, let as a whole."""

    class Kind(models.TextChoices):
        SHOP = "shop", _("Shop")
        KIOSK = "kiosk", _("Kiosk")
        COUNTER = "counter", _("Counter")
        LIGHTBOX = "lightbox", _("Advertising lightbox")
        VENDING = "vending", _("Vending machine")
        ATM = "atm", _("ATM")
        STORAGE = "storage", _("Storage")
        OFFICE = "office", _("Office")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        AVAILABLE = "available", _("Available")
        RESERVED = "reserved", _("Reserved")
        LET = "let", _("Let")
        FITTING_OUT = "fitting_out", _("Fitting out")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.PLANNED: {Status.AVAILABLE, Status.CLOSED},
        Status.AVAILABLE: {Status.RESERVED, Status.LET, Status.PLANNED, Status.CLOSED},
        Status.RESERVED: {Status.LET, Status.AVAILABLE},
        Status.LET: {Status.FITTING_OUT, Status.OPEN, Status.AVAILABLE},
        Status.FITTING_OUT: {Status.OPEN, Status.AVAILABLE},
        Status.OPEN: {Status.CLOSED, Status.AVAILABLE},
        Status.CLOSED: {Status.AVAILABLE, Status.PLANNED},
    }

    # Reserved, let, fitting out and open follow the award and the lease: only the services of
    # the tender and the lease move a unit into them, citing the record that does it. An
    # officer changes the rest by hand (release for letting, back to planning, close).
    PROCESS_STATUSES = frozenset({Status.RESERVED, Status.LET, Status.FITTING_OUT, Status.OPEN})

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="units", verbose_name=_("station")
    )
    level = models.ForeignKey(
        Level, on_delete=models.CASCADE, related_name="units", verbose_name=_("level")
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=128, blank=True)
    polygon_wkt = models.TextField(_("polygon (WKT, metres)"))
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=12, decimal_places=2, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SHOP)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED, editable=False
    )
    business_types = models.ManyToManyField(
        BusinessCategory,
        blank=True,
        related_name="units",
        verbose_name=_("designated business types"),
    )
    power_kw = models.DecimalField(
        _("allocated power (kW)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    has_exhaust = models.BooleanField(_("exhaust provided"), default=False)
    in_paid_area = models.BooleanField(
        _("in the paid area"), default=False, help_text=_("Beyond the ticket gates.")
    )

    class Meta:
        ordering = ["station", "level__ordinal", "code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["station", "code"], name="unit_unique_code"),
            models.CheckConstraint(condition=models.Q(area_m2__gt=0), name="unit_area_positive"),
            models.CheckConstraint(condition=models.Q(power_kw__gte=0), name="unit_power_nonneg"),
        ]
        indexes = [models.Index(fields=["station", "status"])]

    def __str__(self) -> str:
        return f"{self.station.code}-{self.code}" if self.station_id else self.code


class Zone(models.Model):
    class Kind(models.TextChoices):
        EVACUATION = "evacuation", _("Evacuation corridor")
        PASSENGER_FLOW = "passenger_flow", _("Passenger flow line")
        FIRE_EQUIPMENT = "fire_equipment", _("Fire equipment clearance")
        OTHER_NO_BUILD = "no_build", _("Other no-build zone")
        PAID_AREA = "paid_area", _("Paid area")
        UNPAID_AREA = "unpaid_area", _("Unpaid area")

    NO_BUILD_KINDS = frozenset(
        {Kind.EVACUATION, Kind.PASSENGER_FLOW, Kind.FIRE_EQUIPMENT, Kind.OTHER_NO_BUILD}
    )

    level = models.ForeignKey(
        Level, on_delete=models.CASCADE, related_name="zones", verbose_name=_("level")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=128, blank=True)
    polygon_wkt = models.TextField(_("polygon (WKT, metres)"))

    class Meta:
        ordering = ["level", "kind", "name"]
        verbose_name = _("zone")
        verbose_name_plural = _("zones")

    def __str__(self) -> str:
        return self.name or self.get_kind_display()

    @property
    def is_no_build(self) -> bool:
        return self.kind in self.NO_BUILD_KINDS


class UtilityPoint(models.Model):
    """A provision reserved before tendering (水电预留): a point on a level."""

    class Kind(models.TextChoices):
        CABINET = "cabinet", _("Distribution cabinet")
        FLOOR_SOCKET = "floor_socket", _("Floor socket")
        LIGHTBOX_SOCKET = "lightbox_socket", _("Lightbox power socket")
        WATER = "water", _("Water supply")
        DRAINAGE = "drainage", _("Drainage")
        TOILET = "toilet", _("Toilet water/power interface")
        WASHBASIN = "washbasin", _("Washbasin water/power interface")

    level = models.ForeignKey(
        Level, on_delete=models.CASCADE, related_name="utility_points", verbose_name=_("level")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=32, blank=True)
    x = models.DecimalField(_("x (m)"), max_digits=9, decimal_places=2)
    y = models.DecimalField(_("y (m)"), max_digits=9, decimal_places=2)
    capacity_kw = models.DecimalField(
        _("capacity (kW)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Distribution cabinets only."),
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="utility_points",
        verbose_name=_("unit"),
        editable=False,
        help_text=_("Assigned from the geometry: the unit that contains the point."),
    )

    class Meta:
        ordering = ["level", "kind", "code"]
        verbose_name = _("utility point")
        verbose_name_plural = _("utility points")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="cabinet", capacity_kw__isnull=False)
                    | (~models.Q(kind="cabinet") & models.Q(capacity_kw__isnull=True))
                ),
                name="utility_capacity_only_for_cabinets",
            )
        ]

    def __str__(self) -> str:
        return self.code or f"{self.get_kind_display()} ({self.x}, {self.y})"


class SpreadLimit(models.Model):
    """错位经营: the most outlets of one business type a station takes, per level and in all."""

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="spread_limits", verbose_name=_("station")
    )
    business_type = models.ForeignKey(
        BusinessCategory,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("business type"),
    )
    max_per_level = models.PositiveSmallIntegerField(_("most per level"), null=True, blank=True)
    max_per_station = models.PositiveSmallIntegerField(
        _("most in the station"), null=True, blank=True
    )

    class Meta:
        ordering = ["station", "business_type"]
        verbose_name = _("spread limit")
        verbose_name_plural = _("spread limits")
        constraints = [
            models.UniqueConstraint(fields=["station", "business_type"], name="spread_limit_once")
        ]

    def __str__(self) -> str:
        return f"{self.station.code} · {self.business_type}"
