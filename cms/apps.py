from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _make_notice_page(round_id: int) -> None:
    from cms.notices import on_round_published

    on_round_published(round_id)


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Portal and back office")

    def ready(self):
        # Wagtail creates a fallback policy the first time a model's policy is asked for, so
        # ours must be registered before any admin code runs.
        from wagtail.permissions import register_permission_policy

        from audit.models import Entry
        from cms.policies import POLICIES, ReadOnlyPolicy

        for model, policy in POLICIES.items():
            register_permission_policy(model, policy, exact_class=True)
        register_permission_policy(Entry, ReadOnlyPolicy(Entry), exact_class=True)

        from cms import merchant_policies

        merchant_policies.register()

        # A round published by any door (admin, API, script) gets its public notice page.
        from tenders import notices

        notices.register(_make_notice_page)
