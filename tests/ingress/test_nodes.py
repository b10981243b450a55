"""Two relay nodes, one PostgreSQL: a hold on A released from B's review app exactly once,
even when reviewers on both nodes click at the same moment; history learned on A used on B."""

from __future__ import annotations

import json
import re
import signal
import smtplib
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2 as httpx
import yaml

from dlpgate.testing import free_port, make_message, wait_for_port

PASSWORD = "correct horse battery"


def node(tmp_path: Path, name: str, pg_url: str, sink_address: str) -> dict:
    smtp, web = free_port(), free_port()
    cfg = tmp_path / f"{name}.yaml"
    cfg.write_text(yaml.safe_dump({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "storage": {"url": pg_url},
        "relay": {"listen": f"127.0.0.1:{smtp}", "next_hop": sink_address},
        "scan": {"workers": 1},
        "detection": {"ner": False},
        "review": {"enabled": True, "listen": f"127.0.0.1:{web}", "secure_cookies": False},
        "notifications": {"enabled": False},
    }))
    return {"cfg": cfg, "smtp": smtp, "web": f"http://127.0.0.1:{web}"}


def start(n: dict, tmp_path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "dlpgate", "serve", "--config", str(n["cfg"])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    wait_for_port(n["smtp"], proc)
    wait_for_port(int(n["web"].rsplit(":", 1)[1]), proc)
    return proc


def signed_in(base: str, name: str) -> tuple[httpx.Client, str]:
    web = httpx.Client(base_url=base, timeout=30)
    r = web.post("/login", data={"username": name, "password": PASSWORD, "next": "/"})
    assert r.status_code == 303, r.text
    return web, ""


def csrf_of(web: httpx.Client, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', web.get(path).text).group(1)


def test_two_nodes_share_the_quarantine_and_the_history(pg_url, sink, tmp_path):
    a, b = (node(tmp_path, n, pg_url, sink.address) for n in ("a", "b"))
    procs = [start(a, tmp_path), start(b, tmp_path)]
    try:
        for name in ("ann", "bob"):
            added = subprocess.run(
                [sys.executable, "-m", "dlpgate", "users", "add", name, "--config",
                 str(a["cfg"])], input=PASSWORD + "\n", capture_output=True, text=True)
            assert added.returncode == 0, added.stderr

        raw = make_message(to=("carer@gmail.com",),
                           body="NHS 943 476 5919: she was diagnosed with epilepsy.\n")
        with smtplib.SMTP("127.0.0.1", a["smtp"], timeout=60) as client:
            client.sendmail("ot@example-council.gov.uk", ["carer@gmail.com"], raw)
        assert sink.delivered == []

        on_a, _ = signed_in(a["web"], "ann")
        on_b, _ = signed_in(b["web"], "bob")
        item_id = re.search(r'href="/m/([0-9a-f]+)"', on_b.get("/").text).group(1)
        tokens = {"a": csrf_of(on_a, f"/m/{item_id}"), "b": csrf_of(on_b, f"/m/{item_id}")}
        answers: dict[str, int] = {}
        go = threading.Barrier(2)

        def click(who: str, web: httpx.Client) -> None:
            go.wait()
            r = web.post(f"/m/{item_id}/release", data={"csrf": tokens[who], "comment": "ok"})
            answers[who] = r.status_code

        threads = [threading.Thread(target=click, args=(w, c)) for w, c in
                   (("a", on_a), ("b", on_b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(answers.values()) == [200, 409]
        assert len(sink.delivered) == 1 and sink.delivered[0].data.endswith(raw)

        for _ in range(3):  # history: A relays to a new supplier three times...
            with smtplib.SMTP("127.0.0.1", a["smtp"], timeout=60) as client:
                client.sendmail("ann@example-council.gov.uk", ["orders@supplier.co.uk"],
                                make_message(sender="ann@example-council.gov.uk",
                                             to=("orders@supplier.co.uk",), body="Thanks.\n"))
        time.sleep(1.0)  # the history batcher writes every 0.1 s
        (tmp_path / "next.eml").write_bytes(make_message(
            sender="ann@example-council.gov.uk", to=("orders@supplier.co.uk",)))
        scan = subprocess.run([sys.executable, "-m", "dlpgate", "scan", "--json", "--config",
                               str(b["cfg"]), str(tmp_path / "next.eml")],
                              capture_output=True, text=True, timeout=300)
        [line] = scan.stdout.splitlines()
        signals = json.loads(line)["recipients"][0]["signals"]
        assert "known-correspondent" in signals  # ...and B knows it
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            assert p.wait(60) == 0
