"""Benchmark: a collection run over 500 000 open invoices on PostgreSQL, then an immediate second run.

Against a copy of the database bench/generate.py made (``CREATE DATABASE … TEMPLATE``; migrations applied to
the copy), it reopens the most recent paid invoices until ``--open`` invoices are open (their due dates spread
over the 18 months of the data, as a back office that starts collecting meets them), installs the default
policy and letters, and times

1. the first run as of today: every document's latest due step taken (letters, tasks, penalties, claims…),
   committed in one transaction, as the periodic job does;
2. the same run again at once: everything taken already, nothing may be sent.

Goal (issue 14): the first run ≤ 30 s, the second ≤ 5 s sending 0, peak memory of the process ≤ 300 MiB.

    .venv/bin/python bench/collection.py [--open 500000] [--database-url URL] [--keep]

Prints the figures and writes bench/out/collection.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/debitor_bench"
OUT = ROOT / "bench" / "out"
GOAL_FIRST, GOAL_SECOND, GOAL_MIB = 30.0, 5.0, 300.0


def copy_database(url: str, name: str) -> str:
    base, source = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    target = f"{base}/{name}"
    env = {**os.environ, "DATABASE_URL": target}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    return target


def reopen(url: str, want: int) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM invoices WHERE state IN ('issued', 'partially_paid')").fetchone()[0]
        if want > have:
            conn.execute(
                "UPDATE invoices SET state = 'issued', paid_kopecks = 0 WHERE id IN (SELECT id FROM invoices "
                "WHERE state = 'paid' AND kind = 'invoice' ORDER BY issued_on DESC, id DESC LIMIT %s)",
                (want - have,),
            )
        conn.execute("VACUUM (ANALYZE)")
        return conn.execute("SELECT count(*) FROM invoices WHERE state IN ('issued', 'partially_paid')").fetchone()[0]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    p.add_argument("--open", type=int, default=500_000)
    p.add_argument("--keep", action="store_true", help="keep the copy")
    args = p.parse_args()
    name = args.database_url.rsplit("/", 1)[1] + "_collection"
    url = copy_database(args.database_url, name)
    open_count = reopen(url, args.open)

    from debitor.collection.defaults import install_defaults
    from debitor.collection.run import run
    from debitor.dates import today
    from debitor.work import unit_of_work
    from web.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        with unit_of_work():
            install_defaults()
        idle = rss_mib()
        runs = []
        for label in ("first", "second"):
            started = time.perf_counter()
            with unit_of_work():
                summary = run(today())
            runs.append({"run": label, "seconds": round(time.perf_counter() - started, 2), "summary": summary})
            print(f"{label:>6} run: {runs[-1]['seconds']:6.2f} s  {json.dumps(summary, ensure_ascii=False)}")
        from debitor.db import db

        db.engine.dispose()  # the copy can be dropped
    peak = rss_mib()
    first, second = runs
    sent_again = sum(second["summary"]["actions"].values())
    met = first["seconds"] <= GOAL_FIRST and second["seconds"] <= GOAL_SECOND and sent_again == 0 and peak <= GOAL_MIB
    print(f"open invoices: {open_count:,}; peak memory {peak:.1f} MiB (idle {idle:.1f} MiB)")
    print(f"goal (first ≤ {GOAL_FIRST:.0f} s, second ≤ {GOAL_SECOND:.0f} s sending 0, ≤ {GOAL_MIB:.0f} MiB): "
          f"{'met' if met else 'MISSED'}")  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "collection.json").write_text(
        json.dumps({"open_invoices": open_count, "runs": runs, "peak_mib": round(peak, 1), "met": met}, indent=2)
    )
    if not args.keep:
        base = url.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
