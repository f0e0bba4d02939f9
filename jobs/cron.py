"""``python -m jobs.cron``: RQ's cron scheduler with the schedule from ``jobs.schedule``.

Same as ``rq cron jobs.schedule --url ...`` but takes the Redis URL from the app's configuration and
waits for Redis to come up (under honcho every process starts at once).
"""

from __future__ import annotations

from rq.cron import CronScheduler

from jobs import runtime
from jobs.queues import get_redis, wait_for_redis


def main() -> None:
    runtime.configure_logging()
    app = runtime.app()
    with app.app_context():
        connection = get_redis(app)
    wait_for_redis(connection)
    scheduler = CronScheduler(connection=connection)
    scheduler.load_config_from_file("jobs.schedule")
    scheduler.start()


if __name__ == "__main__":
    main()
