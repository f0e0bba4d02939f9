"""``python -m jobs.mailsink``: a local SMTP server that keeps every message in a Maildir.

The run command points the app's SMTP settings at it; the staff workspace lists what arrived.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


def start(directory: str, host: str = "127.0.0.1", port: int = 1025) -> Controller:
    for sub in ("tmp", "new", "cur"):  # a Maildir; mailbox.Maildir(create=True) skips an existing folder
        (Path(directory) / sub).mkdir(parents=True, exist_ok=True)
    controller = Controller(Mailbox(directory), hostname=host, port=port)
    controller.start()
    return controller


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", default="instance/mailsink")
    args = parser.parse_args()
    controller = start(args.dir, args.host, args.port)
    print(f"mail sink on {args.host}:{args.port}, Maildir {args.dir}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()


if __name__ == "__main__":
    main()
