"""Hostile bodies: does any pattern make the scan slower than its length says?

    .venv/bin/python bench/hostile.py [--size 100000]

A message's body is read by many patterns (identifiers, addresses, names, greetings, the
quoted conversation); one that backtracks over a long run of the characters it accepts
costs a pass per starting position, so a megabyte of "a." or of letters with no @ takes
minutes instead of a second, and the relay answers 4xx for a message it should have
passed. Each body below is scanned whole (parse, detect, recipients, decide, as the relay
does) at `--size` characters and at ten times that, and compared with ordinary prose of
the same length in the same process: the "x10" column is how the time grows with ten times
the text (about 10 when the cost is linear, 100 when quadratic); "vs prose" is the
hostile body's time over the prose's at the larger size.

Then the same with 200 recipients, each with history and namesakes in a store, where
what is asked once per recipient (the greeting, the names written) multiplies any cost.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlpgate.config import Settings  # noqa: E402
from dlpgate.history import Pair  # noqa: E402
from dlpgate.pipeline import Scanner  # noqa: E402
from dlpgate.store.sqlite import SQLiteStore  # noqa: E402
from dlpgate.testing import make_envelope, make_message  # noqa: E402

PROSE = ("Thanks for your time on the call earlier. As agreed, I have set out the next steps "
         "below and copied in the team so that everyone has the same dates. ")

# (name, the unit repeated to the length wanted, what comes first): each one a run some
# pattern accepts
HOSTILE = [
    ("letters, no @", "x", ""),
    ("a.a.a.", "a.", ""),
    ("a-a-a-", "a-", ""),
    ("a@a@a@", "a@", ""),
    ("a@b.a@b.", "a@b.", ""),
    ("digits", "9", ""),
    ("spaced digits", "9 ", ""),
    ("NINO-like", "AB123456C ", ""),
    ("postcode-like", "SW1A 1AA ", ""),
    ("phone-like", "+44 (0)20 7946 0000 ", ""),
    ("dates", "01/02/2003 ", ""),
    ("capitals", "SARAH JONES ", ""),
    ("quoted replies", "> On Monday, Sarah wrote:\n", ""),
    ("punctuation mix", "a'b-c.d_e+", ""),
    ("tags", "<b>", ""),
    ("a greeting's name", "Sarah-", "Dear "),
    ("a greeting of many", "Sarah, ", "Hi "),
]

ORG = {"organisation": {"internal_domains": ["example-council.gov.uk"]}}
SENDER = "ann.officer@example-council.gov.uk"


def body(unit: str, size: int, head: str = "") -> str:
    return (head + unit * (size // len(unit) + 1))[:size]


def timed(scanner: Scanner, text: str, rcpts: tuple[str, ...]) -> float:
    raw = make_message(sender=SENDER, to=rcpts[:50], cc=rcpts[50:], subject="Re: notes",
                       body=text)
    started = time.perf_counter()
    scanner.scan(raw, make_envelope(raw))
    return time.perf_counter() - started


def run(scanner: Scanner, size: int, rcpts: tuple[str, ...], label: str) -> None:
    print(f"\n{label}: ms at {size:,} and {10 * size:,} characters")
    print(f"{'body':<22}{'small':>9}{'large':>9}{'x10':>7}{'vs prose':>10}")
    prose = [timed(scanner, body(PROSE, n), rcpts) for n in (size, 10 * size)]
    print(f"{'prose (baseline)':<22}{1000 * prose[0]:>9.0f}{1000 * prose[1]:>9.0f}"
          f"{prose[1] / prose[0]:>7.1f}{1.0:>10.2f}")
    for name, unit, head in HOSTILE:
        small, large = (timed(scanner, body(unit, n, head), rcpts) for n in (size, 10 * size))
        print(f"{name:<22}{1000 * small:>9.0f}{1000 * large:>9.0f}{large / small:>7.1f}"
              f"{large / prose[1]:>10.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(f"sqlite:///{tmp}/h.db")
        now = time.time()
        contacts = [f"person{i}.name{i % 50}@org{i % 30}.org.uk" for i in range(600)]
        store.learn([Pair(SENDER, c, now - i * 3600, 1 + i % 7)
                     for i, c in enumerate(contacts)])
        scanner = Scanner(Settings.model_validate(ORG), store)
        run(scanner, args.size, ("sarah.jones@gmail.com",), "one recipient")
        run(scanner, args.size // 10, tuple(contacts[::3]),
            "200 recipients with history and namesakes")
        store.close()


if __name__ == "__main__":
    main()
