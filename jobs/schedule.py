"""The periodic schedule, in one list, for ``rq cron jobs.schedule``."""

from rq import cron

from jobs import runtime, tasks

SCHEDULE = [
    # (function, seconds between runs)
    (tasks.sweep_outbox, 60),
    (tasks.sweep_statements, 60),
    (tasks.sweep_exports, 60),
    (tasks.pick_up_statements, 60),
    (tasks.export_enterprise_data, 3600),
    (tasks.collection_run, 3600),  # idempotent: each step once, whatever the hour; letters wait for the hours
]

for func, seconds in SCHEDULE:
    cron.register(func, runtime.app().config["RQ_QUEUE"], interval=seconds)
