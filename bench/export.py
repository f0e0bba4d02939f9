"""Benchmark: a whole invoice table exported by the worker — all 1 M invoices of the bench database as CSV,
and the biggest XLSX an Excel sheet takes of them — time, rows/s, file size and the worker's peak memory.

Against the database bench/generate.py made. It queues the export as the staff table does (the
same ``request_export``), runs the job in this process (``debitor.exports.services.run``) and reads
the stored file back; the export rows are deleted afterwards.

    .venv/bin/python bench/export.py [--database-url URL] [--status all] [--format csv]

Prints a line per run and writes bench/out/export.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/debitor_bench"
OUT = ROOT / "bench" / "out"


def run(args: argparse.Namespace) -> dict:
    import sqlalchemy as sa

    from debitor.auth.models import Role, StaffUser
    from debitor.dates import today
    from debitor.db import db
    from debitor.exports.models import Export
    from debitor.exports.services import request_export
    from debitor.invoices.queries import InvoiceTableQuery, totals
    from jobs import runtime, tasks
    from web.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "REDIS_URL": args.redis_url})
    runtime.set_app(app)  # the job runs here, as a worker runs it
    results = []
    with app.app_context():
        clerk = db.session.scalar(sa.select(StaffUser).where(StaffUser.role == Role.CLERK).limit(1))
        for fmt in args.format:
            query = InvoiceTableQuery().load({"status": args.status})
            day = today()
            rows = totals(query, today=day).count
            export = request_export(query, fmt, on=day, rows=rows, actor=clerk, locale="ru")
            db.session.commit()
            started = time.perf_counter()
            tasks.export_invoices(export.id)
            seconds = time.perf_counter() - started
            db.session.expire_all()
            done = db.session.get(Export, export.id)
            results.append({"format": fmt, "status": args.status, "rows": done.rows_written, "state": done.state.value,
                            "seconds": round(seconds, 1), "rows_per_s": round(done.rows_written / seconds),
                            "mb": round(done.size / 1e6, 1), "error": done.error})  # fmt: skip
            db.session.execute(sa.delete(Export).where(Export.id == export.id))
            db.session.commit()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"runs": results, "peak_rss_mib": round(peak, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14")
    p.add_argument("--status", default="all", help="the table's status filter (all: every invoice)")
    p.add_argument("--format", nargs="+", default=["csv"], choices=["csv", "xlsx"])
    s = run(p.parse_args())
    for r in s["runs"]:
        print(f"{r['format']:<5} {r['status']:<8} {r['rows']:>10,} rows  {r['seconds']:>7.1f} s  "
              f"{r['rows_per_s']:>8,} rows/s  {r['mb']:>7.1f} MB  {r['state']} {r['error']}")  # fmt: skip
    print(f"peak RSS {s['peak_rss_mib']} MiB")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "export.json").write_text(json.dumps(s, indent=2) + "\n")


if __name__ == "__main__":
    main()
