"""Portal: the company — its profile (what the merchant keeps itself), its members and the
invitations of colleagues, and its demands with the units that fit each.

A page answers only for the signed-in user's own company (tenders.services.company_of); another
merchant's demand or invitation answers 404, as a missing one. Writes go through
tenders.services (merchant_update, demand_*) and tenders.accounts (invitations).
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.columns import category_list, category_name
from cms.merchant_viewsets import money
from cms.portal.forms_accounts import InvitationAcceptForm
from cms.portal.forms_company import CompanyForm, DemandForm, InviteForm, WithdrawForm
from stations.models import Station, Unit
from tenders import accounts, matching, selectors, services
from tenders.models import Demand, MemberInvitation

TEMPLATES = "cms/portal/company/"
#: Units shown for a demand, fits first; how many more there are is said.
MATCHES_SHOWN = 20


def with_company(view):
    """Sign-in required; the view gets the user's company (a user without one goes home)."""

    @login_required(login_url="portal:sign_in")
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        merchant = services.company_of(request.user)
        if merchant is None:
            messages.info(request, _("Your account does not act for a company."))
            return redirect("portal:home")
        return view(request, merchant, *args, **kwargs)

    return wrapper


def refused(request, exc: Exception) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))


# --- the profile ------------------------------------------------------------------------------


@with_company
def profile(request, merchant):
    form = CompanyForm(request.POST or None, instance=merchant)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("portal:company")
        try:
            services.merchant_update(actor=request.user, merchant=merchant, **changes)
        except ValidationError as exc:
            form.add_service_error(exc)
        except PermissionDenied as exc:
            refused(request, exc)
        else:
            messages.success(request, _("The company's particulars are saved."))
            return redirect("portal:company")
    return render(
        request,
        TEMPLATES + "profile.html",
        {"merchant": merchant, "form": form, "brands": merchant.brands.all()},
    )


# --- members and invitations ---------------------------------------------------------------


def send_invitation(request, invitation: MemberInvitation) -> None:
    link = request.build_absolute_uri(
        reverse("portal:invitation_accept", args=(accounts.invitation_token(invitation),))
    )
    context = {
        "invitation": invitation,
        "link": link,
        "days": settings.MEMBER_INVITATION_MAX_AGE // 86400,
    }
    send_mail(
        subject=_("%(name)s invites you to %(merchant)s")
        % {
            "name": invitation.invited_by.get_full_name() or invitation.invited_by,
            "merchant": invitation.merchant.name,
        },
        message=render_to_string(TEMPLATES + "invitation_email.txt", context, request=request),
        from_email=None,
        recipient_list=[invitation.email],
    )


@with_company
def members(request, merchant):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = accounts.member_invite(
                actor=request.user, merchant=merchant, email=form.cleaned_data["email"]
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        except PermissionDenied as exc:
            refused(request, exc)
        else:
            send_invitation(request, invitation)
            messages.success(
                request, _("We sent an invitation to %(email)s.") % {"email": invitation.email}
            )
            return redirect("portal:members")
    return render(
        request,
        TEMPLATES + "members.html",
        {
            "merchant": merchant,
            "members": selectors.merchant_members(merchant),
            "invitations": accounts.invitations_pending(merchant),
            "form": form,
        },
    )


@require_POST
@with_company
def invitation_revoke(request, merchant, pk):
    invitation = get_object_or_404(MemberInvitation, pk=pk, merchant=merchant)
    try:
        accounts.invitation_revoke(actor=request.user, invitation=invitation)
    except (ValidationError, PermissionDenied) as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            _("The invitation of %(email)s is revoked.") % {"email": invitation.email},
        )
    return redirect("portal:members")


def invitation_accept(request, token):
    try:
        invitation = accounts.invitation_from_token(token)
    except ValidationError as exc:
        return render(
            request, TEMPLATES + "invitation_invalid.html", {"reason": exc.messages[0]}, status=400
        )
    if request.user.is_authenticated:
        return render(
            request,
            TEMPLATES + "invitation_invalid.html",
            {
                "reason": _(
                    "You are signed in as %(user)s. Sign out to accept the invitation with a "
                    "new account."
                )
                % {"user": request.user.get_username()}
            },
            status=400,
        )
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = accounts.invitation_accept(
                token=token,
                username=data["username"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            login(request, user, backend="tenders.accounts.ThrottledModelBackend")
            messages.success(
                request,
                _("Welcome! You now act for %(merchant)s.")
                % {"merchant": invitation.merchant.name},
            )
            return redirect("portal:home")
    return render(
        request, TEMPLATES + "invitation_accept.html", {"invitation": invitation, "form": form}
    )


# --- demands --------------------------------------------------------------------------------


def station_name(station) -> str:
    return station.name_zh if (get_language() or "").startswith("zh") else station.name_en


def demand_row(demand: Demand) -> dict:
    """What the portal shows of a demand (its stations prefetched)."""
    tiers = dict(Station.Tier.choices)
    separator = "、" if (get_language() or "").startswith("zh") else ", "
    return {
        "demand": demand,
        "type": category_name(demand.business_type),
        "where": separator.join(station_name(s) for s in demand.stations.all())
        or separator.join(str(tiers.get(t, t)) for t in demand.tiers)
        or _("any station"),
        "area": f"{demand.area_min_m2}–{demand.area_max_m2}",
        "rent": money(demand.intended_rent_m2_month),
        "utilities": separator.join(
            str(label)
            for needed, label in (
                (demand.needs_water, _("water supply")),
                (demand.needs_drainage, _("drainage")),
                (demand.needs_exhaust, _("exhaust")),
            )
            if needed
        )
        or "—",
    }


def _stations_prefetch():
    return Prefetch("stations", queryset=Station.objects.only("code", "name_zh", "name_en"))


def _demand(request, merchant, pk) -> Demand:
    demand = (
        selectors.demands_for(request.user, merchant=merchant)
        .prefetch_related(_stations_prefetch())
        .filter(pk=pk)
        .first()
    )
    if demand is None:
        raise Http404(_("No such demand."))
    return demand


@with_company
def demands(request, merchant):
    show = request.GET.get("show")
    queryset = (
        selectors.demands_for(
            request.user, merchant=merchant, active=None if show == "all" else True
        )
        .prefetch_related(_stations_prefetch())
        .order_by("-is_active", "-created_at")
    )
    return render(
        request,
        TEMPLATES + "demands.html",
        {
            "merchant": merchant,
            "rows": [demand_row(d) for d in queryset],
            "show_all": show == "all",
        },
    )


def interest_initial(request) -> dict:
    """What a link from a station page (``?station=CSS&unit=2F-A01``) fills in: the station,
    the unit named in the location wish, its area, and its business type when it has one."""
    code, unit_code = request.GET.get("station", ""), request.GET.get("unit", "")
    station = Station.objects.filter(code=code).first() if code else None
    if station is None:
        return {}
    initial = {"stations": [station.code]}
    unit = (
        Unit.objects.filter(station=station, code=unit_code, status=Unit.Status.AVAILABLE)
        .prefetch_related("business_types")
        .first()
        if unit_code
        else None
    )
    if unit is not None:
        types = list(unit.business_types.all())
        initial.update(
            location_wish=_("Unit %(unit)s") % {"unit": unit.code},
            area_min_m2=unit.area_m2,
            area_max_m2=unit.area_m2,
        )
        if len(types) == 1 and not types[0].is_class:
            initial["business_type"] = types[0].code
    return initial


@with_company
def demand_create(request, merchant):
    form = DemandForm(request.POST or None, merchant=merchant, initial=interest_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            demand = services.demand_create(
                actor=request.user, merchant=merchant, **form.service_values()
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        except PermissionDenied as exc:
            refused(request, exc)
        else:
            messages.success(request, _("The demand is recorded."))
            return redirect("portal:demand", pk=demand.pk)
    return render(request, TEMPLATES + "demand_form.html", {"merchant": merchant, "form": form})


@with_company
def demand_detail(request, merchant, pk):
    demand = _demand(request, merchant, pk)
    context = {"merchant": merchant, "demand": demand, "row": demand_row(demand)}
    if demand.is_active:
        found = matching.units_for_demand(demand)
        shown = found[:MATCHES_SHOWN]
        context.update(
            matches=[
                {
                    "match": m,
                    "unit": m.unit,
                    "station": station_name(m.unit.station),
                    "types": category_list(m.unit.business_types.all()),
                }
                for m in shown
            ],
            fits=sum(1 for m in found if m.fits),
            more=max(0, len(found) - MATCHES_SHOWN),
        )
    return render(request, TEMPLATES + "demand_detail.html", context)


@with_company
def demand_edit(request, merchant, pk):
    demand = _demand(request, merchant, pk)
    if not demand.is_active:
        messages.error(request, _("This demand was withdrawn; record a new one instead."))
        return redirect("portal:demand", pk=demand.pk)
    form = DemandForm(request.POST or None, instance=demand, merchant=merchant)
    if request.method == "POST" and form.is_valid():
        try:
            services.demand_update(actor=request.user, demand=demand, **form.service_values())
        except ValidationError as exc:
            form.add_service_error(exc)
        except PermissionDenied as exc:
            refused(request, exc)
        else:
            messages.success(request, _("The demand is saved."))
            return redirect("portal:demand", pk=demand.pk)
    return render(
        request,
        TEMPLATES + "demand_form.html",
        {"merchant": merchant, "form": form, "demand": demand},
    )


@with_company
def demand_withdraw(request, merchant, pk):
    demand = _demand(request, merchant, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.demand_withdraw(
                actor=request.user, demand=demand, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, PermissionDenied) as exc:
            refused(request, exc)
        else:
            messages.success(request, _("The demand is withdrawn."))
        return redirect("portal:demand", pk=demand.pk)
    return render(
        request,
        TEMPLATES + "demand_withdraw.html",
        {"merchant": merchant, "demand": demand, "form": form},
    )


urlpatterns = [
    path("company/", profile, name="company"),
    path("company/members/", members, name="members"),
    path("company/invitations/<int:pk>/revoke/", invitation_revoke, name="invitation_revoke"),
    path("join/<str:token>/", invitation_accept, name="invitation_accept"),
    path("demands/", demands, name="demands"),
    path("demands/new/", demand_create, name="demand_create"),
    path("demands/<int:pk>/", demand_detail, name="demand"),
    path("demands/<int:pk>/edit/", demand_edit, name="demand_edit"),
    path("demands/<int:pk>/withdraw/", demand_withdraw, name="demand_withdraw"),
]
