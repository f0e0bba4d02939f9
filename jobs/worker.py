"""``python -m jobs.worker``: an RQ worker with the app and heavy libraries loaded once, before forking."""

from __future__ import annotations

import argparse

from rq import Worker

from jobs import runtime
from jobs.queues import get_queue, get_redis, wait_for_redis


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run a Debitor RQ worker")
    parser.add_argument("--burst", action="store_true", help="work until the queue is empty, then exit")
    parser.add_argument("--name", default=None)
    args = parser.parse_args(argv)
    runtime.configure_logging()
    app = runtime.app()
    # Preload: forked job processes inherit WeasyPrint instead of importing it per job (~0.4 s each).
    import weasyprint  # noqa: F401

    with app.app_context():
        wait_for_redis(get_redis(app))
        queue = get_queue(app)
        worker = Worker([queue], connection=get_redis(app), name=args.name)
    worker.work(burst=args.burst, with_scheduler=False)


if __name__ == "__main__":
    main()
