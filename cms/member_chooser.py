"""The chooser of committee members an officer appoints from: the active users of the
committee-member group, searchable by name, in a Wagtail chooser modal.

Only officers who run rounds open it (everyone else gets 404); the appointment service decides
who may sit on a committee, whatever was chosen.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

from cms.round_policies import runs_rounds
from stations import roles


def member_label(user) -> str:
    """The username, and the full name when there is one."""
    full_name = user.get_full_name()
    return f"{user.get_username()} · {full_name}" if full_name else user.get_username()


class MemberFilterForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Username or name")}),
    )

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = objects.filter(
                Q(username__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
            )
            self.is_searching, self.search_query = True, query
        return objects


class OfficersOnly:
    def dispatch(self, request, *args, **kwargs):
        if not runs_rounds(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class MemberListing:
    filter_form_class = MemberFilterForm
    ordering = ["username"]

    def get_object_list(self):
        return (
            get_user_model()
            .objects.filter(groups__name=roles.COMMITTEE_MEMBER, is_active=True)
            .annotate(seat_count=Count("committee_seats", distinct=True))
            .distinct()
        )

    @property
    def columns(self):
        return [
            TitleColumn(
                "title",
                label=_("Member"),
                accessor=member_label,
                get_url=lambda user: self.append_preserved_url_parameters(
                    self.get_chosen_url(user)
                ),
                link_attrs={"data-chooser-modal-choice": True},
            ),
            Column("email", label=_("E-mail")),
            Column("seat_count", label=_("Seats held"), classname="cms-num"),
        ]

    def get_chosen_url(self, user):
        return reverse(self.chosen_url_name, args=(user.pk,))


class ChooseView(OfficersOnly, MemberListing, chooser_views.ChooseView):
    pass


class ChooseResultsView(OfficersOnly, MemberListing, chooser_views.ChooseResultsView):
    pass


class ChosenResponse:
    def get_display_title(self, instance):
        return member_label(instance)

    def get_edit_item_url(self, instance):
        return None


class ChosenView(OfficersOnly, ChosenResponse, chooser_views.ChosenView):
    def get_object(self, pk):
        return MemberListing.get_object_list(self).get(pk=pk)


class ChosenMultipleView(OfficersOnly, ChosenResponse, chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        return MemberListing.get_object_list(self).filter(pk__in=pks)


class CreateView(chooser_views.CreateView):
    """No member is created here: users are made by an administrator."""

    def dispatch(self, request, *args, **kwargs):
        raise Http404


class MemberChooserViewSet(ChooserViewSet):
    model = get_user_model()
    name = "committee-member-chooser"
    icon = "user"
    choose_one_text = _("Choose a member")
    choose_another_text = _("Choose another member")
    edit_item_text = _("Edit")
    # Users elsewhere in the admin keep their own widgets.
    register_widget = False
    per_page = 20
    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView
    chosen_multiple_view_class = ChosenMultipleView
    create_view_class = CreateView


member_chooser_viewset = MemberChooserViewSet()
