"""Coverage-guided fuzzing of the MIME parser and attachment extractors with atheris.

    .venv/bin/python scripts/fuzz_parse.py [--target mime|attachment] -max_total_time=300 [DIR]

`mime` feeds whole messages to `parse`; `attachment` feeds one file (its first byte
picks the format: DOCX, XLSX, PPTX, ODT, PDF, ZIP, RTF, CSV, XLS, Outlook .msg,
winmail.dat, .xlsb, .doc, .tar.gz, .7z, .rar, .cab, .tar.zst, .tar.lz4, .iso, a split zip's
first volume) attached to a message, so the
extractors see bytes the MIME layer would never produce by mutation. Any
exception out of `parse` is a bug: parsing must turn every damage into a Problem.
libFuzzer's own limits make a hang (`-timeout`) or a memory blow-up
(`-rss_limit_mb`) a failure too. Seeds, written to DIR (or a temporary directory):
the hostile corpus and well-formed messages and files.

The test suite runs both targets for a bounded time (tests/test_fuzz_parse.py).
"""

from __future__ import annotations

import base64
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import atheris  # noqa: E402

with atheris.instrument_imports():
    from dlpgate.parse.mime import parse  # noqa: E402

FORMATS = (
    ("notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("pupils.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("slides.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("report.odt", "application/vnd.oasis.opendocument.text"),
    ("report.pdf", "application/pdf"),
    ("bundle.zip", "application/zip"),
    ("letter.rtf", "application/rtf"),
    ("list.csv", "text/csv"),
    ("pupils.xls", "application/vnd.ms-excel"),
    ("forwarded.msg", "application/vnd.ms-outlook"),
    ("winmail.dat", "application/ms-tnef"),
    ("pupils.xlsb", "application/vnd.ms-excel.sheet.binary.macroEnabled.12"),
    ("letter.doc", "application/msword"),
    ("cases.tar.gz", "application/gzip"),
    ("cases.7z", "application/x-7z-compressed"),
    ("cases.rar", "application/vnd.rar"),
    ("cases.cab", "application/vnd.ms-cab-compressed"),
    ("cases.tar.zst", "application/zstd"),
    ("cases.tar.lz4", "application/x-lz4"),
    ("disc.iso", "application/x-iso9660-image"),
    ("out.zip.001", "application/octet-stream"),
)
_HEAD = (b"From: a@example-council.gov.uk\r\nTo: b@example.org\r\nSubject: f\r\n"
         b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
         b"--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\n")


def attached(data: bytes) -> bytes:
    """The message around one fuzzed file: first byte picks the format, the rest is the file."""
    name, ctype = FORMATS[data[0] % len(FORMATS)] if data else FORMATS[0]
    body = base64.encodebytes(data[1:])
    return (_HEAD + f"Content-Type: {ctype}\r\nContent-Disposition: attachment; "
            f"filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n".encode()
            + body + b"\r\n--B--\r\n")


def seed(target: str, where: Path) -> None:
    from dlpgate import testarchives, testdata, testhostile
    from dlpgate.testing import make_message

    case = {"Reid, Jane/": b"", "Reid, Jane/notes.txt": "NHS 943 476 5919",
            "list.csv": "name,nhs\nJane Doe,943 476 5919\n"}

    files = {
        0: testdata.make_docx(["Pupil Jane Doe, UPN A123456789012"]),
        1: testdata.make_xlsx([["name", "nhs"], ["Jane Doe", "943 476 5919"]]),
        2: testdata.make_pptx(["Case conference", "Jane Doe"]),
        3: testdata.make_odt(["Referral for Jane Doe"]),
        4: testdata.make_pdf("Referral for Jane Doe"),
        5: testdata.make_zip({"a.txt": "x", "b.csv": "name\nJane"}),
        6: testdata.make_rtf_with_objects("Referral for Jane Doe", [  # a packaged file pasted
            testdata.ole1_object("Package", testdata.ole_package("a.txt", b"Jane Doe")[1][4:])]),
        7: b"name,postcode\nJane Doe,SW1A 1AA\n",
        8: testdata.make_xls({"Pupils": [["name", "nhs"], ["Jane Doe", 9434765919]]}),
        9: testdata.make_outlook_msg("Referral", "Jane Doe", {"a.txt": b"NHS 943 476 5919"}),
        10: testdata.make_tnef(
            {"a.txt": b"NHS 943 476 5919"}, "Referral for Jane Doe", subject="Referral",
            props=[(0x1009, 0x0102, testdata.compress_rtf(rb"{\rtf1\ansi Jane Doe\par}")),
                   (0x1000, 0x001F, "Jane Doe")],
            attachments=[("JANEDO~1.TXT", b"x", [(0x3707, 0x001F, "Jane Doe.txt")]),
                         testdata.tnef_item("Fwd", testdata.make_tnef({}, "Jane Doe"))]),
        11: testdata.make_xlsb({"Pupils": [["name", "nhs"], ["Jane Doe", 9434765919]]}),
        12: testdata.make_doc(["Dear \x13 MERGEFIELD Forename \x14Jane\x15 Doe"],
                              tables=[[["Name", "Jane"], ["NHS", "943 476 5919"]]],
                              header="Westshire Council", footnotes=["Seen at school"],
                              fast_saved=True),
        13: testarchives.make_tar(case, "gz"),
        14: testarchives.make_7z(case),
        15: testarchives.make_rar5(case),
        16: testarchives.make_cab(case),
        17: testarchives.make_zstd(testarchives.make_tar(case)),
        18: testarchives.make_lz4(testarchives.make_tar(case)),
        19: testarchives.make_iso(case),
        20: testdata.make_zip(case)[:300],  # a split zip's first volume: its bytes cut
    }
    if target == "attachment":
        for index, data in files.items():
            (where / f"seed-{index}").write_bytes(bytes([index]) + data)
        return
    for name, raw in testhostile.corpus().items():
        if len(raw) < 20_000:  # the big ones (10,000 parts, 2,000 deep) crawl when instrumented
            (where / f"{name}.eml").write_bytes(raw)
    for index, data in files.items():
        name, ctype = FORMATS[index]
        (where / f"seed-{name}.eml").write_bytes(make_message(
            attachments=((name, ctype, data),)))


def main() -> None:
    args = list(sys.argv)
    target = "mime"
    if "--target" in args:
        at = args.index("--target")
        target = args[at + 1]
        del args[at:at + 2]
    if target not in ("mime", "attachment"):
        raise SystemExit(f"--target {target}: mime or attachment")
    dirs = [a for a in args[1:] if not a.startswith("-")]
    if not dirs:
        dirs = [tempfile.mkdtemp(prefix=f"dlpgate-fuzz-{target}-")]
        args.append(dirs[0])
    seed(target, Path(dirs[0]))
    one = parse if target == "mime" else (lambda data: parse(attached(data)))
    atheris.Setup(args, one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
