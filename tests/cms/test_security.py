"""Security everywhere: the headers on the site, the portal and the admin; no inline script
where the site's policy forbids it; CSRF on every form — a token in every POST form of every
template, no view exempted, and a POST without the token refused."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from cms.security import ADMIN_POLICY, SITE_POLICY, SVG_POLICY
from tests import factories
from tests.factories import UserFactory
from tests.stations.factories import StationFactory, level
from tests.tenders.factories import MerchantFactory, merchant_user

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "cms" / "templates"
# The templates of pages served outside /admin/, under the site's strict policy.
SITE_TEMPLATES = ("cms/site", "cms/portal", "cms/directory", "cms/pages")
PROJECT_APPS = ("audit", "cms", "config", "leasing", "stations", "tenders")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/portal/sign-in/", "/portal/sign-up/"])
def test_the_site_and_the_portal_send_the_strict_headers(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == SITE_POLICY
    assert "script-src 'self'" in SITE_POLICY and "frame-ancestors 'none'" in SITE_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_the_directory_sends_the_strict_policy(client):
    StationFactory(code="CSS")
    response = client.get("/stations/CSS/directory/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == SITE_POLICY


@pytest.mark.django_db
def test_the_admin_gets_the_policy_it_can_live_with(client):
    response = client.get(reverse("wagtailadmin_login"))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == ADMIN_POLICY
    assert "frame-ancestors 'self'" in ADMIN_POLICY  # its own page previews


@pytest.mark.django_db
def test_a_plan_drawing_opened_on_its_own_may_run_nothing(client):
    station = StationFactory(code="CSS")
    lv = level(station, name="高架层", ordinal=1)
    client.force_login(factories.officer(username="officer"))
    response = client.get(reverse("cms_level_plan_svg", args=("CSS", lv.pk)))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == SVG_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"


def _site_templates():
    for folder in SITE_TEMPLATES:
        yield from sorted((TEMPLATES / folder).rglob("*.html"))


def test_no_site_template_carries_an_inline_script_or_handler():
    """The site's policy runs only the site's own script files: an inline script or an
    on…= handler would silently do nothing in the browser."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    faults = []
    for path in _site_templates():
        text = path.read_text()
        if inline_script.search(text) or handler.search(text) or "javascript:" in text:
            faults.append(str(path.relative_to(ROOT)))
    assert faults == []
    assert len(list(_site_templates())) > 20  # the walk found the templates


def test_every_post_form_in_every_template_carries_the_csrf_token():
    form = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
    faults, forms = [], 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        for match in form.finditer(path.read_text()):
            forms += 1
            if "csrf_token" not in match.group(1):
                faults.append(f"{path.relative_to(ROOT)}: {match.group(0)[:80]}")
    assert faults == []
    assert forms > 30


def test_no_view_of_the_project_is_exempt_from_csrf():
    exempt = [
        str(path.relative_to(ROOT))
        for app in PROJECT_APPS
        for path in (ROOT / app).rglob("*.py")
        if "csrf_exempt" in path.read_text()
    ]
    assert exempt == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("portal:sign_in", {"username": "coffee", "password": "pass-1234-word"}),
        ("portal:sign_up", {"username": "new"}),
        ("portal:password_reset", {"email": "a@example.com"}),
        ("portal:company", {"name": "Other name"}),
        ("portal:members", {"email": "colleague@example.com"}),
        ("portal:demand_create", {"area_min": "10"}),
        ("portal:sign_out", {}),
    ],
)
def test_a_post_without_the_token_is_refused(name, data):
    merchant = MerchantFactory(name="Hunan Coffee Co.")
    user = merchant_user(merchant, username="coffee")
    browser = Client(enforce_csrf_checks=True)
    if name != "portal:sign_in":
        browser.force_login(user)
    response = browser.post(reverse(name), data)
    assert response.status_code == 403
    merchant.refresh_from_db()
    assert merchant.name == "Hunan Coffee Co."
    assert not merchant.demands.exists()


@pytest.mark.django_db
def test_an_admin_post_without_the_token_is_refused():
    officer = UserFactory(username="boss", is_superuser=True)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer)
    response = browser.post(reverse("wagtaildocs:add"), {"title": "x"})
    assert response.status_code == 403
