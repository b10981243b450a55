"""Soak with faults: does every message end up somewhere, exactly once?

    .venv/bin/python bench/soak.py [--messages 20000] [--connections 16] [--kills 2]

Sends N messages (allowed, held, rejected by policy, some with 1 MB attachments),
each with its own Message-ID, over many connections to a real `dlpgate serve`,
while faults are injected:

- the next hop (a sink in this process) answers some DATA with 451, some RCPT with
  451, is slow now and then, and drops some connections with 421;
- the relay is killed with SIGKILL mid-run (`--kills` times) and started again, each
  time while the next hop has a message in full and still owes its 250 (RFC 1047);
- the disk under the SQLite store fills up for a few seconds (`--disk-full` times; needs
  root, for a small tmpfs of its own), so nothing can commit;
- or, with `--postgres ADMIN_URL`, the store is a PostgreSQL database of the soak's own,
  which refuses connections and has every open one cut for a few seconds
  (`--store-outages` times);

The client behaves like an MTA: a 4xx, a dropped connection or a refused connection
means "try again later", up to `--tries` times; 2xx and 5xx are final. At the end it
reconciles, per message: every 250 is at the sink exactly once or in the quarantine
(and not both, unless the relay died while the next hop owed its 250: then the
retry is held as `interrupted-delivery` for a person to check, counted apart);
every 5xx is at neither; nothing is at the sink twice; nothing is left unanswered.
Prints the counts and the verdict, exit 1 if anything was lost or duplicated. A
short run is in the test suite (tests/test_soak.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiosmtplib
import yaml
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlpgate import testdata  # noqa: E402
from dlpgate.act.journal import INTERRUPTED_RULE  # noqa: E402
from dlpgate.testing import free_port, make_message, wait_for_port  # noqa: E402

REJECT_POLICY = """\
rules:
  - id: soak-reject
    title: Messages the soak test wants refused
    when: {message: {matches: "soak-reject-me"}}
    action: reject
    explain: refused for the soak test
"""


@dataclass
class FaultySink:
    """The next hop: records Message-IDs, and misbehaves at the given rates."""

    rng: random.Random
    data_4xx: float = 0.03
    rcpt_4xx: float = 0.01
    drop: float = 0.01
    slow: float = 0.02
    seen: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # RFC 1047's window, on demand: take the next message, then owe its 250 for a while
    owe_next: threading.Event = field(default_factory=threading.Event)
    owing: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.rng.random() < self.rcpt_4xx:
            return "451 4.3.0 Try that recipient later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        roll = self.rng.random()
        if roll < self.slow:
            await asyncio.sleep(self.rng.uniform(0.5, 2.0))
        roll = self.rng.random()
        if roll < self.data_4xx:
            return "451 4.3.0 Busy, try later"
        if roll < self.data_4xx + self.drop:
            return "421 4.3.2 Closing connection"
        mid = _message_id(envelope.original_content)
        with self.lock:
            self.seen[mid] += 1
        if self.owe_next.is_set():
            self.owe_next.clear()
            self.owing.set()
            await asyncio.sleep(3.0)  # the relay is killed meanwhile
        return "250 2.0.0 Ok"


def _message_id(raw: bytes) -> str:
    for line in raw.split(b"\r\n", 40):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    return ""


def corpus(n: int, rng: random.Random) -> list[tuple[str, str, bytes]]:
    """(kind, message id, bytes): allowed, held, rejected, large."""
    big = testdata.make_pdf("Minutes of the meeting. " * 40000)  # about 1 MB
    locked = testdata.make_encrypted_zip({"a.txt": b"x"})
    out = []
    for i in range(n):
        mid = f"<soak-{i}@dlpgate.test>"
        roll = rng.random()
        if roll < 0.70:
            kind, raw = "allow", make_message(message_id=mid, body=f"Notes {i}.\n")
        elif roll < 0.85:
            kind, raw = "hold", make_message(message_id=mid, to=("someone@example.org",),
                                            attachments=(("l.zip", "application/zip", locked),))
        elif roll < 0.95:
            kind, raw = "reject", make_message(message_id=mid, body="soak-reject-me\n")
        else:
            kind, raw = "large", make_message(message_id=mid, attachments=(
                ("minutes.pdf", "application/pdf", big),))
        out.append((kind, mid, raw))
    return out


@dataclass
class Outcome:
    code: int = 0  # the final reply: 250 or 5xx; 0 if never answered for good
    tries: int = 0
    text: str = ""


class Gateway:
    """`dlpgate serve` as a child process that can be killed and started again."""

    def __init__(self, workdir: Path, port: int, hop: int, db_dir: Path | None = None,
                 store_url: str | None = None) -> None:
        self.port = port
        self.db = (db_dir or workdir) / "soak.db"
        self.store_url = store_url or f"sqlite:///{self.db}"
        (workdir / "soak.yaml").write_text(REJECT_POLICY)
        default = ROOT / "policies" / "default.yaml"
        self.config = workdir / "dlpgate.yaml"
        self.config.write_text(yaml.safe_dump({
            "organisation": {"internal_domains": ["example-council.gov.uk"]},
            "storage": {"url": self.store_url},
            "relay": {"listen": f"127.0.0.1:{port}", "next_hop": f"127.0.0.1:{hop}",
                      "next_hop_timeout": 30, "scan_timeout": 60, "max_sessions": 200},
            "scan": {"workers": 2},
            "detection": {"ner": False},
            "notifications": {"enabled": False},
            "policy": {"files": [str(default), str(workdir / "soak.yaml")], "watch": False},
            "logging": {"level": "warning"},
        }))
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "dlpgate", "serve", "--config",
                                      str(self.config)], cwd=self.workdir,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_port(self.port, self.proc)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no drain, no flush, mid-transaction
        self.proc.wait(30)
        time.sleep(0.5)  # its scan workers exit when their pipes close

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(60)

    def held_ids(self) -> tuple[Counter[str], set[str]]:
        """Message-IDs in the quarantine, and those held because delivery was in doubt."""
        from dlpgate.store.base import open_store

        store = open_store(self.store_url)
        try:
            rows = store.held(state=None, limit=10**7, raw=False)
        finally:
            store.close()
        return (Counter(h.message_id for h in rows),
                {h.message_id for h in rows if INTERRUPTED_RULE in h.rules})


class PgOutage:
    """A PostgreSQL database of the soak's own that can be made unreachable for a while.

    Down: no new connections to it (ALLOW_CONNECTIONS false) and every open one
    terminated, which is what the relay sees when the server goes away.
    """

    def __init__(self, admin_url: str) -> None:
        import psycopg

        self.psycopg = psycopg
        self.admin_url = admin_url
        self.name = f"dlpgate_soak_{os.getpid()}"
        self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        self._admin(f"CREATE DATABASE {self.name}")
        base, _, _ = admin_url.partition("?")
        self.url = base.rsplit("/", 1)[0] + "/" + self.name

    def _admin(self, sql: str) -> None:
        with self.psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def down(self) -> None:
        self._admin(f"ALTER DATABASE {self.name} ALLOW_CONNECTIONS false")
        self._admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{self.name}'")

    def up(self) -> None:
        self._admin(f"ALTER DATABASE {self.name} ALLOW_CONNECTIONS true")

    def drop(self) -> None:
        self.up()
        self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


async def send_all(port: int, messages: list, outcomes: dict[str, Outcome], connections: int,
                   tries: int, rng: random.Random) -> None:
    queue: asyncio.Queue = asyncio.Queue()
    for m in messages:
        queue.put_nowait(m)
    pending = len(messages)

    async def connection() -> None:
        nonlocal pending
        client: aiosmtplib.SMTP | None = None
        while pending > 0:
            try:
                kind, mid, raw = queue.get_nowait()
            except asyncio.QueueEmpty:
                await asyncio.sleep(0.05)
                continue
            out = outcomes[mid]
            out.tries += 1
            final = False
            try:
                if client is None or not client.is_connected:
                    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=120,
                                             start_tls=False)
                    await client.connect()
                to = ["someone@example.org"] if kind == "hold" else [
                    "bob.smith@example-council.gov.uk"]
                _, reply = await client.sendmail("alice.jones@example-council.gov.uk", to, raw)
                out.code, out.text, final = 250, reply, True
            except aiosmtplib.SMTPResponseException as exc:
                if 500 <= exc.code < 600:
                    out.code, out.text, final = exc.code, exc.message, True
                if exc.code == 421 and client is not None:
                    client.close()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                if client is not None:
                    client.close()
                client = None
            if final or out.tries >= tries:
                pending -= 1
            else:
                await asyncio.sleep(min(5.0, 0.2 * out.tries) * rng.uniform(0.5, 1.5))
                queue.put_nowait((kind, mid, raw))
        if client is not None and client.is_connected:
            client.close()

    await asyncio.gather(*(connection() for _ in range(connections)))


class SmallDisk:
    """A tmpfs of its own for the store, which can be filled up and emptied again."""

    def __init__(self, where: Path, size_mb: int = 256) -> None:
        self.path = where
        where.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(where)],
                       check=True)

    def fill(self) -> None:
        chunk = b"\0" * (1 << 20)
        try:
            with open(self.path / "filler", "wb") as f:
                while True:
                    f.write(chunk)
                    f.flush()
        except OSError:
            pass  # ENOSPC: full

    def empty(self) -> None:
        (self.path / "filler").unlink(missing_ok=True)

    def remove(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], check=False)


def run(n: int, connections: int, kills: int, tries: int, seed: int,
        workdir: Path | None = None, disk_full: int = 0, pg_url: str | None = None,
        store_outages: int = 0) -> dict:
    """With `pg_url` (an admin URL) the store is a PostgreSQL database of its own, which
    goes away `store_outages` times for a few seconds; else SQLite, whose disk fills up
    `disk_full` times."""
    rng = random.Random(seed)
    messages = corpus(n, rng)
    outcomes = {mid: Outcome() for _, mid, _ in messages}
    kinds = {mid: kind for kind, mid, _ in messages}
    sink = FaultySink(random.Random(seed + 1))
    hop = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=hop,
                            data_size_limit=64 * 1024 * 1024)
    controller.start()
    tmp = tempfile.TemporaryDirectory() if workdir is None else None
    work = Path(tmp.name) if tmp else workdir
    disk = None
    if disk_full and os.geteuid() == 0 and shutil.which("mount"):
        disk = SmallDisk(work / "disk")
    elif disk_full:
        print("(no disk-full episodes: they need root to mount a small tmpfs)")
        disk_full = 0
    outage = PgOutage(pg_url) if pg_url else None
    if outage is None:
        store_outages = 0
    gateway = Gateway(work, free_port(), hop, disk.path if disk else None,
                      outage.url if outage else None)
    gateway.start()
    started = time.perf_counter()
    done = threading.Event()

    def killer() -> None:
        for k in range(kills):
            if done.wait(rng.uniform(2.0, 4.0) * (k + 1) / max(1, kills) + 1.0):
                return
            sink.owing.clear()
            sink.owe_next.set()  # kill while the next hop has a message and owes its 250
            sink.owing.wait(10.0)
            time.sleep(0.2)
            gateway.kill()
            time.sleep(0.5)
            gateway.start()
        episodes = ([(disk.fill, disk.empty)] * disk_full if disk else []) + (
            [(outage.down, outage.up)] * store_outages if outage else [])
        for store_goes, store_comes_back in episodes:  # the store unavailable for 3 s
            if done.wait(rng.uniform(1.0, 3.0)):
                return
            store_goes()
            done.wait(3.0)
            store_comes_back()

    chaos = threading.Thread(target=killer, daemon=True)
    chaos.start()
    try:
        asyncio.run(send_all(gateway.port, messages, outcomes, connections, tries, rng))
    finally:
        done.set()
        chaos.join(120)
        elapsed = time.perf_counter() - started
        time.sleep(1.0)
        gateway.stop()
        controller.stop()
    held, in_doubt = gateway.held_ids()
    report_doubt = len(in_doubt & outcomes.keys())
    if outage is not None:
        outage.drop()
    if disk is not None:
        disk.remove()
    if tmp:
        tmp.cleanup()

    report: Counter[str] = Counter()
    problems: list[str] = []
    for mid, out in outcomes.items():
        at_sink, in_quarantine = sink.seen[mid], held[mid]
        report[f"{kinds[mid]}:{out.code or 'unanswered'}"] += 1
        if at_sink > 1 or in_quarantine > 1:
            report["duplicated"] += 1
            problems.append(f"{mid}: {at_sink} at the sink, {in_quarantine} held")
        if out.code == 250:
            if at_sink + in_quarantine == 0:
                report["lost"] += 1
                problems.append(f"{mid}: 250 but neither delivered nor held")
            elif at_sink and in_quarantine and mid in in_doubt:
                report["held_for_a_check"] += 1  # delivered once; the retry kept, not resent
            elif at_sink and in_quarantine:
                report["both"] += 1
                problems.append(f"{mid}: delivered and held")
        elif out.code >= 500 and (at_sink or in_quarantine):
            report["refused_but_kept"] += 1
            problems.append(f"{mid}: {out.code} yet delivered or held")
        elif out.code == 0:
            report["unanswered"] += 1
        report["retries"] += out.tries - 1
    report["held_in_doubt"] = report_doubt
    return {"messages": n, "elapsed": elapsed, "counts": dict(report), "problems": problems,
            "kills": kills, "disk_full": disk_full, "store_outages": store_outages,
            "store": "postgresql" if outage else "sqlite"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--kills", type=int, default=2, help="SIGKILLs of the relay mid-run")
    ap.add_argument("--tries", type=int, default=30, help="attempts per message before giving up")
    ap.add_argument("--disk-full", type=int, default=1,
                    help="episodes of a full disk under the store (needs root)")
    ap.add_argument("--postgres", metavar="ADMIN_URL",
                    help="store on PostgreSQL: a database of its own made through this URL "
                    "(e.g. postgresql://postgres@127.0.0.1:5432/test) instead of SQLite")
    ap.add_argument("--store-outages", type=int, default=1,
                    help="with --postgres: episodes of the database refusing connections")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    result = run(args.messages, args.connections, args.kills, args.tries, args.seed,
                 disk_full=0 if args.postgres else args.disk_full, pg_url=args.postgres,
                 store_outages=args.store_outages)
    c = result["counts"]
    print(f"{result['messages']} messages over {args.connections} connections in "
          f"{result['elapsed']:.1f} s ({result['messages'] / result['elapsed']:.0f} msg/s), "
          f"store {result['store']}, relay SIGKILLed {result['kills']} times, "
          f"disk full {result['disk_full']} times, store down {result['store_outages']} times, "
          f"{c.get('retries', 0)} retries after 4xx or dropped connections")
    for key in sorted(k for k in c if ":" in k):
        print(f"  {key:<20} {c[key]}")
    bad = {k: c.get(k, 0) for k in ("lost", "duplicated", "both", "refused_but_kept",
                                    "unanswered")}
    print("  " + ", ".join(f"{k} {v}" for k, v in bad.items()))
    print(f"  held as {INTERRUPTED_RULE} (an earlier attempt's fate unknown): "
          f"{c.get('held_in_doubt', 0)}, of which the next hop had in fact received: "
          f"{c.get('held_for_a_check', 0)}")
    for p in result["problems"][:20]:
        print(f"  ! {p}")
    ok = not any(bad.values())
    print("verdict: every message accounted for, none duplicated" if ok else "verdict: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
