"""Portal: accounts — sign-up with the company, e-mail verification, sign-in and sign-out, the
password reset (Django's views, our templates and forms), and the portal's home.

Every write goes through tenders.accounts (users, verification, new passwords, the sign-in
throttle) and tenders.services (the company).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.merchant_viewsets import money
from cms.portal.forms_accounts import NewPasswordForm, SignInForm, SignUpForm
from tenders import accounts
from tenders.services import company_of

TEMPLATES = "cms/portal/accounts/"
BACKEND = "tenders.accounts.ThrottledModelBackend"
#: Demands shown on the home page; the rest are on the demand list.
HOME_DEMANDS = 5


def send_verification(request, user) -> None:
    """E-mail ``user`` the link that verifies their address (through the mail backend)."""
    link = request.build_absolute_uri(
        reverse("portal:verify_email", args=(accounts.email_verification_token(user),))
    )
    context = {"user": user, "link": link, "days": settings.EMAIL_VERIFICATION_MAX_AGE // 86400}
    send_mail(
        subject=_("Verify your e-mail address"),
        message=render_to_string(TEMPLATES + "email_verify.txt", context, request=request),
        from_email=None,
        recipient_list=[user.email],
    )


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, merchant = accounts.sign_up(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                company=form.company_values(),
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            send_verification(request, user)
            login(request, user, backend=BACKEND)
            messages.success(
                request,
                _(
                    "Welcome! %(company)s is registered. We sent a link to %(email)s: "
                    "follow it to verify your address before you apply or bid."
                )
                % {"company": merchant.name, "email": user.email},
            )
            return redirect("portal:home")
    return render(request, TEMPLATES + "sign_up.html", {"form": form})


def verify_email(request, token):
    try:
        user = accounts.email_verify(token=token)
    except ValidationError as exc:
        return render(
            request, TEMPLATES + "verify_failed.html", {"reason": exc.messages[0]}, status=400
        )
    messages.success(request, _("Thank you: %(email)s is verified.") % {"email": user.email})
    return redirect("portal:home" if request.user.is_authenticated else "portal:sign_in")


@require_POST
@login_required(login_url="portal:sign_in")
def resend_verification(request):
    if accounts.email_is_verified(request.user):
        messages.info(request, _("Your e-mail address is verified already."))
    else:
        send_verification(request, request.user)
        messages.success(
            request, _("We sent a new link to %(email)s.") % {"email": request.user.email}
        )
    return redirect("portal:home")


class SignInView(auth_views.LoginView):
    template_name = TEMPLATES + "sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("portal:home")

    def get_default_redirect_url(self):
        return str(self.next_page)


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:sign_in")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have signed out."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = TEMPLATES + "password_reset.html"
    email_template_name = TEMPLATES + "password_reset_email.txt"
    subject_template_name = TEMPLATES + "password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = TEMPLATES + "password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = TEMPLATES + "password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("portal:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = TEMPLATES + "password_reset_complete.html"


@login_required(login_url="portal:sign_in")
def home(request):
    """The merchant's dashboard: the company, its demands, what to do next."""
    user = request.user
    merchant = company_of(user)
    context = {"merchant": merchant, "verified": accounts.email_is_verified(user)}
    if merchant is not None:
        demands = merchant.demands.filter(is_active=True).select_related("business_type")
        context.update(
            capital=money(merchant.registered_capital),
            demands=list(demands.order_by("-created_at")[:HOME_DEMANDS]),
            counts=merchant.demands.aggregate(
                active=Count("pk", filter=Q(is_active=True)),
                withdrawn=Count("pk", filter=Q(is_active=False)),
            ),
            pending_invitations=accounts.invitations_pending(merchant).count(),
        )
    return render(request, TEMPLATES + "home.html", context)


urlpatterns = [
    path("", home, name="home"),
    path("sign-up/", sign_up, name="sign_up"),
    path("sign-in/", SignInView.as_view(), name="sign_in"),
    path("sign-out/", SignOutView.as_view(), name="sign_out"),
    path("verify/resend/", resend_verification, name="verify_email_resend"),
    path("verify/<str:token>/", verify_email, name="verify_email"),
    path("password/reset/", PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
