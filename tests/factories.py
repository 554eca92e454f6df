"""Factories shared by every app's tests: users with roles."""

import factory
from django.contrib.auth.models import Group, User

from stations import roles


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234-word")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()


def officer(**kwargs) -> User:
    """A leasing officer of the whole network (global manage_station)."""
    from django.contrib.auth.models import Permission

    user = UserFactory(roles=[roles.LEASING_OFFICER], **kwargs)
    user.user_permissions.add(Permission.objects.get(codename="manage_station"))
    return User.objects.get(pk=user.pk)


def station_officer(station, role=roles.LEASING_OFFICER, **kwargs) -> User:
    """An officer (or station manager) who manages one station only."""
    from guardian.shortcuts import assign_perm

    user = UserFactory(roles=[role], **kwargs)
    assign_perm("stations.manage_station", user, station)
    return User.objects.get(pk=user.pk)


def inspector(**kwargs) -> User:
    return UserFactory(roles=[roles.DISCIPLINE_INSPECTOR], **kwargs)


def pdf(text: str = "") -> bytes:
    """A small PDF (by its content, as stations.uploads judges files) carrying ``text``."""
    return b"%PDF-1.7\n% " + text.encode() + b"\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
