"""How people write an invoice's number when they look for it: ``42``, ``№ 42``, ``#42``, ``No. 42`` and
``К-7`` / ``K-7`` for a credit note. The one reading of it, for the staff table's search and the portal's."""

from __future__ import annotations

import re

from debitor.invoices.models import InvoiceKind

# ASCII digits only (``²`` or ``٣`` are digits to str.isdigit, not to a person typing a number); at most
# nine, which is more than a year's numbers and keeps the value inside an INTEGER column.
NUMBER_RE = re.compile(r"(?:№|#|no\.?|n)?\s*(к-|k-)?\s*([0-9]{1,9})", re.IGNORECASE)


def parse_number(text: str) -> tuple[InvoiceKind, int] | None:
    """(kind, sequence number) that ``text`` names, or None when it names no number."""
    found = NUMBER_RE.fullmatch(text.strip())
    if not found:
        return None
    return (InvoiceKind.CREDIT_NOTE if found.group(1) else InvoiceKind.INVOICE), int(found.group(2))
