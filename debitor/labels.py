"""Human labels for enum values, translated (used by templates as ``L[state]``)."""

import enum
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from debitor.collection.models import Outcome, StepAction
from debitor.invoices.models import CREDIT_NOTE_STATUS
from debitor.models import (
    ContractState,
    DisputeState,
    InvoiceState,
    OutboxState,
    PaymentState,
    Role,
    TaskState,
)


class ByKind(Mapping):
    """A table keyed by enum member and its enum: ``InvoiceState.CANCELLED`` and ``TaskState.CANCELLED`` are
    the same string, "cancelled", but a cancelled invoice is «Аннулирован» and a cancelled task «Отменена»
    (a plain dict kept only the last of the two). A plain string finds the first entry with that value."""

    def __init__(self, entries: list[tuple]) -> None:  # pairs: a dict literal would merge equal keys
        self._typed = {(type(k), str(k)): v for k, v in entries if isinstance(k, enum.Enum)}
        self._plain: dict[str, object] = {}
        for k, v in entries:
            self._plain.setdefault(str(k), v)

    def __getitem__(self, key):
        if isinstance(key, enum.Enum) and (type(key), str(key)) in self._typed:
            return self._typed[(type(key), str(key))]
        return self._plain[str(key)]

    def __iter__(self):
        return iter(self._plain)

    def __len__(self) -> int:
        return len(self._plain)


LABELS = ByKind(
    [
        (StepAction.EMAIL, _l("Email from a letter")),
        (StepAction.TASK, _l("Task for a role")),
        (StepAction.PENALTY, _l("Penalty accrual")),
        (StepAction.CLAIM, _l("Pre-trial claim")),
        (StepAction.PAUSE_CAMPAIGNS, _l("Pause campaigns")),
        (StepAction.BANNER, _l("Portal banner")),
        (Outcome.TAKEN, _l("Taken")),
        (Outcome.SKIPPED, _l("Skipped")),
        (Outcome.DROPPED, _l("Dropped")),
        # why a due step waits or is not taken (``collection.engine.PAUSES``, ``collection.run``)
        ("hold", _l("collection held for the client")),
        ("dispute", _l("the document is disputed")),
        ("no_recipient", _l("no billing contact to write to")),
        ("no_template", _l("the letter does not exist")),
        ("paid", _l("paid before it went out")),
        (InvoiceState.DRAFT, _l("Draft")),
        (InvoiceState.ISSUED, _l("Awaiting payment")),
        (InvoiceState.PARTIALLY_PAID, _l("Partially paid")),
        (InvoiceState.PAID, _l("Paid")),
        (InvoiceState.CANCELLED, _l("Cancelled")),
        (CREDIT_NOTE_STATUS, _l("Credit note")),
        (PaymentState.UNMATCHED, _l("Unmatched")),
        (PaymentState.PARTIALLY_APPLIED, _l("Partially applied")),
        (PaymentState.APPLIED, _l("Applied")),
        (ContractState.DRAFT, _l("Draft")),
        (ContractState.AWAITING_ACK, _l("Awaiting acknowledgement")),
        (ContractState.ACKNOWLEDGED, _l("Acknowledged")),
        (ContractState.ACK_OVERDUE, _l("Acknowledgement overdue")),
        (ContractState.TERMINATED, _l("Terminated")),
        (DisputeState.OPEN, _lp("dispute", "Open")),
        (DisputeState.CREDITED, _l("Resolved: credit note")),
        (DisputeState.CORRECTED, _l("Resolved: corrected invoice")),
        (DisputeState.REJECTED, _l("Rejected")),
        (TaskState.OPEN, _lp("task", "Open")),
        (TaskState.IN_PROGRESS, _l("In progress")),
        (TaskState.DONE, _l("Done")),
        (TaskState.CANCELLED, _lp("task", "Cancelled")),
        (OutboxState.PENDING, _l("Queued")),
        (OutboxState.SENT, _l("Sent")),
        (OutboxState.FAILED, _l("Failed")),
        (OutboxState.DROPPED, _l("Not sent")),
        # why a collection letter was not sent after all (``collection.sending.drop_reason``)
        ("drop_paid", _l("The documents were paid before it went out")),
        ("drop_hold", _l("Collection is held for the client")),
        ("drop_dispute", _l("The document is disputed")),
        (Role.CLERK, _l("Clerk")),
        (Role.ACCOUNT_MANAGER, _l("Account manager")),
        (Role.MANAGER, _l("Manager")),
        (Role.ADMIN, _l("Administrator")),
        ("statement_queued", _lp("statement", "Queued")),
        ("statement_running", _l("Importing")),
        ("statement_done", _l("Imported")),
        ("statement_failed", _l("Not imported")),
        ("source_upload", _l("Uploaded")),
        ("source_folder", _l("Exchange folder")),
        ("source_cli", _l("Command line")),
    ]
)


EVENT_LABELS = {
    "invoice_issued": _l("Invoice issued"),
    "payment_applied": _l("Payment applied"),
    "payment_unapplied": _l("Payment allocation taken back"),
    "payment_refunded": _l("Paid back to the client"),
    "payment_refund_unlinked": _l("Refund match taken back"),
    "email_sent": _l("Email sent"),
    "email_failed": _l("Email could not be delivered"),
    "email_dropped": _l("Email not sent: no longer due"),
    "client_created": _l("Client created"),
    "client_updated": _l("Client details changed"),
    "contract_created": _l("Contract drafted"),
    "contract_sent": _l("Contract sent for acknowledgement"),
    "contract_acknowledged": _l("Contract acknowledged"),
    "contract_ack_overdue": _l("Contract not acknowledged in time"),
    "contract_terminated": _l("Contract terminated"),
    "dispute_opened": _l("Dispute opened"),
    "dispute_resolved": _l("Dispute resolved"),
    "task_created": _l("Task created"),
    "task_started": _l("Task taken on"),
    "task_reopened": _l("Task reopened"),
    "task_done": _l("Task done"),
    "task_cancelled": _l("Task cancelled"),
    "task_assigned": _l("Task assigned"),
    "task_commented": _l("Comment on a task"),
    "invoice_credited": _l("Credit note issued on this invoice"),
    "password_changed": _l("Password changed"),
    "password_reset_requested": _l("Password reset requested"),
    "password_reset": _l("Password reset"),
    "portal_user_created": _l("Portal user created"),
    "staff_user_created": _l("Staff user created"),
    "login": _l("Signed in"),
    "contact_added": _l("Billing contact added"),
    "invoice_queued_for_sending": _l("Queued for sending to the billing contacts"),
    "credit_note_issued": _l("Credit note issued"),
    "invoice_drafted": _l("Draft created"),
    "invoice_draft_changed": _l("Draft changed"),
    "invoice_cancelled": _l("Invoice cancelled"),
    "payment_received": _l("Payment received"),
    "state_changed": _l("Status changed"),
}


def state_label(subject: str | None, value: str | None) -> str:
    """What a state is called in the UI, for the aggregate an event moved (``debitor.states``)."""
    from debitor.states import FLOWS

    flow = FLOWS.get(subject or "")
    if flow is None or value is None:
        return value or ""
    try:
        return str(LABELS[flow.states(value)])
    except (KeyError, ValueError):
        return value


STATE_BADGES = ByKind(
    [
        (InvoiceState.DRAFT, "secondary"),
        (InvoiceState.ISSUED, "primary"),
        (InvoiceState.PARTIALLY_PAID, "info"),
        (InvoiceState.PAID, "success"),
        (InvoiceState.CANCELLED, "dark"),
        (CREDIT_NOTE_STATUS, "warning"),
        (PaymentState.UNMATCHED, "warning"),
        (PaymentState.PARTIALLY_APPLIED, "info"),
        (PaymentState.APPLIED, "success"),
        (TaskState.OPEN, "primary"),
        (TaskState.IN_PROGRESS, "info"),
        (TaskState.DONE, "success"),
        (TaskState.CANCELLED, "secondary"),
        (ContractState.AWAITING_ACK, "warning"),
        (ContractState.ACKNOWLEDGED, "success"),
        (ContractState.ACK_OVERDUE, "danger"),
        (ContractState.TERMINATED, "secondary"),
        (DisputeState.OPEN, "warning"),
        (OutboxState.PENDING, "secondary"),
        (OutboxState.SENT, "success"),
        (OutboxState.FAILED, "danger"),
        (OutboxState.DROPPED, "warning"),
        ("statement_queued", "secondary"),
        ("statement_running", "info"),
        ("statement_done", "success"),
        ("statement_failed", "danger"),
    ]
)
