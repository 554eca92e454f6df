"""Officer endpoints: an officer's token carries the officer's own permissions — a station
officer sees and changes their stations only (another station's id answers 404), an inspector
reads and changes nothing. What a finance system needs to bill: leases, the rent schedule and
payments; and every report as JSON."""

from __future__ import annotations

from django.http import Http404
from ninja import Router, Schema

from api.auth import TokenAuth
from api.errors import ERRORS
from stations import roles

router = Router(tags=["officer"], auth=TokenAuth())

STAFF_ROLES = (roles.LEASING_OFFICER, roles.STATION_MANAGER, roles.DISCIPLINE_INSPECTOR)


def ensure_staff(user) -> None:
    """Only the railway's people use these endpoints; anyone else gets 404 (nothing here
    exists for them)."""
    if not (user.is_superuser or user.groups.filter(name__in=STAFF_ROLES).exists()):
        raise Http404


class WhoAmIOut(Schema):
    username: str
    roles: list[str]


@router.get("/me/", response={200: WhoAmIOut, **ERRORS})
def me(request):
    """The token's user and roles."""
    user = request.user
    ensure_staff(user)
    return {
        "username": user.get_username(),
        "roles": sorted(user.groups.values_list("name", flat=True)),
    }
