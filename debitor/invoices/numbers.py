"""How people write an invoice's number: ``42``, ``№ 42``, ``#42``, ``No. 42``, ``42/2026`` (the year, where
the number recurs) and ``К-7`` / ``K-7`` for a credit note. The one reading of it, for the staff table's
search, the portal's and the clerk's matching by hand."""

from __future__ import annotations

import re
from typing import NamedTuple

from debitor.invoices.models import InvoiceKind

# ASCII digits only (``²`` or ``٣`` are digits to str.isdigit, not to a person typing a number); at most
# nine, which is more than a year's numbers and keeps the value inside an INTEGER column.
NUMBER_RE = re.compile(r"(?:№|#|no\.?|n)?\s*(к-|k-)?\s*([0-9]{1,9})(?:\s*/\s*([0-9]{4}))?", re.IGNORECASE)


class InvoiceNumber(NamedTuple):
    kind: InvoiceKind
    seq: int
    year: int | None  # when written as 42/2026


def parse_number(text: str) -> InvoiceNumber | None:
    """The number ``text`` names, or None when it names none."""
    found = NUMBER_RE.fullmatch(text.strip())
    if not found:
        return None
    kind = InvoiceKind.CREDIT_NOTE if found.group(1) else InvoiceKind.INVOICE
    return InvoiceNumber(kind, int(found.group(2)), int(found.group(3)) if found.group(3) else None)
