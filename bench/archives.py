"""Archives read (parse/archives.py): time and memory for bombs and for a normal .7z.

    .venv/bin/python bench/archives.py [--expanded 1073741824] [--cache DIR] [--only NAME]

Each case is one attachment parsed by `parse` in a process of its own, with the default
`scan.limits`: a bomb of `--expanded` bytes of zeros as gzip, bzip2, xz, zstd, LZ4, tar.gz,
tar.zst, 7z and CAB (RAR cannot be written compressed here); a tar.gz of a million empty files
and one of a million folders; gzip inside 7z inside tar inside gzip, twelve deep; and a .7z of
about 5 MB of council-like documents (Word letters, workbooks, PDFs, CSV lists), beside the
same files as a .zip; a 7z with an entry marked as a link that holds 200 MB, its list of
files packed with LZMA as 7-Zip packs it or with PPMd as a hand-made one may be (`--only
link` runs those alone). For each: wall time, the peak of Python's allocations (tracemalloc)
and the process's peak resident memory (libarchive's and zlib's own allocations included) over
what the same process held before parsing, and the problems it gave. Built files are kept in
`--cache`, as the 1 GB bombs take a minute to make. "max RSS" is the process's peak, with what
it held before parsing in brackets: the message and the modules, loaded first."""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlpgate import testarchives, testdata  # noqa: E402

WORDS = ("referral visit family school review plan support housing council officer meeting "
         "health social care assessment outcome agreed action parent child home report date "
         "contact worker team placement education needs notes follow progress concern").split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def documents() -> dict[str, bytes]:
    """About 5 MB packed, what a team sends a partner at the end of a case: two-page letters,
    workbooks, reports, CSV lists, and photographs (random bytes behind a JPEG header: packed
    they stay their size, and without OCR they are passed over, as a photo is)."""
    rng = random.Random(7)
    files: dict[str, bytes] = {}
    for n in range(40):
        paragraphs = [_text(rng, 50) for _ in range(20)]
        files[f"Case {n % 8}/letter {n}.docx"] = testdata.make_docx(paragraphs)
    for n in range(10):
        rows = [["Name", "Date", "Status", "Notes"]] + [
            [_text(rng, 2), f"{rng.randint(1, 28):02d}/05/2026", rng.choice(("Open", "Closed")),
             _text(rng, 12)] for _ in range(500)]
        files[f"Lists/list {n}.xlsx"] = testdata.make_xlsx(rows)
    for n in range(10):
        files[f"Reports/report {n}.pdf"] = testdata.make_pdf(
            "\n".join(_text(rng, 12) for _ in range(100)))
    for n in range(6):
        files[f"Lists/export {n}.csv"] = "\n".join(
            f"{_text(rng, 2)},{rng.randint(1000, 9999)},{_text(rng, 8)}"
            for _ in range(2000)).encode()
    for n in range(10):
        files[f"Photos/visit {n}.jpg"] = b"\xff\xd8\xff\xe0\x00\x10JFIF" + rng.randbytes(450_000)
    return files


def build(cache: Path, expanded: int, only: str = "") -> dict[str, Path]:
    cache.mkdir(parents=True, exist_ok=True)
    cases: dict[str, Path] = {}

    def keep(name: str, make) -> None:  # type: ignore[no-untyped-def]
        if only not in name:
            return
        path = cache / name
        if not path.exists():
            started = time.monotonic()
            path.write_bytes(make())
            print(f"built {name}: {path.stat().st_size:,} bytes, "
                  f"{time.monotonic() - started:.1f} s", file=sys.stderr)
        cases[name] = path

    gb = f"{expanded / 2**30:g}GB"
    for kind, suffix in (("gzip", "gz"), ("bzip2", "bz2"), ("xz", "xz"), ("zstd", "zst"),
                         ("lz4", "lz4"), ("tar.gz", "tar.gz"), ("tar.zst", "tar.zst"),
                         ("7z", "7z"), ("cab", "cab")):
        keep(f"bomb-{gb}.{suffix}", lambda kind=kind: testarchives.make_bomb(kind, expanded))
    keep("million-files.tar.gz", lambda: _many(folders=False))
    keep("million-folders.tar.gz", lambda: _many(folders=True))
    keep("nested-12.gz", _nested)
    # an entry marked as a link, whose data libarchive unpacks whole to read its header
    keep("link-200MB.7z", lambda: testarchives.make_7z(
        {"before.txt": "x"}, links={"link": b"a" * (200 << 20)}))
    # the same, its list of files packed with PPMd, as only a hand-made 7z's is
    keep("link-200MB-ppmd-list.7z", lambda: testarchives.make_7z_list_packed(
        {"before.txt": "x"}, "ppmd", links={"link": b"a" * (200 << 20)}, compression="lzma2"))
    keep("documents.7z", lambda: testarchives.make_7z(documents()))
    keep("documents.zip", lambda: testdata.make_zip(documents()))
    return cases


def _many(folders: bool) -> bytes:
    import io

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT) as archive:
        for n in range(1_000_000):
            info = tarfile.TarInfo(f"d{n}" if folders else f"f{n}.txt")
            if folders:
                info.type = tarfile.DIRTYPE
            archive.addfile(info, io.BytesIO(b""))
    return buf.getvalue()


def _nested() -> bytes:
    data = b"Callum Reid 943 476 5919"
    for n in range(12):
        data = (testarchives.make_gzip, lambda d: testarchives.make_7z({"in": d}),
                lambda d: testarchives.make_tar({"in": d}))[n % 3](data)
    return data


_ONE = """
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {root!r})
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message
data = open({path!r}, "rb").read()
raw = make_message(to=("carol.jones@gmail.com",),
                   attachments=(({name!r}, "application/octet-stream", data),))
parse(make_message())  # the modules loaded, libarchive too, before counting
parse(make_message(attachments=(("a.7z", "application/octet-stream",
                                 open({small!r}, "rb").read()),)))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
started = time.perf_counter()
msg = parse(raw)
seconds = time.perf_counter() - started
peak = tracemalloc.get_traced_memory()[1]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
unpacked = None
if {name!r}.startswith("documents"):  # the unpacking alone, every file's bytes out
    import io, zipfile
    from dlpgate.parse import archivelib
    started = time.perf_counter()
    if {name!r}.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                zf.read(info)
    else:
        lib = archivelib.libarchive()
        with lib.memory_reader(data) as archive:
            for entry in archive:
                for block in entry.get_blocks(65536):
                    pass
    unpacked = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "python_peak": peak, "rss_peak": rss * 1024,
                  "rss_before": before * 1024, "parts": len(msg.parts),
                  "unpacked": unpacked, "problems": [p.detail for p in msg.problems][:3]}}))
"""


def run(name: str, path: Path, small: Path) -> dict:
    script = _ONE.format(root=str(ROOT), path=str(path), name=name, small=str(small))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=600)
    if out.returncode:
        return {"error": out.stderr[-800:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--expanded", type=int, default=1 << 30)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dlpgate-bench-archives"))
    parser.add_argument("--only", default="", help="the cases whose name holds this")
    args = parser.parse_args()
    cases = build(args.cache, args.expanded, args.only)
    small = args.cache / "small.7z"
    small.write_bytes(testarchives.make_7z({"a.txt": "x"}))
    mb = 2**20
    print(f"{'case':24} {'size':>11} {'time':>8} {'py peak':>9} {'max RSS':>14}  problems")
    for name, path in cases.items():
        got = run(name, path, small)
        if "error" in got:
            print(f"{name:24} failed: {got['error']}")
            continue
        said = "; ".join(got["problems"]) or f"none ({got['parts']} parts)"
        if got["unpacked"] is not None:
            said += f"; unpacking alone {got['unpacked']:.2f} s"
        print(f"{name:24} {path.stat().st_size:>11,} {got['seconds']:>7.2f}s "
              f"{got['python_peak'] / mb:>7.1f}MB {got['rss_peak'] / mb:>5.0f}MB "
              f"(<{got['rss_before'] / mb:.0f})  {said[:110]}")


if __name__ == "__main__":
    main()
