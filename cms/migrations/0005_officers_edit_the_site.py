"""Data: leasing officers edit the public site (the investment handbook and the other pages) and
upload its images and documents.

Page rights are granted on the tree's root, so they cover every site; image and document rights
on the root collection. Publishing is an officer's too: the handbook is theirs to keep.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PAGE_RIGHTS = {
    "leasing officer": ("add_page", "change_page", "publish_page"),
}
COLLECTION_RIGHTS = {
    "leasing officer": {
        "wagtaildocs": ("add_document", "change_document", "choose_document"),
        "wagtailimages": ("add_image", "change_image", "choose_image"),
    },
}


def _roots(apps):
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    return Page.objects.filter(depth=1).first(), Collection.objects.filter(depth=1).first()


def _create_permissions(apps, *app_labels):
    """The apps' model permissions, which Django creates only after the whole migration."""
    for app_label in app_labels:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def grant(apps, schema_editor):
    _create_permissions(apps, "wagtailcore", "wagtaildocs", "wagtailimages")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root_page, root_collection = _roots(apps)
    for role, codenames in PAGE_RIGHTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for permission in Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=codenames
        ):
            GroupPagePermission.objects.get_or_create(
                group=group, page=root_page, permission=permission
            )
    for role, by_app in COLLECTION_RIGHTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codenames in by_app.items():
            for permission in Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            ):
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )


def revoke(apps, schema_editor):
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupPagePermission.objects.filter(group__name__in=PAGE_RIGHTS).delete()
    GroupCollectionPermission.objects.filter(group__name__in=COLLECTION_RIGHTS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0004_handbook_video_help"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtaildocs", "__latest__"),
        ("wagtailimages", "__latest__"),
        ("stations", "0002_catalogue_and_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
