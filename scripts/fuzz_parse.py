"""Coverage-guided fuzzing of the MIME parser and attachment extractors with atheris.

Not part of CI (it runs until stopped); hypothesis covers the same ground in the suite.

    python -m venv /tmp/fz && /tmp/fz/bin/pip install atheris -e .
    /tmp/fz/bin/python scripts/fuzz_parse.py -max_total_time=300 [CORPUS_DIR]

Any exception out of `parse` is a bug: parsing must turn every damage into a Problem.
Seeds: the hostile corpus and a few well-formed messages with real attachments.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import atheris  # noqa: E402

with atheris.instrument_imports():
    from dlpgate.parse.mime import parse  # noqa: E402


def one(data: bytes) -> None:
    parse(data)


def main() -> None:
    from dlpgate import testdata, testhostile
    from dlpgate.testing import make_message

    seeds = Path("/tmp/dlpgate-fuzz-seeds")
    seeds.mkdir(exist_ok=True)
    for name, raw in testhostile.corpus().items():
        if len(raw) < 200_000:
            (seeds / f"{name}.eml").write_bytes(raw)
    for name, data in (("a.docx", testdata.make_docx(["x"])), ("a.pdf", testdata.make_pdf("x")),
                       ("a.zip", testdata.make_zip({"b.txt": "x"}))):
        (seeds / f"seed-{name}.eml").write_bytes(make_message(
            attachments=((name, "application/octet-stream", data),)))
    args = sys.argv + ([str(seeds)] if len(sys.argv) < 3 else [])
    atheris.Setup(args, one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
