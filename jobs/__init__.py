"""RQ side of Debitor: queues, thin job entry points, the periodic schedule and the worker CLI."""
