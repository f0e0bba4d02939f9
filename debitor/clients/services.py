"""Client rules: create and update with validated requisites; INNs are unique across clients."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from debitor.auth.models import Role, StaffUser
from debitor.clients.models import BillingContact, Client, ClientInn, fold
from debitor.db import db
from debitor.errors import DomainError
from debitor.timeline.services import record

# the plain fields of ClientInput that map one to one onto the Client
CLIENT_FIELDS = (
    "legal_name",
    "short_name",
    "inn",
    "kpp",
    "ogrn",
    "legal_address",
    "postal_address",
    "language",
    "payment_terms_days",
    "account_manager_id",
    "parent_id",
)


def clients_matching(search: str) -> sa.Select:
    """Clients whose names or INNs contain the text typed (folded as ``search_text`` is), by name."""
    q = sa.select(Client).order_by(Client.short_name, Client.id)
    if search:
        q = q.where(Client.search_text.contains(fold(search), autoescape=True))
    return q


def inn_owner(inn: str) -> Client | None:
    """The client that uses this INN, as its main or an extra one."""
    client = db.session.scalar(sa.select(Client).where(Client.inn == inn))
    if client is None:
        client = db.session.scalar(sa.select(Client).join(ClientInn).where(ClientInn.inn == inn))
    return client


def _check_unique_inns(data: dict, client: Client | None) -> None:
    seen = set()
    for field, inn in [("inn", data["inn"])] + [("extra_inns", x) for x in data.get("extra_inns", [])]:
        owner = inn_owner(inn)
        if inn in seen or (owner is not None and owner is not client):
            name = owner.short_name if owner is not None else ""
            raise DomainError(_l("ИНН %(inn)s is already used by client %(name)s", inn=inn, name=name), field)
        seen.add(inn)


def _check_refs(data: dict, client: Client | None) -> None:
    if data.get("account_manager_id"):
        am = db.session.get(StaffUser, data["account_manager_id"])
        if am is None or not am.is_active or am.role not in (Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN):
            raise DomainError(_l("Choose an active account manager"), "account_manager_id")
    if data.get("parent_id"):
        parent = db.session.get(Client, data["parent_id"])
        if parent is None or (client is not None and (parent.id == client.id or parent.parent_id == client.id)):
            raise DomainError(_l("The parent must be another client (an agency or group)"), "parent_id")


def create_client(organisation_id: int, data: dict, *, actor=None) -> Client:
    """Create a client from ``ClientInput``-validated data."""
    _check_unique_inns(data, None)
    _check_refs(data, None)
    client = Client(organisation_id=organisation_id)
    _assign(client, data)
    db.session.add(client)
    if data.get("contact_email"):
        client.contacts.append(
            BillingContact(name=data.get("contact_name") or data["short_name"], email=data["contact_email"])
        )
    db.session.flush()
    record("client_created", actor=actor, client=client, data={"name": client.short_name})
    return client


def update_client(client: Client, data: dict, *, actor=None) -> Client:
    _check_unique_inns(data, client)
    _check_refs(data, client)
    before = {k: getattr(client, k) for k in ("legal_name", "inn", "kpp", "payment_terms_days")}
    _assign(client, data)
    db.session.flush()
    changed = {k: [str(v), str(getattr(client, k))] for k, v in before.items() if getattr(client, k) != v}
    record("client_updated", actor=actor, client=client, data={"changed": changed})
    return client


def _assign(client: Client, data: dict) -> None:
    for key in CLIENT_FIELDS:
        setattr(client, key, data.get(key))
    client.credit_limit_kopecks = data.get("credit_limit", 0)
    wanted = set(data.get("extra_inns", []))
    client.extra_inns = [x for x in client.extra_inns if x.inn in wanted] + [
        ClientInn(inn=inn) for inn in sorted(wanted - {x.inn for x in client.extra_inns})
    ]
    client.refresh_search_text()


def add_contact(client: Client, name: str, email: str, phone: str = "", *, actor=None) -> BillingContact:
    if any(c.email.lower() == email.lower() for c in client.contacts):
        raise DomainError(_l("This address is already a billing contact"), "email")
    contact = BillingContact(name=name, email=email.lower(), phone=phone)
    client.contacts.append(contact)
    db.session.flush()
    record("contact_added", actor=actor, client=client, data={"email": contact.email})
    return contact
