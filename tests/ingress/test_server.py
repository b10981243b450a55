"""`dlpgate serve` as an operator runs it: a real process, real signals."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from dlpgate.testing import Sink, free_port, make_message, wait_for_port


def start_serve(tmp_path: Path, sink: Sink, **relay: object) -> tuple[subprocess.Popen, int]:
    port = free_port()
    config = {
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "storage": {"url": f"sqlite:///{tmp_path / 'gw.db'}"},
        "relay": {"listen": f"127.0.0.1:{port}", "next_hop": sink.address, **relay},
        "scan": {"workers": 1},
    }
    path = tmp_path / "dlpgate.yaml"
    path.write_text(yaml.safe_dump(config))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlpgate", "serve", "--config", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    wait_for_port(port, proc)
    return proc, port


def test_sigterm_while_a_message_is_in_flight_loses_nothing(tmp_path, sink):
    sink.handler.data_delay = 2.0  # the next hop is slow: SIGTERM lands mid-transaction
    proc, port = start_serve(tmp_path, sink)
    outcome: dict[str, object] = {}

    def client() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as c:
            c.ehlo()
            c.mail("alice.jones@example-council.gov.uk")
            c.rcpt("bob.smith@example-council.gov.uk")
            outcome["data"] = c.data(make_message())

    t = threading.Thread(target=client)
    t.start()
    deadline = time.monotonic() + 30
    while "DATA" not in sink.handler.commands and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    t.join(60)

    assert proc.wait(60) == 0
    code, _ = outcome["data"]
    assert code == 250
    assert len(sink.received) == 1
    events = [json.loads(line) for line in proc.stderr.read().decode().splitlines()]
    [stopped] = [e for e in events if e["event"] == "stopped"]
    assert stopped["drained"] is True
    [message] = [e for e in events if e["event"] == "message"]
    assert message["outcome"] == "relayed"


def test_after_sigterm_no_new_client_is_served(tmp_path, sink):
    proc, port = start_serve(tmp_path, sink)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        refused = False
    except OSError:
        refused = True
    assert refused


def test_serve_with_a_bad_config_exits_2_naming_file_line_and_key(tmp_path):
    path = tmp_path / "dlpgate.yaml"
    path.write_text("relay:\n  listen: 127.0.0.1:10025\n  next_hopp: 127.0.0.1:10026\n")
    proc = subprocess.run(
        [sys.executable, "-m", "dlpgate", "serve", "--config", str(path)],
        capture_output=True, text=True, timeout=60, env={**os.environ},
    )
    assert proc.returncode == 2
    assert f"{path}:3 relay.next_hopp: unknown key" in proc.stderr
