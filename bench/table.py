"""Benchmark: the staff invoice table at a million invoices, server time versus the bare SQL.

Against the database bench/generate.py made (10k clients, 1M invoices; migrations up to 0003
applied), for each of the five most common views of the table:

    open      all open invoices, most overdue first (the page the table opens with)
    overdue   the overdue ones
    client    every invoice of one client (the one with the most invoices), newest first
    manager   the open invoices of one account manager's clients (the one with the most clients)
    search    open invoices whose client's name contains a word (case- and ё-insensitive)

it measures N requests of the table through the Flask test client, signed in as one of the
generator's clerks (they all share one password): the htmx fragment (what a filter change fetches)
and the whole page. Against that it measures the bare SQL of the same page: the very statements the
request ran for the rows, the totals and (for a search) the matching clients, captured from one
request and replayed through psycopg. Requests and bare SQL are interleaved, so that noise from the
machine hits both alike. A few more views are measured for information (not part of the goal).

Beside each view it measures the floor: the same signed-in htmx request to the same URL, with a filter
the query-string schema refuses (``status=—``), so that it does everything a table request does before
the table's SQL (session, user, CSRF, locale, validation, a small fragment with the error) and nothing
after. "over floor" is the table's own share: (fragment p95 − floor p95) / bare SQL p95, for information.

Goal (issue 13): the table's p95 at most 50 ms for every view. The ratio to the bare SQL (once a goal of
at most 2×, retired) and the floor are printed for information.

    .venv/bin/python bench/table.py [--database-url URL] [-n 50] [--explain] [--no-vacuum]

Before measuring it runs VACUUM (ANALYZE) on invoices and clients, as autovacuum would have done on
a live database: a freshly COPYed table has no visibility map, and index-only scans would then read
the heap. Prints a table and writes bench/out/table.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/debitor_bench"
OUT_FILE = ROOT / "bench" / "out" / "table.json"
PASSWORD = "bench-password"  # bench/generate.py: every generated user has this password
GOAL_MS = 50.0
FLOOR_QUERY = {"status": "—"}  # refused by the schema: 400 before any of the table's SQL


def pick(conn: psycopg.Connection) -> dict:
    """The ids the views need: a clerk to sign in as, the biggest client, the busiest manager."""
    q = {
        "clerk": "SELECT email FROM staff_users WHERE role = 'clerk' AND is_active ORDER BY id LIMIT 1",
        "client": "SELECT client_id FROM invoices GROUP BY client_id ORDER BY count(*) DESC, client_id LIMIT 1",
        "manager": "SELECT account_manager_id FROM clients WHERE account_manager_id IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
        "number": "SELECT number_seq FROM invoices WHERE number_year = 2026 AND number_seq IS NOT NULL "
        "ORDER BY number_seq DESC LIMIT 1 OFFSET 5000",
        "due": "SELECT due_on FROM invoices WHERE state IN ('issued', 'partially_paid') ORDER BY due_on, id "
        "LIMIT 1 OFFSET 40000",
    }
    return {k: conn.execute(sql).fetchone()[0] for k, sql in q.items()}


def views(ids: dict) -> dict[str, tuple[dict, bool]]:
    """name -> (query string, counts for the goal)."""
    from debitor.invoices.queries import Cursor

    deep = Cursor("due_on", "asc", ids["due"], 1).encode()  # ~page 800 of the open invoices (ids start at 1)
    return {
        "open": ({}, True),
        "overdue": ({"status": "overdue"}, True),
        "client": ({"status": "all", "client_id": ids["client"]}, True),
        "manager": ({"manager_id": ids["manager"]}, True),
        "search": ({"q": "альфа"}, True),
        "open, page ~800": ({"cursor": deep}, False),
        "search by number": ({"status": "all", "q": str(ids["number"])}, False),
        "search by INN prefix": ({"status": "all", "q": "7701"}, False),
        "manager, all states": ({"status": "all", "manager_id": ids["manager"]}, False),
        "every invoice": ({"status": "all"}, False),
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def summary(values: list[float]) -> dict:
    return {"p50": round(statistics.median(values), 2), "p95": round(percentile(values, 95), 2)}


class Capture:
    """The statements an engine runs, while on."""

    def __init__(self, engine: sa.Engine) -> None:
        self.on = False
        self.statements: list[tuple[str, dict]] = []
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.on:
            self.statements.append((statement, dict(parameters or {})))


def table_statements(captured: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The page's own SQL: the rows, the totals and the client search (not the user, not the managers)."""
    return [(s, p) for s, p in captured if "FROM invoices" in s or s.startswith("SELECT clients.id")]


def time_ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def explain(conn: psycopg.Connection, statements: list[tuple[str, dict]]) -> None:
    for sql, params in statements:
        plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
        print("   ", "\n    ".join(line for (line,) in plan))


def run(args: argparse.Namespace) -> dict:
    from debitor.db import db
    from web.app import create_app

    with psycopg.connect(args.database_url, autocommit=True) as conn:
        if not args.no_vacuum:
            conn.execute("VACUUM (ANALYZE) invoices")
            conn.execute("VACUUM (ANALYZE) clients")
        ids = pick(conn)
        count = conn.execute("SELECT count(*) FROM invoices").fetchone()[0]
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    client = app.test_client()
    signed_in = client.post("/staff/", data={"email": ids["clerk"], "password": PASSWORD})
    if signed_in.status_code != 303:
        sys.exit(f"could not sign in as {ids['clerk']} (status {signed_in.status_code})")
    refused = client.get("/staff/invoices", query_string=FLOOR_QUERY, headers={"HX-Request": "true"})
    if refused.status_code != 400:
        sys.exit(f"the floor request should be refused with 400, got {refused.status_code}")
    with app.app_context():
        capture = Capture(db.engine)
    bare = psycopg.connect(args.database_url, autocommit=True)
    results = {}
    for name, (query, counted) in views(ids).items():
        if args.only and name not in args.only:
            continue
        capture.statements.clear()
        capture.on = True
        first = client.get("/staff/invoices", query_string=query, headers={"HX-Request": "true"})
        capture.on = False
        if first.status_code != 200:
            sys.exit(f"{name}: status {first.status_code}")
        statements = table_statements(capture.statements)
        if args.explain:
            print(f"--- {name}: {query}")
            explain(bare, statements)
        fragment, page, sql, floor = [], [], [], []

        def get_fragment(query=query):
            client.get("/staff/invoices", query_string=query, headers={"HX-Request": "true"})

        def get_page(query=query):
            client.get("/staff/invoices", query_string=query)

        def get_floor():
            client.get("/staff/invoices", query_string=FLOOR_QUERY, headers={"HX-Request": "true"})

        def run_sql(statements=statements):
            for sql_text, params in statements:
                bare.execute(sql_text, params).fetchall()

        for _ in range(args.warmup):
            get_page()
        for _ in range(args.n):
            fragment.append(time_ms(get_fragment))
            page.append(time_ms(get_page))
            sql.append(time_ms(run_sql))
            floor.append(time_ms(get_floor))
        body = first.get_data(as_text=True)
        results[name] = {
            "query": query,
            "counts_for_goal": counted,
            "rows_on_page": body.count('name="ids"'),
            "statements": len(statements),
            "fragment_ms": summary(fragment),
            "page_ms": summary(page),
            "bare_sql_ms": summary(sql),
            "floor_ms": summary(floor),
        }
        r = results[name]
        frag_p95, bare_p95, floor_p95 = r["fragment_ms"]["p95"], r["bare_sql_ms"]["p95"], r["floor_ms"]["p95"]
        r["ratio_p95"] = round(frag_p95 / bare_p95, 2)
        r["over_floor_ratio_p95"] = round(max(frag_p95 - floor_p95, 0) / bare_p95, 2)
        r["goal_met"] = frag_p95 <= GOAL_MS
    bare.close()
    return {"database_invoices": count, "n": args.n, "ids": {k: str(v) for k, v in ids.items()}, "views": results}


def report(s: dict) -> None:
    head = f"{'view':<24}{'rows':>5}{'fragment p50/p95':>19}{'page p50/p95':>16}{'bare SQL p50/p95':>19}"
    head += f"{'floor p50/p95':>16}{'ratio':>7}{'over floor':>11}  goal"
    print(f"{s['database_invoices']:,} invoices, {s['n']} requests per view, milliseconds")
    print(head)
    for name, r in s["views"].items():
        f, p, b, fl = r["fragment_ms"], r["page_ms"], r["bare_sql_ms"], r["floor_ms"]
        goal = ("met" if r["goal_met"] else "MISSED") if r["counts_for_goal"] else "(info)"
        print(
            f"{name:<24}{r['rows_on_page']:>5}{f['p50']:>10.1f} /{f['p95']:>6.1f}{p['p50']:>8.1f} /{p['p95']:>6.1f}"
            f"{b['p50']:>10.1f} /{b['p95']:>6.1f}{fl['p50']:>9.1f} /{fl['p95']:>5.1f}{r['ratio_p95']:>7.2f}"
            f"{r['over_floor_ratio_p95']:>11.2f}  {goal}"
        )
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(json.dumps(s, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Time the staff invoice table against the bench database.")
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    p.add_argument("-n", type=int, default=50, help="requests per view (default 50)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each view's statements")
    p.add_argument("--only", action="append", help="measure only this view (repeatable)")
    p.add_argument("--no-vacuum", action="store_true", help="measure without VACUUM (ANALYZE) first")
    report(run(p.parse_args(argv)))


if __name__ == "__main__":
    main()
