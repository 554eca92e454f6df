"""The portal's URLs, namespace ``portal``: each area's own patterns."""

from cms.portal import accounts, company, inbox, tenancy, tendering, tokens

app_name = "portal"

urlpatterns = [
    *accounts.urlpatterns,
    *company.urlpatterns,
    *tendering.urlpatterns,
    *tenancy.urlpatterns,
    *tokens.urlpatterns,
    *inbox.urlpatterns,
]
