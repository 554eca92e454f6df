"""Applications to a tender round: the automatic threshold checks and the officer's decision.

Every threshold the round sets is checked on every submission and the result is stored with
the application, in words the merchant can act on. An officer then admits or refuses; going
against the checks is an override and needs a written reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from stations.transitions import ensure_transition
from tenders import pipeline
from tenders.accounts import ensure_email_verified
from tenders.models import Application, Lot, Merchant, TenderRound
from tenders.permissions import is_member_of
from tenders.rounds import ensure_runs_rounds, when
from tenders.services import merchant_credit_bar

Status = TenderRound.Status
# Officers decide until bidding closes: only admitted merchants may bid.
DECIDING_STATUSES = frozenset({Status.PUBLISHED, Status.APPLICATIONS_CLOSED})


def cny(amount: Decimal) -> str:
    return _("%(amount)s CNY") % {"amount": f"{amount:,.2f}"}


def years_between(start: dt.date, end: dt.date) -> int:
    """Whole years from ``start`` to ``end`` (an anniversary counts on its day)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _check(code: str, passed: bool, required: str, actual: str, reason: str) -> dict:
    return {
        "threshold": code,
        "passed": passed,
        "required": required,
        "actual": actual,
        "reason": reason,
    }


def application_checks(round: TenderRound, merchant: Merchant, *, on: dt.date) -> list[dict]:
    """Check ``merchant`` against every threshold ``round`` sets, as of the date ``on``.

    One dict per threshold: ``threshold`` (code), ``passed``, ``required``, ``actual`` and
    ``reason`` in words. Public: the portal shows it before a merchant applies.
    """
    checks = []
    if round.min_registered_capital > 0:
        required, actual = round.min_registered_capital, merchant.registered_capital
        passed = actual >= required
        template = (
            _("registered capital %(actual)s meets the required %(required)s")
            if passed
            else _("registered capital %(actual)s is below the required %(required)s")
        )
        values = {"actual": cny(actual), "required": cny(required)}
        checks.append(
            _check("registered_capital", passed, cny(required), cny(actual), template % values)
        )
    if round.min_years_in_business > 0:
        required, actual = round.min_years_in_business, years_between(merchant.founded_on, on)
        passed = actual >= required
        template = (
            _(
                "%(actual)d years in business (founded %(founded)s), "
                "at least the required %(required)d"
            )
            if passed
            else _(
                "%(actual)d years in business (founded %(founded)s), "
                "fewer than the required %(required)d"
            )
        )
        values = {"actual": actual, "required": required, "founded": merchant.founded_on}
        checks.append(
            _check("years_in_business", passed, str(required), str(actual), template % values)
        )
    if round.min_store_count > 0:
        required, actual = round.min_store_count, merchant.store_count
        passed = actual >= required
        template = (
            _("operates %(actual)d stores, at least the required %(required)d")
            if passed
            else _("operates %(actual)d stores, fewer than the required %(required)d")
        )
        values = {"actual": actual, "required": required}
        checks.append(_check("store_count", passed, str(required), str(actual), template % values))
    if round.company_only:
        form = Merchant.LegalForm(merchant.legal_form)
        if form == Merchant.LegalForm.COMPANY:
            reason = _("registered as a company")
        elif form == Merchant.LegalForm.INDIVIDUAL:
            reason = _("individual businesses are not admitted")
        else:
            reason = _("only companies are admitted, not “%(form)s”") % {"form": form.label}
        checks.append(
            _check(
                "legal_form",
                form == Merchant.LegalForm.COMPANY,
                str(Merchant.LegalForm.COMPANY.label),
                str(form.label),
                reason,
            )
        )
    if round.direct_only:
        mode = Merchant.OperationMode(merchant.operation_mode)
        direct = mode == Merchant.OperationMode.DIRECT
        reason = (
            _("the brand operates directly")
            if direct
            else _("franchisees are not admitted: only brands operating directly")
        )
        checks.append(
            _check(
                "operation_mode",
                direct,
                str(Merchant.OperationMode.DIRECT.label),
                str(mode.label),
                reason,
            )
        )
    if round.no_credit_bar:
        bar = merchant_credit_bar(merchant, on=on)
        if bar is None:
            actual, reason = _("none"), _("no blacklist entry in force")
        elif bar.expires_on is None:
            actual = reason = _("blacklisted by %(source)s with no end date") % {
                "source": bar.source
            }
        else:
            actual = reason = _("blacklisted by %(source)s until %(date)s") % {
                "source": bar.source,
                "date": bar.expires_on.isoformat(),
            }
        checks.append(
            _check("credit", bar is None, _("no blacklist entry in force"), actual, reason)
        )
    if round.min_customer_rating is not None:
        required, actual = round.min_customer_rating, merchant.customer_rating
        if actual is None:
            passed, shown, reason = False, "", _("no customer rating")
        else:
            passed, shown = actual >= required, f"{actual:.2f}"
            template = (
                _("customer rating %(actual)s meets the required %(required)s")
                if passed
                else _("customer rating %(actual)s is below the required %(required)s")
            )
            reason = template % {"actual": shown, "required": f"{required:.2f}"}
        checks.append(_check("customer_rating", passed, f"{required:.2f}", shown, reason))
    return checks


def _ensure_acts_for(actor, merchant: Merchant) -> None:
    if actor is not None and not is_member_of(actor, merchant):
        raise PermissionDenied(_("You may not act for %(merchant)s.") % {"merchant": merchant})


@transaction.atomic
def application_submit(
    *, actor, round: TenderRound, merchant: Merchant, lots: Sequence[Lot]
) -> Application:
    """Apply (or re-apply) for lots of a published round while its application window is open.

    The window is ``application_opens_at ≤ now < application_closes_at`` (server clock). Every
    threshold is checked again on each submission; a submission after the officer has decided
    is refused.
    """
    round = TenderRound.objects.select_for_update().get(pk=round.pk)
    _ensure_acts_for(actor, merchant)
    ensure_email_verified(actor)
    now = timezone.now()
    if round.status != Status.PUBLISHED:
        raise ValidationError(
            _("Round %(code)s is not taking applications (it is %(status)s).")
            % {"code": round.code, "status": round.get_status_display()}
        )
    if now < round.application_opens_at:
        raise ValidationError(
            _("Applications for round %(code)s open at %(when)s.")
            % {"code": round.code, "when": when(round.application_opens_at)}
        )
    if now >= round.application_closes_at:
        raise ValidationError(
            _("Applications for round %(code)s closed at %(when)s.")
            % {"code": round.code, "when": when(round.application_closes_at)}
        )
    lot_ids = list(dict.fromkeys(getattr(lot, "pk", lot) for lot in lots))
    if not lot_ids:
        raise ValidationError({"lots": _("Choose at least one lot.")})
    chosen = list(Lot.objects.filter(pk__in=lot_ids, round=round, status=Lot.Status.OPEN))
    if len(chosen) != len(lot_ids):
        raise ValidationError(
            {"lots": _("Choose open lots of round %(code)s only.") % {"code": round.code}}
        )
    checks = application_checks(round, merchant, on=timezone.localdate(now))
    application = (
        Application.objects.select_for_update().filter(round=round, merchant=merchant).first()
    )
    action = "application.submit"
    before = None
    if application is None:
        application = Application(round=round, merchant=merchant)
    else:
        if application.status != Application.Status.PENDING:
            raise ValidationError(
                _("Your application was already %(status)s; it can no longer be changed.")
                % {"status": application.get_status_display().lower()}
            )
        action = "application.resubmit"
        # The stations it counted for, in the month it counted in (pipeline).
        pipeline.count(
            "applications",
            [
                (station, application.submitted_at)
                for station in set(application.lots.values_list("station", flat=True))
            ],
            by=-1,
        )
        before = {
            "lots": sorted(application.lots.values_list("number", flat=True)),
            "checks": application.checks,
        }
    application.checks = checks
    application.submitted_at = now
    application.submitted_by = actor
    application.save()
    application.lots.set(chosen)
    audit.record(
        actor=actor,
        action=action,
        target=application,
        before=before,
        after={"lots": sorted(lot.number for lot in chosen), "checks": checks},
    )
    pipeline.count(
        "applications", [(station, now) for station in {lot.station_id for lot in chosen}]
    )
    return application


@transaction.atomic
def application_decide(
    *, actor, application: Application, admit: bool, reason: str = ""
) -> Application:
    """Admit or refuse an application. Going against the checks (admitting one that failed
    a check, refusing one that passed them all) is an override and needs a written reason."""
    application = (
        Application.objects.select_for_update().select_related("round").get(pk=application.pk)
    )
    ensure_runs_rounds(actor)
    round = application.round
    if round.status not in DECIDING_STATUSES:
        raise ValidationError(
            _("Round %(code)s is %(status)s: its applications can no longer be decided.")
            % {"code": round.code, "status": round.get_status_display()}
        )
    new = Application.Status.ADMITTED if admit else Application.Status.REFUSED
    ensure_transition(application, new)
    reason = (reason or "").strip()
    passed = application.passed_all_checks
    overridden = admit != passed
    if overridden and not reason:
        message = (
            _("Admitting an applicant that failed a check needs a written reason.")
            if admit
            else _("Refusing an applicant that passed every check needs a written reason.")
        )
        raise ValidationError({"reason": message})
    before = application.status
    application.status = new
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_reason = reason
    application.overridden = overridden
    application.save(
        update_fields=["status", "decided_at", "decided_by", "decision_reason", "overridden"]
    )
    audit.record(
        actor=actor,
        action="application.decide",
        target=application,
        before={"status": before},
        after={"status": new},
        data={"checks": application.checks, "reason": reason, "overridden": overridden},
    )
    return application
