"""The merchant portal (/portal/): accounts, the company and its demands, tendering (applications,
sealed bids, results, objections) and tenancy (leases, milestones, instalments, turnover).

Views parse input and call the domain services; each area is a module with its own
``urlpatterns``, gathered in :mod:`cms.portal.urls` under the ``portal`` namespace.
"""
