"""The demo company's collection: the default policy and letters, the key rates of the demo's months, one
client held, and today's run as the scheduler would make it (reminders in the mail sink, tasks in the
inboxes, penalties on the overdue invoices)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from debitor.clients.models import Client
from debitor.collection.defaults import install_defaults
from debitor.collection.run import run
from debitor.collection.services import set_client_collection, set_key_rate

# the Bank of Russia key rate by its board's decisions (in force from the day after each); the administrator
# keeps the table current — the demo knows the rates up to the end of 2025
KEY_RATES = [
    (date(2024, 7, 29), Decimal(18)),
    (date(2024, 9, 16), Decimal(19)),
    (date(2024, 10, 28), Decimal(21)),
    (date(2025, 6, 9), Decimal(20)),
    (date(2025, 7, 28), Decimal(18)),
    (date(2025, 9, 15), Decimal(17)),
    (date(2025, 10, 27), Decimal("16.5")),
]


def set_up(today: date, held: Client) -> dict:
    install_defaults()
    for since, percent in KEY_RATES:
        set_key_rate(since, percent, "решение Совета директоров Банка России")
    set_client_collection(held, policy_id=None, hold=True, reason="Договорились о графике погашения до конца месяца")
    return run(today)
