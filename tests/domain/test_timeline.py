"""The timeline: events name who did what on which objects; the database refuses to rewrite history."""

import os

import pytest
import sqlalchemy as sa

from debitor.db import db
from debitor.timeline.models import Event, Visibility
from debitor.timeline.services import record, timeline
from tests import factories as f
from tests.conftest import is_postgres


def test_events_resolve_the_client_and_filter_by_audience():
    org = f.organisation()
    c = f.client(org)
    inv = f.issued(org, c)
    record("internal_note", invoice=inv, data={"text": "позвонить"})
    assert {e.client_id for e in timeline(invoice_id=inv.id)} == {c.id}
    assert [e.kind for e in timeline(invoice_id=inv.id, client_visible_only=True)] == ["invoice_issued"]
    with pytest.raises(TypeError):
        record("x", nonsense=1)


def test_database_refuses_update_and_delete_of_events():
    if not is_postgres():
        if os.environ.get("CI"):
            pytest.fail("CI must run this test on PostgreSQL")
        pytest.skip("the append-only trigger exists on PostgreSQL")
    org = f.organisation()
    record("client_created", client=f.client(org), visibility=Visibility.STAFF)
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.update(Event).values(kind="rewritten"))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.delete(Event))
    db.session.rollback()
