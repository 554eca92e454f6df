from django.apps import AppConfig


class TendersConfig(AppConfig):
    name = "tenders"

    def ready(self):
        # The space cannot import the tender: its spread rule asks the lots through a source.
        from stations.spread import register_outlets
        from tenders.spread import open_lot_outlets

        register_outlets(open_lot_outlets)

        from notifications import reminders
        from tenders.notifications import send_bid_deadline_reminders

        reminders.register("bid deadlines", send_bid_deadline_reminders)
