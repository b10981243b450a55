"""OCR of photo-heavy messages, with and without the first look at photographs, same run.

    .venv/bin/python bench/ocr.py [--photos 30] [--texts 28] [--lit 8] [--repeat 1]

Messages are made here (`dlpgate.testpictures`): a housing officer's inspection report, a
Word file of `--photos` photographs (damp walls, brick, rooms, tiles, cracked ceilings,
gardens, low light, carpet; 1600 x 1200 to 2048 x 1536, as Word keeps them); the same report
with a photographed letter of children's names and NHS numbers after the photographs; a
visit, eight phone photographs of 4032 x 3024 attached to the message; and `--texts`
pictures that carry personal data (screenshots of a case list as PNG and JPEG, dark ones,
photographed letters and screens, scanned letters, a letter lying in a photographed room),
each attached to a message alone; and `--lit` pictures of letters in harder light, a set of
their own so the first set's figures stay comparable (`testpictures.LIT`: a page filling
the picture lit from one side, a letter on a desk with a shadow across it).

Each is parsed as the scan parses it, with the shipped OCR settings, once as before
(`scan.ocr.skip_photos: false`: every picture read by Tesseract) and once as now; OCR's memo
is emptied before each, so nothing read in one helps the other. Printed: seconds a message
(wall clock, and CPU of this process and its programs together), their ratio, what the
scan's notes said, and recall: the NHS numbers and surnames found in the text pictures
before and now (it must not drop).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlpgate import testpictures  # noqa: E402
from dlpgate.config import Limits, Ocr  # noqa: E402
from dlpgate.parse import ocr  # noqa: E402
from dlpgate.parse.mime import parse  # noqa: E402
from dlpgate.testing import make_message  # noqa: E402

BEFORE, NOW = Ocr(skip_photos=False), Ocr()


def cpu() -> float:
    """CPU seconds of this process and of the programs it has waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def scanned(raw: bytes, settings: Ocr) -> tuple[float, float, str, tuple[str, ...]]:
    """(wall seconds, CPU seconds, the attachments' text, the notes) of one cold parse."""
    ocr.clear_memo()
    wall, used = time.monotonic(), cpu()
    message = parse(raw, None, Limits(), settings)
    wall, used = time.monotonic() - wall, cpu() - used
    text = "\n".join(p.text for p in message.parts if p.is_attachment)
    problems = tuple(f"{p.kind}: {p.part}" for p in message.problems)
    return wall, used, text, message.notes + problems


# the sizes Word keeps a photograph at (it compresses pictures to 220 ppi when saving)
WORD_SIZES = ((1600, 1200), (2048, 1536), (1200, 1600))


def messages(photos: int) -> dict[str, tuple[bytes, tuple[str, ...]]]:
    """name: (message, what a reading must find in it)."""
    shots = [testpictures.photo(seed, size=WORD_SIZES[seed % 3]).data for seed in range(photos)]
    letter = testpictures.text(3, "photographed letter")
    visit = [testpictures.photo(100 + seed, size=(4032, 3024)).data for seed in range(8)]

    def mail(*files: tuple[str, bytes]) -> bytes:
        return make_message(to=("repairs@contractor.example",), body="Attached.", attachments=tuple(
            (name, "application/octet-stream", data) for name, data in files))

    return {
        f"report, {photos} photographs": (mail(("report.docx", testpictures.report(shots))), ()),
        f"report, {photos} photographs + letter": (
            mail(("report.docx", testpictures.report([*shots, letter.data]))), letter.shows),
        "visit, 8 phone photographs attached": (
            mail(*((f"IMG_{n:04d}.jpg", data) for n, data in enumerate(visit, 1))), ()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=30)
    parser.add_argument("--texts", type=int, default=28)
    parser.add_argument("--lit", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, the least kept")
    args = parser.parse_args()
    if not ocr.available():
        sys.exit("tesseract-ocr and poppler-utils are not installed")

    print(f"{'message':<40}{'before s':>10}{'now s':>8}{'ratio':>7}{'CPU before':>12}"
          f"{'CPU now':>9}{'ratio':>7}  found before/now")
    for name, (raw, shows) in messages(args.photos).items():
        runs = {label: min((scanned(raw, s) for _ in range(args.repeat)), key=lambda r: r[0])
                for label, s in (("before", BEFORE), ("now", NOW))}
        (wb, cb, tb, nb), (wn, cn, tn, nn) = runs["before"], runs["now"]
        found = f"{sum(x in tb for x in shows)}/{sum(x in tn for x in shows)} of {len(shows)}"
        print(f"{name:<40}{wb:>10.2f}{wn:>8.2f}{wb / wn:>7.1f}{cb:>12.2f}{cn:>9.2f}"
              f"{cb / cn:>7.1f}  {found}", flush=True)
        for label, notes in (("before", nb), ("now", nn)):
            for note in notes:
                print(f"    {label}: {note}")

    texts(testpictures.text(seed) for seed in range(args.texts))
    texts(testpictures.text(seed, testpictures.LIT[seed % len(testpictures.LIT)])
          for seed in range(args.lit))


def texts(pictures) -> None:
    """Each picture attached to a message alone, read both ways: seconds, what was found,
    and the totals by kind."""
    print(f"\n{'picture with text':<24}{'size':>12}{'before s':>10}{'now s':>8}"
          f"{'CPU before':>12}{'CPU now':>9}{'found before':>14}{'found now':>11}")
    kinds: dict[str, list[float]] = {}
    for picture in pictures:
        ext = "png" if picture.data.startswith(testpictures.PNG_SIGNATURE) else "jpg"
        raw = make_message(to=("x@example.org",), body="See attached.", attachments=(
            (f"picture.{ext}", f"image/{'png' if ext == 'png' else 'jpeg'}", picture.data),))
        wb, cb, tb, _ = scanned(raw, BEFORE)
        wn, cn, tn, _ = scanned(raw, NOW)
        before, now = sum(x in tb for x in picture.shows), sum(x in tn for x in picture.shows)
        width, height = ocr.image_size(picture.data) or (0, 0)
        print(f"{picture.kind:<24}{f'{width}x{height}':>12}{wb:>10.2f}{wn:>8.2f}{cb:>12.2f}"
              f"{cn:>9.2f}{f'{before}/{len(picture.shows)}':>14}"
              f"{f'{now}/{len(picture.shows)}':>11}", flush=True)
        row = [len(picture.shows), before, now, wb, wn, cb, cn, 1]
        for key in (picture.kind, "recall"):
            kinds[key] = [a + b for a, b in zip(kinds.get(key, [0] * 8), row, strict=True)]
    if kinds:
        kinds["recall"] = kinds.pop("recall")  # the totals last
    for kind, (shown, before, now, wb, wn, cb, cn, count) in kinds.items():
        print(f"{kind:<24}{f'{count:.0f} pictures':>12}{wb:>10.2f}{wn:>8.2f}{cb:>12.2f}"
              f"{cn:>9.2f}{f'{before:.0f}/{shown:.0f}':>14}{f'{now:.0f}/{shown:.0f}':>11}"
              + (f"   ({before / shown:.1%} before, {now / shown:.1%} now; time ratio "
                 f"{wb / wn:.2f})" if kind == "recall" else ""))


if __name__ == "__main__":
    main()
