"""Relay throughput: dlpgate against a plain aiosmtpd passthrough relay, same run, same mail.

    .venv/bin/python bench/relay.py [--messages 2000] [--concurrency 8] [--workers 2]

Starts a sink (next hop), then in turn a passthrough relay (aiosmtpd in, a
pooled aiosmtplib connection out, no scanning) and `dlpgate serve`, each in its
own process, and pushes the same messages through each over C concurrent SMTP
connections. Prints messages/s, p50/p99 latency per message and the ratio
dlpgate/passthrough. Messages: the shared Enron sent mail where present (real
bodies), a share with DOCX/PDF attachments, else generated mail.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiosmtplib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlpgate import testdata  # noqa: E402
from dlpgate.testing import free_port, make_message  # noqa: E402
from dlpgate.testing import wait_for_port as wait_port  # noqa: E402

ENRON = ROOT.parent / "shared" / "corpora" / "enron-sent"

SINK = """
import asyncio, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
SMTP.line_length_limit = 65536
class H:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
c = Controller(H(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
sys.stdin.read()
"""

PASSTHROUGH = """
import asyncio, sys, aiosmtplib
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
SMTP.line_length_limit = 65536  # as dlpgate accepts
hop_port = int(sys.argv[2])
pool = []
class H:
    async def handle_DATA(self, server, session, envelope):
        client = pool.pop() if pool else None
        if client is None or not client.is_connected:
            client = aiosmtplib.SMTP(hostname="127.0.0.1", port=hop_port, start_tls=False)
            await client.connect()
        try:
            await client.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)
        except aiosmtplib.SMTPException:
            client.close()
            return "451 next hop failed"
        pool.append(client)
        return "250 OK"
c = Controller(H(), hostname="127.0.0.1", port=int(sys.argv[1]), data_size_limit=52428800)
c.start()
print("ready", flush=True)
sys.stdin.read()
"""


def corpus(n: int, attachments: float = 0.1) -> list[tuple[str, list[str], bytes]]:
    rng = random.Random(7)
    out = []
    files = sorted(ENRON.rglob("*.eml")) if ENRON.is_dir() else []
    docx = testdata.make_docx(["Minutes of the review meeting."] * 40)
    pdf = testdata.make_pdf("Quarterly figures\n" * 30)
    for i in range(n):
        if files:
            raw = files[i % len(files)].read_bytes()
        else:
            raw = make_message(body="Please find the notes below.\n" * 20, message_id=f"<b{i}@x>")
        if rng.random() < attachments:
            raw = make_message(body="See attached.\n", message_id=f"<a{i}@x>", attachments=(
                ("minutes.docx", "application/octet-stream", docx),
                ("figures.pdf", "application/pdf", pdf)))
        out.append(("sender@example-council.gov.uk", ["colleague@example-council.gov.uk"], raw))
    return out


async def push(port: int | list[int], messages: list,
               concurrency: int) -> tuple[float, list[float], int]:
    ports = port if isinstance(port, list) else [port]
    queue: asyncio.Queue = asyncio.Queue()
    for m in messages:
        queue.put_nowait(m)
    latencies: list[float] = []
    failures = 0

    async def connection(i: int) -> None:
        nonlocal failures
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=ports[i % len(ports)],
                                 start_tls=False, timeout=120)
        await client.connect()
        while not queue.empty():
            sender, rcpts, raw = queue.get_nowait()
            t0 = time.perf_counter()
            try:
                await client.sendmail(sender, rcpts, raw)
                latencies.append(time.perf_counter() - t0)
            except aiosmtplib.SMTPException:
                failures += 1
                if not client.is_connected:
                    await client.connect()
        await client.quit()

    start = time.perf_counter()
    await asyncio.gather(*(connection(i) for i in range(concurrency)))
    return time.perf_counter() - start, latencies, failures


def cpu_seconds(pid: int) -> float:
    """utime+stime of a process and its direct children (dlpgate's scan workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid] + [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
                    for c in (task / "children").read_text().split()]
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def report(name: str, elapsed: float, lat: list[float], failures: int, n: int) -> float:
    rate = len(lat) / elapsed
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    print(f"{name:<12} {rate:8.1f} msg/s   p50 {q[49] * 1000:7.1f} ms   "
          f"p99 {q[98] * 1000:7.1f} ms   failed {failures}/{n}")
    return rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--attachments", type=float, default=0.1,
                    help="share of messages carrying a DOCX and a PDF")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--storage", default="", help="storage.url for dlpgate (default: temp SQLite)")
    ap.add_argument("--config", default="", help="a dlpgate.yaml to use instead (listen/next_hop "
                    "are overridden)")
    ap.add_argument("--nodes", type=int, default=1, help="relay processes sharing the store "
                    "(use a postgresql:// --storage); connections are spread over them")
    args = ap.parse_args()

    messages = corpus(args.messages, args.attachments)
    size = sum(len(m[2]) for m in messages) / len(messages)
    print(f"{len(messages)} messages, mean {size / 1024:.1f} KiB, {args.concurrency} connections, "
          f"{os.cpu_count()} cores")
    sink_port, base_port = free_port(), free_port()
    gw_ports = [free_port() for _ in range(args.nodes)]
    py = sys.executable
    sink = subprocess.Popen([py, "-c", SINK, str(sink_port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_port(sink_port, sink)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = subprocess.Popen([py, "-c", PASSTHROUGH, str(base_port), str(sink_port)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        wait_port(base_port, base)
        asyncio.run(push(base_port, messages[:50], 2))  # warm up
        cpu0 = cpu_seconds(base.pid)
        elapsed, lat, failed = asyncio.run(push(base_port, messages, args.concurrency))
        results["passthrough"] = report("passthrough", elapsed, lat, failed, len(messages))
        print(f"{'':12} CPU {1000 * (cpu_seconds(base.pid) - cpu0) / len(messages):.2f} ms/msg")
        base.kill()

        import yaml

        cfg = yaml.safe_load(Path(args.config).read_text()) if args.config else {}
        cfg.setdefault("organisation", {"internal_domains": ["example-council.gov.uk"]})
        cfg.setdefault("storage", {"url": args.storage or f"sqlite:///{tmp}/bench.db"})
        gws = []
        for i, gw_port in enumerate(gw_ports):
            cfg["relay"] = {**cfg.get("relay", {}), "listen": f"127.0.0.1:{gw_port}",
                            "next_hop": f"127.0.0.1:{sink_port}"}
            cfg["scan"] = {**cfg.get("scan", {}),
                           "workers": max(1, args.workers // args.nodes)}
            cfg["logging"] = {"level": "warning"}
            path = Path(tmp) / f"dlpgate{i}.yaml"
            path.write_text(yaml.safe_dump(cfg))
            gw = subprocess.Popen([py, "-m", "dlpgate", "serve", "--config", str(path)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp)
            wait_port(gw_port, gw)
            gws.append(gw)
        asyncio.run(push(gw_ports, messages[:50], 2))
        cpu0 = sum(cpu_seconds(gw.pid) for gw in gws)
        elapsed, lat, failed = asyncio.run(push(gw_ports, messages, args.concurrency))
        name = "dlpgate" if args.nodes == 1 else f"dlpgate x{args.nodes}"
        results["dlpgate"] = report(name, elapsed, lat, failed, len(messages))
        cpu = sum(cpu_seconds(gw.pid) for gw in gws) - cpu0
        print(f"{'':12} CPU {1000 * cpu / len(messages):.2f} ms/msg "
              f"(relays and their scan workers; store {cfg['storage']['url'].split(':')[0]})")
        for gw in gws:
            gw.send_signal(signal.SIGTERM)
        for gw in gws:
            gw.wait(60)
    sink.kill()
    print(f"ratio dlpgate/passthrough: {results['dlpgate'] / results['passthrough']:.2f}")


if __name__ == "__main__":
    main()
