"""`dlpgate history show | forget | expire`, and `serve` keeping history only so long."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import Sink, make_message

from .ingress.test_server import start_serve

CSV = ("sender,recipient,count,last_seen\n"
       "kw@example-council.gov.uk,sarah.jones@nhs.net,5,{recent}\n"
       "kw@example-council.gov.uk,carer@oldmail.org,1,2022-01-10\n"
       "tl@example-council.gov.uk,sarah.jones@nhs.net,2,\n")


def dlpgate(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dlpgate", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def setup(tmp_path: Path) -> Path:
    (tmp_path / "dlpgate.yaml").write_text(f"storage:\n  url: sqlite:///{tmp_path / 'gw.db'}\n")
    recent = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 10 * 86400))
    (tmp_path / "h.csv").write_text(CSV.format(recent=recent))
    got = dlpgate("history", "import", "h.csv", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    # an import of mail older than the history is kept says so, rather than lose it quietly
    assert "1 of them last seen more than recipients.history_days (730) ago" in got.stderr
    return tmp_path / "gw.db"


def test_show_says_what_is_held_about_an_address_and_is_audited_without_it(tmp_path):
    setup(tmp_path)
    got = dlpgate("history", "show", "Sarah.Jones+case@NHS.net", "--reason", "SAR-2026-114",
                  cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    lines = got.stdout.splitlines()
    assert lines[0] == "sarah.jones@nhs.net"
    # latest first: the undated row counts as seen at the import, not in 1970
    assert lines[1].startswith(f"  from tl@example-council.gov.uk: 2 message(s), "
                               f"{time.strftime('%Y-%m-%d', time.gmtime())}")
    assert lines[2].startswith("  from kw@example-council.gov.uk: 5 message(s)")
    got = dlpgate("history", "show", "--json", "sarah.jones@nhs.net", cwd=tmp_path)
    held = json.loads(got.stdout)
    assert [w["sender"] for w in held["written_by"]] == ["tl@example-council.gov.uk",
                                                        "kw@example-council.gov.uk"]
    assert held["spellings"] == len("sarah.jones") + 1 + 2  # and its two names
    audit = dlpgate("quarantine", "audit", "--json", cwd=tmp_path).stdout
    assert "SAR-2026-114" in audit and "history-show" in audit
    assert "sarah" not in audit  # the trail records the look, not whom it was about


def test_forget_erases_an_address_and_records_the_erasure_without_it(tmp_path):
    db = setup(tmp_path)
    got = dlpgate("history", "forget", "sarah.jones@nhs.net", "--reason", "ER-7", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout.startswith("forgot 1 address(es): 2 correspondence row(s)")
    store = SQLiteStore(f"sqlite:///{db}")
    try:
        assert store.held_about("sarah.jones@nhs.net").written_by == ()
        assert store.addressed(["sarah.jones@nhs.net", "carer@oldmail.org"]) == {
            "carer@oldmail.org": 1}
        [entry] = [e for e in store.audit_log() if e.action == "history-forget"]
        assert entry.reason == "ER-7" and json.loads(entry.detail)["correspondence"] == 2
        assert "sarah" not in f"{entry}"
    finally:
        store.close()
    bad = dlpgate("history", "forget", "sarah.jones", cwd=tmp_path)
    assert bad.returncode == 2 and "argument 1 is not an address" in bad.stderr
    assert "sarah" not in bad.stderr


def test_an_address_pasted_with_its_name_or_from_a_list_is_the_one_forgotten(tmp_path):
    # an erasure must not report success on text that names no stored address
    for pasted in ("Sarah Jones <sarah.jones@nhs.net>", "sarah.jones@nhs.net;",
                   "mailto:Sarah.Jones@NHS.net", '"sarah.jones@nhs.net"',
                   '"Jones, Sarah" <sarah.jones@nhs.net>,'):
        setup(tmp_path)
        shown = json.loads(dlpgate("history", "show", "--json", pasted, cwd=tmp_path).stdout)
        assert shown["address"] == "sarah.jones@nhs.net" and len(shown["written_by"]) == 2
        got = dlpgate("history", "forget", pasted, cwd=tmp_path)
        assert got.stdout.startswith("forgot 1 address(es): 2 correspondence row(s)"), pasted
        (tmp_path / "gw.db").unlink()


def test_an_address_with_a_quoted_local_part_the_relay_learned_can_be_forgotten(tmp_path):
    # the relay learns "Sarah Khan"@nhs.net as it was given; forget refused it as no address
    from dlpgate.history import Pair, normalise

    (tmp_path / "dlpgate.yaml").write_text(f"storage:\n  url: sqlite:///{tmp_path / 'gw.db'}\n")
    store = SQLiteStore(f"sqlite:///{tmp_path / 'gw.db'}")
    store.learn([Pair("kw@example-council.gov.uk", normalise('"Sarah Khan"@nhs.net'),
                      time.time(), 3)])
    store.close()
    got = dlpgate("history", "forget", '"Sarah Khan"@nhs.net', cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout.startswith("forgot 1 address(es): 1 correspondence row(s)")


def test_expire_removes_what_is_past_history_days_and_null_keeps_all(tmp_path):
    db = setup(tmp_path)
    (tmp_path / "keep.yaml").write_text(f"storage:\n  url: sqlite:///{db}\n"
                                        "recipients:\n  history_days: null\n")
    got = dlpgate("history", "expire", "--config", "keep.yaml", cwd=tmp_path)
    assert "kept for ever" in got.stdout
    got = dlpgate("history", "expire", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout.startswith("1 sender-recipient pair(s) and 1 domain(s) not seen for 730")
    store = SQLiteStore(f"sqlite:///{db}")  # the pass on the audit trail, as counts alone
    [entry] = store.audit_log(action="retention")
    assert (entry.actor, entry.reason, entry.detail) == (
        "system:retention", "correspondence history: kept 730 days",
        "pairs 1, domains 1, words 0")
    assert store.verify_audit().intact
    store.close()
    (tmp_path / "short.yaml").write_text("recipients:\n  history_days: 30\n")
    got = dlpgate("history", "expire", "--config", "short.yaml", cwd=tmp_path)
    assert got.returncode == 2
    assert "short.yaml:2" in got.stderr and "at least recent_days (365)" in got.stderr


def test_serve_expires_old_history_and_logs_only_counts(tmp_path):
    db = setup(tmp_path)
    with Sink() as sink:
        proc, port = start_serve(tmp_path, sink)
        try:
            store = SQLiteStore(f"sqlite:///{db}")
            deadline = time.monotonic() + 60
            while store.addressed(["carer@oldmail.org"]) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert store.addressed(["carer@oldmail.org", "sarah.jones@nhs.net"]) == {
                "sarah.jones@nhs.net": 2}
            store.close()
            import smtplib

            with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
                client.sendmail("kw@example-council.gov.uk", ["sarah.jones@nhs.net"],
                                make_message(sender="kw@example-council.gov.uk",
                                             to=("sarah.jones@nhs.net",)))
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(60) == 0
        log = proc.stderr.read().decode()
    [event] = [json.loads(line) for line in log.splitlines()
               if json.loads(line)["event"] == "history_retention"]
    assert (event["pairs"], event["domains"], event["days"]) == (1, 1, 730)
    store = SQLiteStore(f"sqlite:///{db}")
    [entry] = store.audit_log(action="retention")
    assert entry.detail.startswith("pairs 1, domains 1") and "oldmail" not in entry.detail
    store.close()
    assert "oldmail" not in log and "sarah" not in log and "carer" not in log


def test_history_learn_dates_each_word_so_expiry_ages_out_old_topics(tmp_path):
    import email.utils

    (tmp_path / "dlpgate.yaml").write_text(f"storage:\n  url: sqlite:///{tmp_path / 'gw.db'}\n")
    for name, days, body in (("old", 1000, "Quarterly allotment waiting list."),
                             ("new", 3, "Tuesday visit rota.")):
        raw = make_message(sender="kw@example-council.gov.uk", to=("sarah.jones@nhs.net",),
                           subject="Notes", body=body + "\n")
        date = email.utils.formatdate(time.time() - days * 86400)
        (tmp_path / f"{name}.eml").write_bytes(
            re.sub(rb"(?m)^Date: .*$", f"Date: {date}".encode(), raw, count=1))
    assert dlpgate("history", "learn", "old.eml", "new.eml", cwd=tmp_path).returncode == 0
    got = dlpgate("history", "expire", cwd=tmp_path)
    # the pair is current; the words only the old message carried are not
    assert "0 sender-recipient pair(s)" in got.stdout and "and 4 content-profile word(s)" in \
        got.stdout, got.stdout


def test_history_learn_takes_an_out_of_office_as_its_recipient_writing_in(tmp_path):
    (tmp_path / "dlpgate.yaml").write_text(
        f"storage:\n  url: sqlite:///{tmp_path / 'gw.db'}\norganisation:\n"
        "  internal_domains: [example-council.gov.uk]\n")
    sender, resident = "kw@example-council.gov.uk", "sam.r1975@gmail.com"
    (tmp_path / "oof.eml").write_bytes(b"Auto-Submitted: auto-replied\n" + make_message(
        sender=sender, to=(resident,), subject="Automatic reply: Visit"))
    got = dlpgate("history", "learn", "oof.eml", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert "1 automatic reply (out-of-office) recorded as their recipients having written in" \
        in got.stdout
    store = SQLiteStore(f"sqlite:///{tmp_path / 'gw.db'}")
    try:
        assert [c.count for c in store.correspondence(sender, [resident]).values()] == [0]
        assert store.wrote_in([resident]) == {resident}
    finally:
        store.close()


def test_stats_says_how_much_history_is_held_and_how_old(tmp_path):
    setup(tmp_path)
    got = dlpgate("history", "stats", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout.splitlines()[0] == ("3 sender-recipient pair(s): 2 sender(s) here to 2 "
                                          "address(es) at 2 domain(s); 0 have written back")
    assert got.stdout.splitlines()[1].startswith("last messages from 2022-01-10 to ")
    assert "@" not in got.stdout  # a summary, naming no one
    stats = json.loads(dlpgate("history", "stats", "--json", cwd=tmp_path).stdout)
    assert (stats["pairs"], stats["history_days"]) == (3, 730)
