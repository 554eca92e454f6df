from django.apps import AppConfig


class LeasingConfig(AppConfig):
    name = "leasing"

    def ready(self):
        # The space cannot import the lease: its spread rule asks the leases through sources.
        from leasing.spread import award_outlets, lease_outlets
        from stations.spread import register_outlets

        register_outlets(lease_outlets)
        register_outlets(award_outlets)
