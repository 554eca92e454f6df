from django.apps import AppConfig


class LeasingConfig(AppConfig):
    name = "leasing"

    def ready(self):
        # The space cannot import the lease: its spread rule and its IMDF export ask the
        # leases through sources.
        from leasing.occupants import open_outlets
        from leasing.spread import award_outlets, lease_outlets
        from stations.imdf import register_occupants
        from stations.spread import register_outlets

        register_outlets(lease_outlets)
        register_outlets(award_outlets)
        register_occupants(open_outlets)

        from leasing import notifications
        from notifications import reminders

        reminders.register("milestones", notifications.send_milestone_reminders)
        reminders.register("instalments", notifications.send_instalment_reminders)
        reminders.register("complaints", notifications.send_complaint_reminders)
