"""Sign-in under a flood of wrong passwords: what it costs the process the relay shares.

    .venv/bin/python bench/review_signin.py [--seconds 20] [--flood 40] [--tree PATH]

First the time of one scrypt hash at the old cost (N=2^14) and at OWASP's (N=2^17).
Then the review app is started as `serve` starts it beside the relay (uvicorn in this
process's event loop) on a SQLite store with one account, and for --seconds another
process sends wrong passwords over --flood concurrent connections, each try naming
another user from another forwarded address, so that no lockout turns them away
early. Meanwhile, and in a quiet second before for comparison, this prints:

- how late a 10 ms timer on the event loop fires (what each SMTP session waits);
- how long GET /login takes, and a sign-in from the reviewer's own browser;
- how long a fixed piece of CPU work takes in a third process (a scan worker's share);
- the app process's CPU use (cores) and its peak resident memory;
- how the flood's tries were answered.

--tree runs another checkout's dlpgate (the main branch's, for the figures before).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


def hash_times(rounds: int = 3) -> dict[int, float]:
    out = {}
    for log_n in (14, 17):
        took = []
        for _ in range(rounds):
            start = time.perf_counter()
            hashlib.scrypt(b"pw", salt=b"s" * 16, n=2**log_n, r=8, p=1, dklen=32,
                           maxmem=256 * 1024 * 1024)
            took.append(time.perf_counter() - start)
        out[log_n] = statistics.median(took)
    return out


def cpu_work() -> float:
    start = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i * i
    return time.perf_counter() - start


def worker(stop, results) -> None:
    """The scan worker stand-in: the same CPU work over and over, each timed."""
    while not stop.is_set():
        results.append((time.time(), cpu_work()))


def flood(port: int, seconds: float, concurrency: int, answered) -> None:
    import httpx

    async def one(c, n: int, until: float) -> None:
        i = n
        while time.monotonic() < until:
            i += concurrency
            address = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
            try:
                r = await c.post("/login", data={"username": f"guess{i}", "password": "x"},
                                 headers={"X-Forwarded-For": address})
                answered.append(r.status_code)
            except httpx.HTTPError:
                answered.append(0)

    async def main() -> None:
        until = time.monotonic() + seconds
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120,
                                     limits=limits) as c:
            await asyncio.gather(*(one(c, n, until) for n in range(concurrency)))

    asyncio.run(main())


def peak_memory_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


async def measure(args) -> None:
    import httpx

    from dlpgate.config import Settings
    from dlpgate.review.app import create_app
    from dlpgate.review.auth import hash_password
    from dlpgate.review.server import AppServer
    from dlpgate.store.sqlite import SQLiteStore
    from dlpgate.testing import free_port
    from dlpgate.workers import spawn

    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.db"
    store = SQLiteStore(url)
    store.save_user("ann", hash_password(PASSWORD), ("reviewer",))
    settings = Settings.model_validate({"storage": {"url": url}, "review": {
        "secure_cookies": False, "trusted_proxies": ["127.0.0.1/32"]}})
    port = free_port()
    server = AppServer(create_app(settings, store), f"127.0.0.1:{port}")
    await server.start()
    lags: list[tuple[float, float]] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            start = time.monotonic()
            await asyncio.sleep(0.01)
            lags.append((time.time(), time.monotonic() - start - 0.01))

    probes: dict[str, list[tuple[float, float]]] = {"page": [], "sign-in": []}

    async def probe(ann: httpx.AsyncClient) -> None:
        while not done.is_set():
            start = time.monotonic()
            await ann.get("/login")
            probes["page"].append((time.time(), time.monotonic() - start))
            start = time.monotonic()
            r = await ann.post("/login", data={"username": "ann", "password": PASSWORD},
                               headers={"X-Forwarded-For": "198.51.100.7"})
            probes["sign-in"].append((time.time(), time.monotonic() - start))
            if r.status_code != 303:
                print(f"  the reviewer's sign-in answered {r.status_code}")
            await asyncio.sleep(0.5)

    ctx = multiprocessing.get_context("spawn")
    manager = ctx.Manager()
    stop, cpu, answered = manager.Event(), manager.list(), manager.list()
    busy = ctx.Process(target=worker, args=(stop, cpu))
    ticking = spawn(tick(), name="tick")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as ann:
        await ann.post("/login", data={"username": "ann", "password": PASSWORD},
                       headers={"X-Forwarded-For": "198.51.100.7"})  # her browser, known
        probing = spawn(probe(ann), name="probe")
        busy.start()
        await asyncio.sleep(args.seconds / 2)  # the quiet period, to compare
        quiet_until = time.time()
        cpu_quiet = os.times()
        attack = ctx.Process(target=flood, args=(port, args.seconds, args.flood, answered))
        attack.start()
        await asyncio.to_thread(attack.join)
        flood_until = time.time()
        cpu_flood = os.times()
        done.set()
        stop.set()
        await ticking
        await probing
    busy.join()
    await server.stop()
    store.close()

    def during(rows, flooding: bool) -> list[float]:
        return [v for t, v in rows if (quiet_until < t <= flood_until) == flooding
                and (flooding or t <= quiet_until)]

    used = (cpu_flood.user + cpu_flood.system - cpu_quiet.user - cpu_quiet.system)
    print(f"flood: {args.flood} connections for {args.seconds:.0f} s")
    for name, rows, unit in (("event loop lateness", lags, 1000), ("GET /login", probes["page"],
                             1000), ("reviewer's sign-in", probes["sign-in"], 1000)):
        quiet, loud = during(rows, False), during(rows, True)
        print(f"  {name}: quiet p50 {pct(quiet, .5) * unit:.0f} ms p99 "
              f"{pct(quiet, .99) * unit:.0f} ms; flood p50 {pct(loud, .5) * unit:.0f} ms p99 "
              f"{pct(loud, .99) * unit:.0f} ms max {max(loud, default=0) * unit:.0f} ms")
    quiet, loud = during(list(cpu), False), during(list(cpu), True)
    print(f"  fixed CPU work in another process: quiet {statistics.median(quiet) * 1000:.0f} ms, "
          f"flood {statistics.median(loud) * 1000:.0f} ms" if quiet and loud else "  (no CPU)")
    print(f"  app process: {used / (flood_until - quiet_until):.2f} cores during the flood; "
          f"peak memory {peak_memory_mib():.0f} MiB")
    codes: dict[int, int] = {}
    for code in answered:
        codes[code] = codes.get(code, 0) + 1
    print(f"  the flood's tries: {sum(codes.values())}, answered "
          + ", ".join(f"{n} x {c}" for c, n in sorted(codes.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--flood", type=int, default=40, help="concurrent connections")
    parser.add_argument("--tree", default=str(ROOT), help="the checkout whose dlpgate runs")
    args = parser.parse_args()
    sys.path.insert(0, args.tree)
    os.environ["PYTHONPATH"] = args.tree + os.pathsep + os.environ.get("PYTHONPATH", "")
    for log_n, took in hash_times().items():
        print(f"scrypt N=2^{log_n}, r=8, p=1: {took * 1000:.0f} ms a hash")
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
