"""The roles as groups (created by a migration) and the model permissions each one holds.

Station scope is not a group matter: an officer or manager of one station holds
``stations.manage_station`` on that Station object (django-guardian); an officer of the
whole network holds it globally.
"""

from django.utils.translation import gettext_lazy as _

LEASING_OFFICER = "leasing officer"
STATION_MANAGER = "station manager"
COMMITTEE_MEMBER = "committee member"
DISCIPLINE_INSPECTOR = "discipline inspector"
MERCHANT = "merchant"

ROLE_LABELS = {
    LEASING_OFFICER: _("Leasing officer"),
    STATION_MANAGER: _("Station manager"),
    COMMITTEE_MEMBER: _("Evaluation committee member"),
    DISCIPLINE_INSPECTOR: _("Discipline inspector"),
    MERCHANT: _("Brand merchant"),
}

SPACE_MODELS = ("station", "level", "unit", "zone", "utilitypoint", "businesscategory")

# Model-level permissions by role, as (app_label, codename). Editing a station's space
# additionally needs manage_station on that station (global or on the object).
ROLE_PERMISSIONS = {
    LEASING_OFFICER: [("wagtailadmin", "access_admin")]
    + [
        ("stations", f"{verb}_{model}")
        for model in SPACE_MODELS
        for verb in ("view", "add", "change", "delete")
    ],
    STATION_MANAGER: [("wagtailadmin", "access_admin")]
    + [
        ("stations", f"{verb}_{model}")
        for model in SPACE_MODELS
        if model != "businesscategory"
        for verb in ("view", "add", "change")
    ]
    + [("stations", "view_businesscategory")],
    COMMITTEE_MEMBER: [("wagtailadmin", "access_admin")],
    DISCIPLINE_INSPECTOR: [("wagtailadmin", "access_admin")]
    + [("stations", f"view_{model}") for model in SPACE_MODELS]
    + [("stations", "oversee_stations"), ("audit", "view_entry")],
    MERCHANT: [],
}
