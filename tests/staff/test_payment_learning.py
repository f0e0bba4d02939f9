"""Remembering a stranger's INN for a client is ticked by default only for a strong suggestion (issue 12,
point 2: one click on a 45 % amount-only suggestion taught the matcher a stranger's INN)."""

import re

from tests.staff.test_payment_pages import _unknown_payment, signed_in
from tests.staff.test_payment_pages import world as world  # noqa: F401 - the fixture

BOX = re.compile(r'<input[^>]*name="remember_inn"[^>]*>')


def test_an_amount_only_suggestion_does_not_tick_remember_and_says_why(app, world):  # noqa: F811
    p = _unknown_payment(world, "8400.00", "Пожертвование")  # the amount of invoice A, nothing else
    page = signed_in(app).get(f"/staff/payments/{p.id}").get_data(as_text=True)
    boxes = BOX.findall(page)
    assert boxes and not any("checked" in b for b in boxes)
    assert 'data-testid="weak-match"' in page and "без участия бухгалтера" in page


def test_a_suggestion_naming_the_invoice_ticks_remember(app, world):  # noqa: F811
    p = _unknown_payment(world)  # names invoice A and its date, the exact amount
    page = signed_in(app).get(f"/staff/payments/{p.id}").get_data(as_text=True)
    first = BOX.findall(page)[0]
    assert "checked" in first, re.findall(r"уверенность \d+", page)
