"""Benchmark: our 1CClientBankExchange reader against the ``client-bank-1c`` package on one big file.

What it does: writes a realistic 100k-document statement (bench/onec_statement.py; cp1251, CRLF,
~40 keys per document, about 118 MB) into bench/out/, then parses it N times with each parser, every
run in a fresh subprocess so that the peak memory (the child's ``VmHWM``) belongs to that parser
alone: ours iterates ``StatementReader`` and sums the amounts; ``client-bank-1c`` (``pip install -e
".[bench]"``) loads the file (``client_bank_1c.load`` on a cp1251 text stream, its only working entry
point: ``from_file`` opens the file in binary mode with an encoding and fails) and sums ``Сумма``.
Both must agree on the number of documents and the total in kopecks.

It prints a table (median and best time, peak MiB, documents, time ratio) and writes
bench/out/onec_parse.json. The goal: ours in at most a third of their time and under 100 MiB.

Run from the repository root:

    .venv/bin/python bench/onec_parse.py                 # 100k documents, 3 runs each
    .venv/bin/python bench/onec_parse.py --documents 20000 --runs 5 --keep
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
GOAL_RATIO = 1 / 3
GOAL_PEAK_MIB = 100


def _peak_mib() -> float:
    """This process's peak RSS. ``VmHWM`` belongs to the process image; ``ru_maxrss`` survives exec on
    Linux and so would carry the parent's peak (the parent has just written the file)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child_ours(path: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from debitor.onec.parser import StatementReader

    baseline = _peak_mib()
    started = time.perf_counter()
    documents = total = 0
    with open(path, "rb") as stream:
        for doc in StatementReader(stream):
            documents += 1
            total += doc.amount_kopecks
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "documents": documents, "total_kopecks": total, "baseline_mib": baseline}


def child_theirs(path: str) -> dict:
    import client_bank_1c

    baseline = _peak_mib()
    started = time.perf_counter()
    with open(path, encoding="cp1251") as stream:
        statement = client_bank_1c.load(stream)
    documents = len(statement.documents)
    total = sum(int(doc["Сумма"] * 100) for doc in statement.documents)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "documents": documents, "total_kopecks": total, "baseline_mib": baseline}


CHILDREN = {"ours": child_ours, "client-bank-1c": child_theirs}


def run_child(which: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", which, str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"{which} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="reuse the statement file if it is there")
    parser.add_argument("--child", nargs=2, metavar=("PARSER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        which, path = args.child
        result = CHILDREN[which](path)
        result["peak_mib"] = _peak_mib()
        print(json.dumps(result))
        return

    sys.path.insert(0, str(ROOT / "bench"))
    from onec_statement import write_bench_statement

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"onec_statement_{args.documents}.txt"
    started = time.perf_counter()
    if args.keep and path.exists():
        figures = {"path": str(path), "documents": args.documents, "bytes": path.stat().st_size, "reused": True}
    else:
        figures = write_bench_statement(path, args.documents, seed=args.seed)
    figures["write_seconds"] = round(time.perf_counter() - started, 2)
    print(f"statement: {path} ({figures['bytes'] / 1e6:.1f} MB, {args.documents:,} documents)")

    results: dict[str, dict] = {}
    for which in CHILDREN:
        runs = [run_child(which, path) for _ in range(args.runs)]
        results[which] = {
            "seconds": [round(r["seconds"], 3) for r in runs],
            "median_seconds": round(statistics.median(r["seconds"] for r in runs), 3),
            "best_seconds": round(min(r["seconds"] for r in runs), 3),
            "peak_mib": round(max(r["peak_mib"] for r in runs), 1),
            "baseline_mib": round(max(r["baseline_mib"] for r in runs), 1),
            "documents": runs[0]["documents"],
            "total_kopecks": runs[0]["total_kopecks"],
        }
        if any((r["documents"], r["total_kopecks"]) != (runs[0]["documents"], runs[0]["total_kopecks"]) for r in runs):
            raise SystemExit(f"{which} gave different results on different runs")

    ours, theirs = results["ours"], results["client-bank-1c"]
    agree = (ours["documents"], ours["total_kopecks"]) == (theirs["documents"], theirs["total_kopecks"])
    ratio = ours["median_seconds"] / theirs["median_seconds"]
    goal = {
        "ratio": round(ratio, 3),
        "ratio_goal": round(GOAL_RATIO, 3),
        "peak_goal_mib": GOAL_PEAK_MIB,
        "met": agree and ratio <= GOAL_RATIO and ours["peak_mib"] <= GOAL_PEAK_MIB,
        "parsers_agree": agree,
    }

    columns = ("median s", 9), ("best s", 8), ("peak MiB", 9), ("(idle MiB)", 10), ("documents", 10), ("ratio", 6)
    print("\n" + f"{'parser':16} " + " ".join(f"{name:>{width}}" for name, width in columns))
    for which, r in results.items():
        print(
            f"{which:16} {r['median_seconds']:9.2f} {r['best_seconds']:8.2f} {r['peak_mib']:9.1f} "
            f"{r['baseline_mib']:10.1f} {r['documents']:10,} {r['median_seconds'] / theirs['median_seconds']:6.2f}"
        )
    print(f"\ntotals: ours {ours['total_kopecks']:,} kopecks, client-bank-1c {theirs['total_kopecks']:,} kopecks")
    print(
        f"goal (≤ {GOAL_RATIO:.2f} of the time, ≤ {GOAL_PEAK_MIB} MiB, same documents and total): "
        f"{'met' if goal['met'] else 'MISSED'}"
    )
    report = {"statement": figures, "runs": args.runs, "python": sys.version.split()[0], "results": results}
    report["goal"] = goal
    (OUT / "onec_parse.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if not agree:
        raise SystemExit("the parsers disagree on the documents or the total")


if __name__ == "__main__":
    main()
