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

import httpx2 as httpx
import yaml

from dlpgate.testing import Sink, free_port, make_message, wait_for_port
from dlpgate.testing import metric_value as sample


def start_serve(tmp_path: Path, sink: Sink, policy: dict | None = None,
                **relay: object) -> tuple[subprocess.Popen, int]:
    port = free_port()
    config = {
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "storage": {"url": f"sqlite:///{tmp_path / 'gw.db'}"},
        "relay": {"listen": f"127.0.0.1:{port}", "next_hop": sink.address, **relay},
        "scan": {"workers": 1},
        "policy": policy or {},
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
    assert len(sink.delivered) == 1
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


def test_sigint_stops_it_the_same_way_and_the_log_names_sigint(tmp_path, sink):
    # docs/operator.md: SIGTERM (and SIGINT) drain and exit 0; `stopping` said SIGTERM for both
    proc, _ = start_serve(tmp_path, sink)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(60) == 0
    events = [json.loads(line) for line in proc.stderr.read().decode().splitlines()]
    [stopping] = [e for e in events if e["event"] == "stopping"]
    assert stopping["signal"] == "SIGINT"


def test_serve_with_a_bad_config_exits_2_naming_file_line_and_key(tmp_path):
    path = tmp_path / "dlpgate.yaml"
    path.write_text("relay:\n  listen: 127.0.0.1:10025\n  next_hopp: 127.0.0.1:10026\n")
    proc = subprocess.run(
        [sys.executable, "-m", "dlpgate", "serve", "--config", str(path)],
        capture_output=True, text=True, timeout=60, env={**os.environ}, cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert f"{path}:3 relay.next_hopp: unknown key" in proc.stderr


def test_a_certificate_that_is_missing_or_unreadable_is_named_not_the_listener(tmp_path):
    # config check said ok, and serve then said "cannot listen on 127.0.0.1:10045"
    path = tmp_path / "dlpgate.yaml"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    path.write_text(f"relay:\n  listen: 127.0.0.1:{free_port()}\n"
                    f"  tls: {{cert: {cert}, key: {key}}}\n")
    # in tmp_path: with no storage.url, serve makes the default ./dlpgate.db where it runs,
    # which was the repository's root
    check = subprocess.run([sys.executable, "-m", "dlpgate", "config", "check", "--config",
                            str(path)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert check.returncode == 2 and f"relay.tls.cert: {cert} does not exist" in check.stderr
    cert.write_text("not a certificate")
    key.write_text("not a key")
    proc = subprocess.run([sys.executable, "-m", "dlpgate", "serve", "--config", str(path)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2 and f"cannot use relay.tls {cert}" in proc.stderr, proc.stderr
    assert "cannot listen" not in proc.stderr


class LogLines:
    """Reads a process's JSON log lines as they come, so a test can wait for one."""

    def __init__(self, stream) -> None:
        self.events: list[dict] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()

    def wait_for(self, name: str, after: int = 0, timeout: float = 60, nth: int = 1) -> dict:
        """The first `name` event after `after` events, or the `nth` of them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [e for e in self.events[after:] if e.get("event") == name]
                if len(found) >= nth:
                    return found[nth - 1]
                left = deadline - time.monotonic()
                assert left > 0, f"no {name} event; saw {[e.get('event') for e in self.events]}"
                self._cond.wait(left)


HOLD_BUDGET = """\
rules:
  - id: budget-held
    title: Budget papers are held
    when: {message: {matches: "\\\\bbudget\\\\b"}}
    action: hold
    explain: budget papers
"""


def send(client: smtplib.SMTP, subject: str) -> tuple[int, bytes]:
    client.mail("alice.jones@example-council.gov.uk")
    client.rcpt("bob.smith@example-council.gov.uk")
    return client.data(make_message(subject=subject, message_id=f"<{time.time_ns()}@x>"))


def test_sighup_with_a_broken_policy_keeps_the_old_one_and_the_open_session_goes_on(
        tmp_path, sink):
    policy = tmp_path / "local.yaml"
    policy.write_text(HOLD_BUDGET)
    proc, port = start_serve(tmp_path, sink, policy={"files": [str(policy)], "watch": False})
    logs = LogLines(proc.stderr)
    listening = logs.wait_for("listening")
    first = listening["policy_version"]
    from dlpgate import __version__

    assert listening["version"] == __version__  # which version is running, in its first line
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            client.ehlo()
            code, reply = send(client, "Draft budget")
            assert code == 250 and b"held" in reply.lower() and sink.delivered == []

            policy.write_text(HOLD_BUDGET.replace("action: hold", "action: hodl"))
            mark = len(logs.events)
            proc.send_signal(signal.SIGHUP)
            refused = logs.wait_for("policy_reload_refused", after=mark)
            assert refused["version"] == first
            assert any("unknown action 'hodl'" in p and "local.yaml:5:5" in p
                       for p in refused["problems"])

            code, _ = send(client, "Budget again")  # same session, old policy still in force
            assert code == 250 and sink.delivered == []
            assert send(client, "Minutes")[0] == 250 and len(sink.delivered) == 1

            policy.write_text(HOLD_BUDGET.replace("action: hold", "action: log"))
            mark = len(logs.events)
            proc.send_signal(signal.SIGHUP)
            reloaded = logs.wait_for("policy_reloaded", after=mark)
            assert reloaded["previous"] == first and reloaded["version"] != first

            assert send(client, "Budget, third time")[0] == 250
            assert len(sink.delivered) == 2
            # the fourth message's line: the third's ("Minutes") may be read after `mark`, for
            # it is written once its reply is sent
            line = logs.wait_for("message", nth=4)
            assert line["policy_version"] == reloaded["version"] and line["outcome"] == "relayed"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0


def test_sighup_says_when_the_configuration_changed_and_needs_a_restart(tmp_path, sink):
    # the only line was policy_unchanged, and an edited partner list was silently not in force
    proc, port = start_serve(tmp_path, sink)
    logs = LogLines(proc.stderr)
    logs.wait_for("listening")
    path = tmp_path / "dlpgate.yaml"
    config = yaml.safe_load(path.read_text())
    try:
        config["organisation"]["partner_domains"] = ["police.uk"]
        path.write_text(yaml.safe_dump(config))
        mark = len(logs.events)
        proc.send_signal(signal.SIGHUP)
        changed = logs.wait_for("config_not_reloaded", after=mark)
        assert changed["reason"] == "restart-needed" and changed["sections"] == ["organisation"]
        path.write_text(path.read_text() + "recipients: {weights: {new-to-organisation: 7}}\n")
        mark = len(logs.events)
        proc.send_signal(signal.SIGHUP)
        invalid = logs.wait_for("config_not_reloaded", after=mark)
        assert invalid["reason"] == "invalid" and invalid["problems"] == 1
        logs.wait_for("policy_unchanged", after=mark)  # the policy reload goes on
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0


def test_an_edited_policy_file_is_reloaded_by_the_watch(tmp_path, sink):
    policy = tmp_path / "local.yaml"
    policy.write_text(HOLD_BUDGET.replace("action: hold", "action: log"))
    proc, port = start_serve(tmp_path, sink, policy={"files": [str(policy)],
                                                     "watch_interval": 0.2})
    logs = LogLines(proc.stderr)
    logs.wait_for("listening")
    try:
        mark = len(logs.events)
        policy.write_text(HOLD_BUDGET)
        assert logs.wait_for("policy_reloaded", after=mark)["trigger"] == "file-change"
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            client.ehlo()
            assert send(client, "Budget")[0] == 250
        assert sink.delivered == []
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0


def test_serve_logs_the_audit_chains_head_and_a_break_in_it(tmp_path, sink):
    import sqlite3

    from dlpgate.store.base import AuditEntry, open_store

    port, key = free_port(), "an audit key kept out of the database"
    metrics_port = free_port()
    (tmp_path / "dlpgate.yaml").write_text(yaml.safe_dump({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "storage": {"url": f"sqlite:///{tmp_path / 'gw.db'}"},
        "relay": {"listen": f"127.0.0.1:{port}", "next_hop": sink.address},
        "scan": {"workers": 0}, "detection": {"ner": False},
        "metrics": {"listen": f"127.0.0.1:{metrics_port}"},
        "quarantine": {"expire_interval": 0.2, "audit_key": key}}))

    def chain_gauges() -> tuple[float, float]:
        text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30).text
        return (sample(text, "dlpgate_audit_chain_broken"),
                sample(text, "dlpgate_audit_chain_checked_timestamp_seconds"))

    store = open_store(f"sqlite:///{tmp_path / 'gw.db'}", key)
    store.audit(AuditEntry("cli:ann", "reveal", "m1", "child protection case", "cli"))
    proc = subprocess.Popen([sys.executable, "-m", "dlpgate", "serve", "--config",
                             str(tmp_path / "dlpgate.yaml")], stderr=subprocess.PIPE,
                            cwd=tmp_path)
    lines: list[dict] = []
    reader = threading.Thread(target=lambda: lines.extend(
        json.loads(line) for line in proc.stderr), daemon=True)
    reader.start()
    try:
        wait_for_port(port, proc)
        seq, head = store.audit_head()
        deadline = time.monotonic() + 30
        while not any(e["event"] == "audit_chain" for e in list(lines)) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        broken_gauge, checked = chain_gauges()
        assert broken_gauge == 0 and checked > time.time() - 60
        store.audit(AuditEntry("cli:ann", "reveal", "m2", "a second case", "cli"))
        db = sqlite3.connect(tmp_path / "gw.db", isolation_level=None)
        db.execute("DROP TRIGGER audit_no_update")
        db.execute("UPDATE audit SET reason = 'lunch' WHERE item_id = 'm2'")
        db.close()
        while not any(e["event"] == "audit_chain_broken" for e in list(lines)) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        # the alarm stays raised after later checks, which start past the break
        passes = len(lines)
        while len(lines) < passes + 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert chain_gauges()[0] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        reader.join(10)
        store.close()
    first = next(e for e in lines if e["event"] == "audit_chain")
    assert (first["entries"], first["head"], first["keyed"]) == (1, f"{seq}:{head}", True)
    assert first["whole"] is True  # the day's whole walk, taken by the first pass
    broken = next(e for e in lines if e["event"] == "audit_chain_broken")
    assert (broken["entry"], broken["what"], broken["level"]) == (2, "edited", "error")
    # entity-free: neither case's reason, nor the key, is in the log
    text = json.dumps(lines)
    assert "child protection" not in text and "lunch" not in text and key not in text


def test_the_chain_alert_clears_once_a_retired_keys_return_is_acknowledged(tmp_path):
    # keys rolled out one node at a time: gw2, still on the old key, wrote in between; the
    # periodic check raises the alert, and clears it once the return is acknowledged
    import asyncio
    from types import SimpleNamespace

    from dlpgate import metrics
    from dlpgate.config import Settings
    from dlpgate.ingress.server import Relay
    from dlpgate.store import chainack
    from dlpgate.store.base import AuditEntry, open_store
    from dlpgate.testing import capture_logs

    url = f"sqlite:///{tmp_path / 'gw.db'}"
    old, new = "the old audit key, thirty-two characters", "the new audit key, thirty-two chars."
    why = "gw2 logged audit_key_behind at that minute: a rollout slip"

    def write(key: str, retired: tuple[str, ...] = ()) -> None:
        s = open_store(url, key, retired)
        s.audit(AuditEntry("cli:ann", "reveal", "m1", "child protection case", "cli"))
        s.close()

    write(old)
    write(new, (old,))
    write(old)  # gw2: the chain changed back to the old key at place 4
    gw1 = open_store(url, new, (old,))
    node = SimpleNamespace(store=gw1, _chain_broke=False)

    def check() -> float:
        asyncio.run(Relay._log_audit_chain(node))
        return metrics.REGISTRY.get_sample_value("dlpgate_audit_chain_broken")

    try:
        with capture_logs(Settings(), forbidden=(why, "cli:ann", "child protection")) as logs:
            assert check() == 1
            assert chainack.acknowledge(gw1, 4, "cli:ann", why) == ""
            assert check() == 0
            write(old)  # gw2 again: a return not acknowledged raises it again
            assert check() == 1
    finally:
        gw1.close()
    said = [e for e in logs.events if e["event"].startswith("audit_chain")]
    assert [e["event"] for e in said] == ["audit_chain_broken", "audit_chain",
                                          "audit_chain_broken"]
    assert said[0]["what"] == "returned" and said[1]["acknowledged"] == [4]
    assert old not in logs.text and new not in logs.text


def test_serve_deletes_messages_decided_past_decided_days_and_logs_only_the_count(
        tmp_path, sink):
    import sqlite3

    from dlpgate import testdata
    from dlpgate.act.quarantine import reject
    from dlpgate.store.sqlite import SQLiteStore

    port = free_port()
    (tmp_path / "dlpgate.yaml").write_text(yaml.safe_dump({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "storage": {"url": f"sqlite:///{tmp_path / 'gw.db'}"},
        "relay": {"listen": f"127.0.0.1:{port}", "next_hop": sink.address},
        "scan": {"workers": 0}, "detection": {"ner": False},
        "quarantine": {"decided_days": 30, "expire_interval": 0.2}}))
    proc = subprocess.Popen([sys.executable, "-m", "dlpgate", "serve", "--config",
                             str(tmp_path / "dlpgate.yaml")], stderr=subprocess.PIPE,
                            cwd=tmp_path)
    try:
        wait_for_port(port, proc)
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            client.sendmail("alice.jones@example-council.gov.uk", ["carer@example.org"],
                            make_message(to=("carer@example.org",), attachments=(
                                ("locked.zip", "application/zip",
                                 testdata.make_encrypted_zip({"a": b"b"})),)))
        store = SQLiteStore(f"sqlite:///{tmp_path / 'gw.db'}")
        [item] = store.held()
        reject(store, item.id, "cli:ann", "wrong person", "cli")
        db = sqlite3.connect(tmp_path / "gw.db", isolation_level=None)
        db.execute("UPDATE quarantine SET created = created - 32 * 86400, "
                   "updated = updated - 31 * 86400")  # held and rejected a month ago
        db.close()
        deadline = time.monotonic() + 30
        while store.get_held(item.id) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert store.get_held(item.id) is None
        store.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    log = proc.stderr.read().decode()
    [event] = [json.loads(line) for line in log.splitlines()
               if json.loads(line)["event"] == "quarantine_purged"]
    assert (event["deleted"], event["days"]) == (1, 30)
    assert "carer" not in log and "alice.jones" not in log
