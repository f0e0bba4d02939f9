"""Import every model so that metadata (Alembic, the app) knows all tables."""

from debitor.auth.models import PortalUser, Role, StaffUser
from debitor.clients.models import BillingContact, Client, ClientInn
from debitor.collection.models import (
    CalendarException,
    CollectionAction,
    CollectionPolicy,
    CollectionStep,
    CollectionTemplate,
    KeyRate,
)
from debitor.contracts.models import Contract, ContractState
from debitor.disputes.models import Dispute, DisputeState
from debitor.documents.models import DocumentKind, DocumentVersion
from debitor.exports.models import Export, ExportState
from debitor.invoices.models import DocumentCounter, Invoice, InvoiceKind, InvoiceLine, InvoiceState, RequisiteSet
from debitor.orgs.models import BankAccount, Organisation, VatMode, VatRate
from debitor.outbox.models import OutboxMessage, OutboxState
from debitor.payments.models import (
    BankStatement,
    Direction,
    Payment,
    PaymentAllocation,
    PaymentRefund,
    PaymentState,
    StatementFile,
    StatementState,
)
from debitor.tasks.models import Task, TaskState
from debitor.timeline.models import Event, Visibility

__all__ = [
    "CalendarException",
    "CollectionAction",
    "CollectionPolicy",
    "CollectionStep",
    "CollectionTemplate",
    "KeyRate",
    "BankAccount",
    "BankStatement",
    "BillingContact",
    "Client",
    "ClientInn",
    "Contract",
    "ContractState",
    "Direction",
    "Dispute",
    "DisputeState",
    "DocumentCounter",
    "DocumentKind",
    "DocumentVersion",
    "Event",
    "Export",
    "ExportState",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceState",
    "Organisation",
    "OutboxMessage",
    "OutboxState",
    "Payment",
    "PaymentAllocation",
    "PaymentRefund",
    "PaymentState",
    "PortalUser",
    "RequisiteSet",
    "Role",
    "StaffUser",
    "StatementFile",
    "StatementState",
    "Task",
    "TaskState",
    "VatMode",
    "VatRate",
    "Visibility",
]
