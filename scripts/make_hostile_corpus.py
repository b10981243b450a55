"""Write the hostile corpus (dlpgate.testhostile) as .eml files, for `dlpgate scan DIR`.

    .venv/bin/python scripts/make_hostile_corpus.py OUTDIR
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlpgate.testhostile import corpus  # noqa: E402


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, raw in corpus().items():
        (out / f"{name}.eml").write_bytes(raw)
    print(f"{len(corpus())} messages written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
