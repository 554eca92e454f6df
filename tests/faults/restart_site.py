"""What test_database_restart.py loads during the outage, found in its database after
``load_demo``: the station page of the demo station with the most units, a portal page of a
signed-in merchant (a session made for merchant_mcd), and an API list. Printed as JSON by
``python -m tests.faults.restart_site``."""

import json
import os


def describe() -> dict:
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from tests.perf.http_site import largest_station

    _station, page = largest_station()
    user = get_user_model().objects.get(username="merchant_mcd")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "tenders.accounts.ThrottledModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {
        "station_url": page.url,
        "portal_url": "/portal/tenders/",
        "api_url": "/api/v1/public/stations/",
        "session": session.session_key,
    }


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.fault_settings")
    django.setup()
    print(json.dumps(describe()))
