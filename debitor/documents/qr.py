"""Payment QR codes (GOST R 56042-2014) printed on invoices.

Russian banking apps scan the code and fill the whole payment order: recipient, accounts, amount
and purpose with the invoice number, so the client pays the right amount with a matchable purpose.
"""

from __future__ import annotations

from functools import lru_cache

import segno

from debitor.money import plain_amount

HEADER = "ST00012"  # format ST, version 0001, encoding flag 2 = UTF-8
LIMITS = {"Name": 160, "PersonalAcc": 20, "BankName": 45, "BIC": 9, "CorrespAcc": 20, "Purpose": 210}
QR_ERROR = "m"


def clean(value: object, limit: int | None = None) -> str:
    """A value safe inside the payload: no field separator, no line breaks, at most ``limit`` chars."""
    text = " ".join(str(value or "").replace("|", "/").split())
    if limit is not None and len(text) > limit:
        text = text[:limit].rstrip()
    return text


def payment_purpose(invoice) -> str:
    """Оплата по счёту № 42 от 05.01.2026, в т.ч. НДС 22% - 22000.00 руб. (or НДС не облагается)."""
    purpose = f"Оплата по счёту № {invoice.number} от {invoice.issued_on:%d.%m.%Y}"
    rate = invoice.vat_rate or 0
    if rate:
        purpose += f", в т.ч. НДС {rate.normalize():f}% - {plain_amount(invoice.vat_kopecks)} руб."
    else:
        purpose += ", НДС не облагается"
    return purpose


def payment_payload(org, account, invoice) -> str:
    """The text of the payment QR code: the required fields first, in the order of the standard
    (Name, PersonalAcc, BankName, BIC, CorrespAcc), then PayeeINN, KPP, Sum (kopecks, digits only)
    and Purpose. Values are cut to the standard's lengths (Name falls back to the short name when
    the full one does not fit) and never contain the ``|`` separator."""
    name = org.name if len(clean(org.name)) <= LIMITS["Name"] else org.short_name
    fields = [
        ("Name", clean(name, LIMITS["Name"])),
        ("PersonalAcc", clean(account.account, LIMITS["PersonalAcc"])),
        ("BankName", clean(account.bank_name, LIMITS["BankName"])),
        ("BIC", clean(account.bik, LIMITS["BIC"])),
        ("CorrespAcc", clean(account.corr_account, LIMITS["CorrespAcc"])),
        ("PayeeINN", clean(org.inn, 12)),
    ]
    if org.kpp:
        fields.append(("KPP", clean(org.kpp, 9)))
    fields.append(("Sum", str(int(invoice.total_kopecks))))
    fields.append(("Purpose", clean(payment_purpose(invoice), LIMITS["Purpose"])))
    return "|".join([HEADER, *(f"{key}={value}" for key, value in fields)])


@lru_cache(maxsize=256)
def qr_svg_data_uri(payload: str) -> str:
    """The QR code of ``payload`` as an SVG ``data:`` URI for ``<img src=...>``: byte mode in UTF-8
    (matching the payload's encoding flag 2), error correction level M, a 4-module quiet zone."""
    code = segno.make(payload, error=QR_ERROR, encoding="utf-8", micro=False, boost_error=False)
    return code.svg_data_uri(scale=4, border=4, dark="#000")
