"""RTF letters read, before and after: MB/s of `rtf.text` for each kind of document.

    .venv/bin/python bench/rtf.py [--size 3000000] [--old] [--repeat 5]

Documents are made here to about `--size` characters: plain lines of text as
`testdata.make_rtf` writes them, a letter as Word writes it (a run's formatting before each
run of text, \\'hh and \\uN characters, fields), the same letter as WordPad writes it (little
formatting), a letter with a photograph (its hex written in lines, as Word writes it), and
hostile ones (a million braces, a group never closed, a `\\bin` claiming gigabytes, a `\\uc`
claiming a million characters, and striprtf's slow lines: hyperlink fields and a font table
on one line). `--old` times striprtf (the reader before) beside it, on the documents it
reads in under a minute at that size. Times are CPU seconds, the least of `--repeat` runs,
as other work on the machine adds to each.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlpgate import testdata  # noqa: E402
from dlpgate.parse import rtf  # noqa: E402

HEAD = (r"{\rtf1\ansi\ansicpg1252\deff0\deflang2057{\fonttbl{\f0\froman\fcharset0\fprq2"
        r"{\*\panose 02020603050405020304}Times New Roman;}{\f1\fswiss\fcharset0 Calibri;}}"
        r"{\colortbl;\red0\green0\blue0;\red17\green85\blue204;}"
        r"{\stylesheet{\ql \li0\ri0\widctlpar\f1\fs22 Normal;}}{\*\rsidtbl \rsid1\rsid2}"
        r"{\*\generator Microsoft Word 16;}{\info{\author Ann Officer}}" "\r\n")
WORD_PARAGRAPH = (r"\pard\plain \ltrpar\ql \li0\ri0\sa160\sl259\slmult1\widctlpar\wrapdefault"
                  r"\aspalpha\aspnum\faauto\adjustright\rin0\lin0\itap0 \rtlch\fcs1 \af1\afs22"
                  r" \ltrch\fcs0 \f1\fs22\lang2057\langfe1033\cgrid {\rtlch\fcs1 \af1 \ltrch"
                  r"\fcs0 \insrsid1 Dear Ms Reid, we write about Callum (DOB 04/05/2016), NHS "
                  r"943 476 5919, and the caf\'e9 visit on Tuesday.}{\rtlch\fcs1 \af1 \ltrch"
                  r"\fcs0 \insrsid2 \u8217\'92s notes follow.}{\field{\*\fldinst {\rtlch\fcs1 "
                  r'HYPERLINK \\l "_Toc1" }}{\fldrslt {\ul\cf2 section 2}}}'
                  r"{\rtlch\fcs1 \af1 \ltrch\fcs0 \insrsid1 \par }" "\r\n")
WORDPAD_PARAGRAPH = (r"\pard\sa200\sl276\slmult1\f0\fs22 Dear Ms Reid, we write about Callum "
                     r"(DOB 04/05/2016), NHS 943 476 5919, and the caf\'e9 visit on Tuesday. "
                     r"The notes from the visit follow, with the actions agreed.\par" "\r\n")


def fill(head: str, unit: str, size: int, tail: str = "}") -> str:
    return head + unit * max(1, (size - len(head)) // len(unit)) + tail


def photograph(size: int) -> str:
    data = random.Random(1).randbytes(size // 2)
    digits = data.hex()
    lines = "\r\n".join(digits[i:i + 128] for i in range(0, len(digits), 128))
    return (HEAD + WORD_PARAGRAPH * 5 + r"{\*\shppict{\pict{\*\picprop\shplid1025{\sp{\sn "
            r"shapeType}{\sv 75}}}\picscalex100\picw9000\pich6000\pngblip\bliptag1{\*\blipuid "
            r"0123456789abcdef0123456789abcdef}" + lines + "}}" + WORD_PARAGRAPH * 5 + "}")


def documents(size: int) -> dict[str, tuple[str, bool]]:
    """name: (document, whether striprtf reads it in reasonable time at `size`: its time on
    the two lines of fields or fonts grows with the square of their length, 12 s and 106 s
    at 300 KB, so 20 minutes and 3 hours at 3 MB)."""
    lines = "\n".join(WORDPAD_PARAGRAPH[20:-8] for _ in range(size // 160))
    return {
        "plain letter (testdata)": (testdata.make_rtf(lines).decode("ascii"), True),
        "Word letter": (fill(HEAD, WORD_PARAGRAPH, size), True),
        "WordPad letter": (fill(HEAD, WORDPAD_PARAGRAPH, size), True),
        "letter with a photograph": (photograph(size), True),
        "a million braces": ("{\\rtf1 " + "{" * size, True),
        "braces opened and closed": ("{\\rtf1 " + "{x}" * (size // 3) + "}", True),
        "group never closed": (HEAD + "{\\*\\pict " + "0a" * (size // 2), True),
        "\\bin claiming 4 GB": (HEAD + "{\\pict\\bin4000000000 " + "x" * size + "}", True),
        "\\uc claiming a million": (HEAD + "\\uc1000000\\u8217 " + "x" * size + "}", True),
        "hyperlink fields on one line": (
            HEAD + "{\\field{\\*\\fldinst{HYPERLINK " * (size // 29) + "}", False),
        "font table on one line": ("{\\rtf1{\\fonttbl" + "\\f1 x" * (size // 5) + "}}", False),
        "\\objdata never closed": (HEAD + "{\\object{\\*\\objdata " + "01" * (size // 2), True),
    }


def timed(read, document: str, repeat: int) -> float:
    """CPU seconds, the least of `repeat` runs (other work on the machine adds to each)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        read(document)
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=3_000_000)
    parser.add_argument("--old", action="store_true", help="time striprtf beside it")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from striprtf.striprtf import rtf_to_text

    shown = re.compile(r"(?:\\\*)?\\(?:header[lrf]?|footer[lrf]?|footnote|annotation)(?![a-z])")

    def old(document: str) -> str:
        return rtf_to_text(shown.sub(r"\\par ", document), errors="ignore")

    print(f"{'document':<30}{'MB':>7}{'new s':>9}{'new MB/s':>10}"
          + (f"{'old s':>9}{'old MB/s':>10}" if args.old else ""))
    for name, (document, slow_ok) in documents(args.size).items():
        mb = len(document) / 1e6
        new = timed(rtf.text, document, args.repeat)
        line = f"{name:<30}{mb:>7.1f}{new:>9.3f}{mb / new:>10.1f}"
        if args.old:
            if slow_ok:
                was = timed(old, document, max(1, args.repeat // 3))
                line += f"{was:>9.2f}{mb / was:>10.2f}"
            else:
                line += f"{'(quadr.)':>9}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
