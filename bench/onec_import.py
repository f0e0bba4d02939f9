"""Benchmark: a full import of a 100 000-document bank statement into PostgreSQL — parse, match, persist.

Against the database bench/generate.py made (10k clients, 1M invoices; migrations applied), it

1. writes a cp1251/CRLF statement for the organisation's account (bench/onec_statement.py) whose
   payers are the database's clients and whose purposes name their open invoices — the way people
   type them, some paying two invoices, some a part, some paying an invoice twice (overpayment →
   credit), ~10 % outgoing;
2. copies the database (``CREATE DATABASE … TEMPLATE``), so that every run starts from the same state,
   and lets it settle (CHECKPOINT, the tables read once, as on a live server);
3. imports the file there through the same service as the upload, the folder job and the CLI
   (``debitor.payments.importing.import_path``), timing it, and prints the summary;
4. imports it a second time (everything is a duplicate: nothing may change) and times that too;
5. drops the copy.

Goal (issue 13): the full import ≤ 30 s and ≤ 300 MiB peak RSS.

    .venv/bin/python bench/onec_import.py [--documents 100000] [--database-url URL] [--keep]

Prints a table and writes bench/out/onec_import.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from onec_statement import write_bench_statement  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/debitor_bench"
OUT = ROOT / "bench" / "out"
GOAL_SECONDS = 30.0
GOAL_MIB = 300.0


def payers(conn: psycopg.Connection, rng: random.Random) -> tuple[str, list[dict]]:
    """The organisation's account, and every client with its open invoices, as the generator wants them."""
    account = conn.execute("SELECT account FROM bank_accounts ORDER BY is_primary DESC, id LIMIT 1").fetchone()[0]
    rows = conn.execute(
        "SELECT c.id, c.inn, coalesce(c.kpp, ''), c.legal_name, i.number_seq, i.issued_on, "
        "i.total_kopecks - i.paid_kopecks FROM clients c JOIN invoices i ON i.client_id = c.id "
        "WHERE i.state IN ('issued', 'partially_paid') AND i.kind = 'invoice' ORDER BY c.id, i.issued_on, i.id"
    ).fetchall()
    out: dict[int, dict] = {}
    for cid, inn, kpp, name, number, issued_on, owed in rows:
        p = out.get(cid)
        if p is None:
            p = out[cid] = {
                "inn": inn,
                "kpp": kpp,
                "name": name,
                "account": f"40702810{rng.randrange(10**12):012d}",
                "bik": "044525225",
                "invoices": [],
            }
        p["invoices"].append((str(number), issued_on, owed))
    return account, list(out.values())


def copy_database(url: str, name: str) -> str:
    base, _, source = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return f"{base}/{name}"


def settle(url: str) -> None:
    """Let the copy settle as a live database would be: its pages written out (CHECKPOINT) and the
    tables the import reads in the cache, so that the timing is the import's, not the copy's I/O."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        for sql in (
            "SELECT count(*) FROM clients",
            "SELECT count(*), sum(total_kopecks) FROM invoices",
            "SELECT count(*) FROM payments WHERE external_key > ''",
            "SELECT count(*) FROM events",
        ):
            conn.execute(sql)


def drop_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 - fixed names
            for t in ("payments", "payment_allocations", "events")
        } | {"paid_sum": int(conn.execute("SELECT coalesce(sum(paid_kopecks), 0) FROM invoices").fetchone()[0])}


def run(args: argparse.Namespace) -> dict:
    rng = random.Random(args.seed)
    with psycopg.connect(args.database_url) as conn:
        account, clients = payers(conn, rng)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"import-{args.documents}.txt"
    started = time.perf_counter()
    figures = write_bench_statement(path, args.documents, seed=args.seed, our_account=account, payers=clients)
    print(f"statement: {figures['documents']:,} documents, {figures['bytes'] / 1e6:.1f} MB "
          f"({time.perf_counter() - started:.1f} s to write)")  # fmt: skip
    url = copy_database(args.database_url, "debitor_bench_import")
    settle(url)
    try:
        os.environ["DATABASE_URL"] = url
        from debitor.db import db
        from debitor.payments.importing import import_path
        from web.app import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": args.redis_url})
        before = counts(url)
        results = []
        for attempt in ("first", "again"):
            with app.app_context():
                t0 = time.perf_counter()
                st = import_path(path, source="cli")
                seconds = time.perf_counter() - t0
                results.append({"run": attempt, "seconds": round(seconds, 2), "state": st.state.value, **st.summary})
                db.session.remove()
            after = counts(url)
            results[-1]["rows_added"] = {k: after[k] - before[k] for k in after}
            before = after
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        if not args.keep:
            drop_database(url)
    return {"file": figures, "runs": results, "peak_rss_mib": round(peak, 1), "goal_seconds": GOAL_SECONDS}


def report(s: dict) -> None:
    print(f"{'run':<7}{'seconds':>9}{'docs/s':>9}{'matched':>9}{'queue':>7}{'unmatched':>10}{'dupes':>8}  state")
    for r in s["runs"]:
        rate = r["documents"] / r["seconds"] if r["seconds"] else 0
        print(f"{r['run']:<7}{r['seconds']:>9.2f}{rate:>9,.0f}{r['matched']:>9,}{r['partially_matched']:>7,}"
              f"{r['unmatched']:>10,}{r['duplicates_skipped']:>8,}  {r['state']}")  # fmt: skip
    first = s["runs"][0]
    print(f"rows added by the first run: {first['rows_added']}; by the second: {s['runs'][1]['rows_added']}")
    met = first["seconds"] <= GOAL_SECONDS and s["peak_rss_mib"] <= GOAL_MIB and first["state"] == "done"
    print(f"peak RSS {s['peak_rss_mib']} MiB; goal: full import ≤ {GOAL_SECONDS:.0f} s and ≤ {GOAL_MIB:.0f} MiB — "
          f"{'met' if met else 'MISSED'}")  # fmt: skip
    (OUT / "onec_import.json").write_text(json.dumps(s, indent=2, ensure_ascii=False, default=str) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description="Time a full 1C statement import into the bench database.")
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14")
    p.add_argument("--documents", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--keep", action="store_true", help="keep the copied database debitor_bench_import")
    report(run(p.parse_args()))


if __name__ == "__main__":
    main()
