"""PDF benchmark: what Debitor adds on top of WeasyPrint when it makes an invoice PDF, and the cached path.

For N invoices (1–5 lines each, like the demo data) in a temporary SQLite database built by the real
migrations, it measures per invoice:

- ``fresh``: ``invoice_document(invoice, "ru")`` for an invoice never rendered before: template, source
  hash, lookup, QR code, WeasyPrint through the restrictive fetcher, insert of the version;
- ``bare``: ``weasyprint.HTML(string=html, base_url=static/).write_pdf()`` of the very same HTML with
  WeasyPrint's default fetcher (the base URL is needed for the stylesheet and fonts to load at all;
  ``bare_no_base`` is the literal ``HTML(string=html).write_pdf()``, which renders without them);
- ``cached``: ``invoice_document`` again in a new session (what a re-download costs): template, hash,
  lookup and loading the stored bytes.

Prints the medians in ms and the ratio fresh / bare, and writes them to bench/out/pdf.json.
Goal: fresh ≤ 1.5 × bare, cached ≤ 10 ms.

    .venv/bin/python bench/pdf.py [-n 30]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DESCRIPTIONS = [
    "Контекстная реклама в поисковой сети",
    "Медийная реклама: баннерные показы",
    "Ретаргетинг по аудиториям сайта",
    "Видеореклама в рекламной сети, кампания «Весна»",
    "Реклама в мобильных приложениях",
    "Смарт-баннеры товарной кампании",
]


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 2)


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@contextlib.contextmanager
def quiet(logger: str):
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def make_invoices(n: int, seed: int = 7) -> list[int]:
    from debitor.contracts.models import Contract
    from debitor.db import db
    from debitor.invoices.services import add_line, issue_invoice
    from tests import factories as f

    rnd = random.Random(seed)
    org = f.organisation()
    org.director_name, org.accountant_name = "Соколов А. В.", "Миронова Е. П."
    org.legal_address = "123112, г. Москва, Пресненская наб., д. 12, эт. 30, офис 305"
    ids = []
    for i in range(n):
        client = f.client(
            org,
            legal_name=f"ООО «Рекламодатель {i + 1}»",
            legal_address=f"{190000 + i}, г. Санкт-Петербург, Невский пр., д. {i + 1}",
        )
        contract = Contract(
            client=client, number=f"РК-2025/{100 + i}", signed_on=date(2025, 3, 1), starts_on=date(2025, 3, 1)
        )
        db.session.add(contract)
        month = date(2026, 1 + i % 10, 1)
        inv = f.draft(org, client, lines=())
        inv.contract, inv.period_start = contract, month
        inv.period_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        for _ in range(rnd.randint(1, 5)):
            add_line(inv, rnd.choice(DESCRIPTIONS), rnd.choice([1, 1, 1, 12, 250]), rnd.randint(500_00, 150_000_00))
        issue_invoice(inv, on=inv.period_end + timedelta(days=1))
        ids.append(inv.id)
    db.session.commit()
    return ids


def run(n: int) -> dict:
    import weasyprint
    from flask_migrate import upgrade

    from debitor.db import db
    from debitor.documents import services
    from debitor.invoices.models import Invoice
    from web.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="debitor-bench-pdf-"))
    app = create_app(
        {
            "ENV": "test",
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-0000",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
            "REDIS_URL": "",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    fresh, bare, bare_no_base, cached, sizes = [], [], [], [], []
    with app.app_context():
        upgrade()
        ids = make_invoices(n + 1)
        # warm up once (imports, fontconfig, Jinja compilation): not measured
        services.invoice_document(db.session.get(Invoice, ids.pop()), "ru")
        db.session.commit()
        for ident in ids:
            inv = db.session.get(Invoice, ident)
            html = services.invoice_source(inv, "ru").printable_html()
            seconds, version = timed(lambda inv=inv: services.invoice_document(inv, "ru"))
            fresh.append(seconds)
            sizes.append(version.size)
            sha = version.content_sha256
            db.session.commit()
            bare.append(
                timed(lambda html=html: weasyprint.HTML(string=html, base_url=services.STATIC_URL).write_pdf())[0]
            )
            with quiet("weasyprint"):  # it logs that the relative stylesheet link cannot be resolved
                bare_no_base.append(timed(lambda html=html: weasyprint.HTML(string=html).write_pdf())[0])
            db.session.remove()  # a new request: nothing in the session, the version comes from the database
            inv = db.session.get(Invoice, ident)
            seconds, again = timed(lambda inv=inv: services.invoice_document(inv, "ru"))
            assert again.content_sha256 == sha
            cached.append(seconds)
            db.session.remove()
    result = {
        "invoices": n,
        "fresh_ms": median_ms(fresh),
        "bare_ms": median_ms(bare),
        "ratio": round(statistics.median(fresh) / statistics.median(bare), 3),
        "cached_ms": median_ms(cached),
        "bare_no_base_ms": median_ms(bare_no_base),
        "pdf_bytes_median": int(statistics.median(sizes)),
        "goal": {"ratio_max": 1.5, "cached_ms_max": 10},
        "weasyprint": weasyprint.__version__,
        "python": platform.python_version(),
    }
    result["goal_met"] = result["ratio"] <= 1.5 and result["cached_ms"] <= 10
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", "--invoices", type=int, default=30)
    args = parser.parse_args()
    result = run(args.invoices)
    print(f"invoices: {result['invoices']}")
    print(f"invoice_document, fresh render : {result['fresh_ms']:8.2f} ms (median)")
    print(f"bare WeasyPrint, same HTML     : {result['bare_ms']:8.2f} ms")
    print(f"ratio fresh / bare             : {result['ratio']:8.3f}   (goal ≤ 1.5)")
    print(f"invoice_document, cached       : {result['cached_ms']:8.2f} ms   (goal ≤ 10)")
    print(f"bare without base URL (no CSS) : {result['bare_no_base_ms']:8.2f} ms")
    out = ROOT / "bench" / "out" / "pdf.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
