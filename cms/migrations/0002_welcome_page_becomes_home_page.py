"""The page Wagtail creates at install ("Welcome to your new Wagtail site!") becomes our home page."""

from django.db import migrations

TITLE = "高铁车站商业招商 Station commercial leasing"


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    HomePage = apps.get_model("cms", "HomePage")
    home_type, _ = ContentType.objects.get_or_create(app_label="cms", model="homepage")
    for page in Page.objects.filter(
        depth=2, content_type__app_label="wagtailcore", content_type__model="page"
    ):
        # Add the child row only: the page row (its place in the tree, its URL) stays as it is.
        HomePage(page_ptr_id=page.pk, intro="", contact="").save_base(raw=True)
        Page.objects.filter(pk=page.pk).update(
            content_type=home_type, title=TITLE, draft_title=TITLE
        )


def backwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    HomePage = apps.get_model("cms", "HomePage")
    page_type = ContentType.objects.get(app_label="wagtailcore", model="page")
    ids = list(HomePage.objects.values_list("page_ptr_id", flat=True))
    HomePage.objects.filter(page_ptr_id__in=ids)._raw_delete(schema_editor.connection.alias)
    Page.objects.filter(pk__in=ids).update(content_type=page_type)


class Migration(migrations.Migration):
    dependencies = [("cms", "0001_home_page"), ("wagtailcore", "0002_initial_data")]
    operations = [migrations.RunPython(forwards, backwards)]
