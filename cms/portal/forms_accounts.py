"""The portal's account forms: sign-up with the company, sign-in, a new password, accepting an
invitation. They parse what was typed; the rules (the credit code, unique names, the password
validators, the throttle) are tenders.accounts' and tenders.services', and a refusal comes back
on the field the service names."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenders import accounts
from tenders.models import Merchant


class ServiceErrorsMixin:
    """Put a service's ValidationError on the fields it names (others above the form)."""

    def add_service_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                target = field if field in self.fields else None
                if field == "password" and "password1" in self.fields:
                    target = "password1"
                for message in errors:
                    self.add_error(target, message)
        else:
            for message in exc.messages:
                self.add_error(None, message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PasswordPairMixin:
    """Two password fields that must agree; the validators run in the service."""

    def clean_password2(self):
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise ValidationError(_("The two passwords differ."))
        return second


def password_fields() -> dict:
    return {
        "password1": forms.CharField(
            label=_("Password"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=_(
                "At least 8 characters, not only digits, not a common password and not like "
                "your username or e-mail address."
            ),
        ),
        "password2": forms.CharField(
            label=_("Password again"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
    }


class SignUpForm(ServiceErrorsMixin, PasswordPairMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        help_text=_("Letters, digits and @ . + - _ only; you sign in with it."),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We send a link to it to verify it."),
    )
    password1 = password_fields()["password1"]
    password2 = password_fields()["password2"]
    name = forms.CharField(label=_("Company name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("统一社会信用代码: the 18 characters on the business licence."),
    )
    legal_form = forms.ChoiceField(
        label=_("Legal form"),
        choices=Merchant.LegalForm.choices,
        help_text=_(
            "Tender rounds usually admit only companies; an individual business (个体工商户) "
            "is refused when it applies."
        ),
    )
    registered_capital = forms.DecimalField(
        label=_("Registered capital (CNY)"), max_digits=14, decimal_places=2, min_value=0
    )
    founded_on = forms.DateField(label=_("Founded on"), widget=DateInput)
    operation_mode = forms.ChoiceField(
        label=_("Operation mode"),
        choices=Merchant.OperationMode.choices,
        help_text=_("Rounds usually admit only brands operating their outlets directly."),
    )
    store_count = forms.IntegerField(label=_("Stores operated"), min_value=0)
    contact_name = forms.CharField(label=_("Contact person"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    brands = forms.CharField(
        label=_("Brands"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Chinese names of the company's brands, one a line."),
    )

    ACCOUNT_FIELDS = ("username", "email", "password1", "password2")
    COMPANY_FIELDS = (
        "name",
        "credit_code",
        "legal_form",
        "registered_capital",
        "founded_on",
        "operation_mode",
        "store_count",
        "contact_name",
        "contact_phone",
    )

    def account_fields(self):
        return [self[name] for name in self.ACCOUNT_FIELDS]

    def company_fields(self):
        return [self[name] for name in (*self.COMPANY_FIELDS, "brands")]

    def company_values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.COMPANY_FIELDS}
        text = self.cleaned_data.get("brands") or ""
        values["brands"] = [line.strip() for line in text.splitlines() if line.strip()]
        return values


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing at once an account the throttle holds back."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or the password is wrong. Both are case-sensitive."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            refusal = accounts.sign_in_refusal(username)
            if refusal:
                raise ValidationError(refusal, code="throttled")
        try:
            return super().clean()
        except ValidationError:
            # The failure that reaches the limit (or one refused meanwhile) says so at once.
            refusal = accounts.sign_in_refusal(username) if username else None
            if refusal:
                raise ValidationError(refusal, code="throttled") from None
            raise


class NewPasswordForm(ServiceErrorsMixin, SetPasswordForm):
    """Django's set-password form (the reset link; its checks run the settings' validators),
    saving through tenders.accounts, which forgets the account's failed sign-ins."""

    def save(self, commit=True):
        return accounts.password_set(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )


class InvitationAcceptForm(ServiceErrorsMixin, PasswordPairMixin, forms.Form):
    username = SignUpForm.base_fields["username"]
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    password1 = password_fields()["password1"]
    password2 = password_fields()["password2"]
