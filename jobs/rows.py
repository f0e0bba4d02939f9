"""The transactions of a long job's row (an invoice export): the claim commits on its own at once, so the
polling page sees the row running while the work goes on in the job's transaction; when the work raises,
that transaction is rolled back and the row is marked failed in a new one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from debitor import jobrows
from debitor.work import unit_of_work

log = logging.getLogger(__name__)

Row = TypeVar("Row")


def run_claimed(
    model: type[Row],
    ident: int,
    work: Callable[[int], Row],
    fail: Callable[[int, Exception], Row],
    **values,
) -> Row | None:
    """Claim the row (with ``values`` set on it), then ``work(ident)``; None when another run has it or it is
    finished. An exception in the work is logged, its changes are dropped and ``fail(ident, exc)`` records it
    on the row, which the user sees."""
    with unit_of_work():
        if not jobrows.claim(model, ident, **values):
            return None
    try:
        with unit_of_work():
            return work(ident)
    except Exception as exc:  # noqa: BLE001 - recorded on the row
        log.exception("%s %s failed", model.__name__, ident)
        with unit_of_work():
            return fail(ident, exc)
