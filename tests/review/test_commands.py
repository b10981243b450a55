"""`dlpgate quarantine ...` as an operator uses it, on mail the real relay held."""

from __future__ import annotations

import json
import os
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import yaml

from dlpgate import testdata
from dlpgate.review import auth
from dlpgate.store.auditkeys import key_id
from dlpgate.store.base import AuditEntry
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import make_message


def dlpgate(*args: str, cfg: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dlpgate", *args, "--config", str(cfg)],
                          capture_output=True, text=True, timeout=300)


def hold_one(relay, settings, tmp_path: Path, name: str = "locked.zip") -> tuple[Path, bytes]:
    """Send a message the shipped policy holds (a locked zip called `name`); return a config
    for the CLI and the bytes."""
    raw = make_message(to=("someone@example.org",), attachments=(
        (name, "application/zip", testdata.make_encrypted_zip({"a": b"b"})),))
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail("alice.jones@example-council.gov.uk",
                        ["someone@example.org", "bcc.only@example.org"], raw)
    cfg = tmp_path / "cli.yaml"
    cfg.write_text(yaml.safe_dump({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "storage": {"url": settings.storage.url},
        "relay": {"next_hop": settings.relay.next_hop},
    }))
    return cfg, raw


def test_list_show_release_then_the_audit_trail(make_settings, relay_factory, sink, tmp_path):
    settings = make_settings()
    relay = relay_factory(settings)
    cfg, raw = hold_one(relay, settings, tmp_path)
    assert sink.delivered == []

    listed = dlpgate("quarantine", "list", "--json", cfg=cfg)
    assert listed.returncode == 0, listed.stderr
    [item] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert item["state"] == "held" and item["rules"] == ["unreadable-attachment-leaving"]
    assert item["to_domains"] == ["example.org"]

    shown = dlpgate("quarantine", "show", item["id"], cfg=cfg)
    assert shown.returncode == 0
    assert "locked.zip" in shown.stdout and "bcc.only@example.org" in shown.stdout
    # each recipient's signals, each with the sentence that explains it
    assert "new-to-organisation: no one here has written to example.org before" in shown.stdout
    # where each finding is (docs/operator.md), not only how many of each kind
    assert "    - ENCRYPTED_ATTACHMENT in locked.zip: password-protected ZIP" in shown.stdout

    released = dlpgate("quarantine", "release", item["id"], "--reason", "agreed with IG",
                       cfg=cfg)
    assert released.returncode == 0, released.stderr
    [got] = sink.delivered
    assert got.rcpt_tos == ["someone@example.org", "bcc.only@example.org"]
    assert got.data.startswith(b"X-DLP-Released-By: cli at ") and got.data.endswith(raw)

    twice = dlpgate("quarantine", "release", item["id"], cfg=cfg)
    assert twice.returncode == 1 and "already released" in twice.stderr
    assert len(sink.delivered) == 1

    audit = dlpgate("quarantine", "audit", "--json", "--item", item["id"], cfg=cfg)
    actions = [json.loads(line)["action"] for line in audit.stdout.splitlines()]
    assert actions == ["release", "view"]  # newest first; the refused second release is not
    reason = json.loads(audit.stdout.splitlines()[0])["reason"]
    assert reason == "agreed with IG"


def test_show_names_a_file_called_after_its_person_with_the_values_in_its_name_masked(
        make_settings, relay_factory, sink, tmp_path):
    # `show` asks no reason: "Amy Reid NHS 943 476 5919.zip: password-protected ZIP archive"
    # was printed whole in its reasons and its findings' parts and explanations
    from dlpgate.testing import capture_logs

    settings = make_settings()
    relay = relay_factory(settings)
    with capture_logs(settings, forbidden=("943 476 5919", "12-03-2015")):
        cfg, _ = hold_one(relay, settings, tmp_path,
                          name="Amy Reid NHS 943 476 5919 DOB 12-03-2015.zip")
    [item] = relay.store.held("held")
    plain = dlpgate("quarantine", "show", item.id, cfg=cfg)
    as_json = dlpgate("quarantine", "show", item.id, "--json", cfg=cfg)
    for out in (plain.stdout, as_json.stdout):
        assert "943 476 5919" not in out and "12-03-2015" not in out
    masked = "\u2022919 DOB \u2022\u2022-\u2022\u2022-\u2022015.zip"
    assert f"{masked}: password-protected" in plain.stdout
    shown = json.loads(as_json.stdout)
    [where] = [f for f in shown["findings_where"] if f["entity"] == "ENCRYPTED_ATTACHMENT"]
    assert where["part"].endswith(masked)
    assert "shown" not in where
    # the key stays in the store, for the review app to read the file's text back by
    [kept] = [f for f in item.findings if f["entity"] == "ENCRYPTED_ATTACHMENT"]
    assert kept["part"] == "Amy Reid NHS 943 476 5919 DOB 12-03-2015.zip"


def test_a_release_while_the_next_hop_is_down_keeps_it_and_says_why(
        make_settings, relay_factory, sink, tmp_path):
    settings = make_settings()
    relay = relay_factory(settings)
    cfg, _ = hold_one(relay, settings, tmp_path)
    item_id = json.loads(dlpgate("quarantine", "list", "--json", cfg=cfg).stdout)["id"]
    sink.stop()

    down = dlpgate("quarantine", "release", item_id, cfg=cfg)

    assert down.returncode == 1 and "still held" in down.stderr and "451" in down.stderr
    shown = json.loads(dlpgate("quarantine", "show", item_id, "--json", cfg=cfg).stdout)
    assert shown["state"] == "held" and "451" in shown["last_error"]
    sink.start()
    assert dlpgate("quarantine", "release", item_id, cfg=cfg).returncode == 0
    assert len(sink.delivered) == 1


def test_reject_and_an_unknown_id(make_settings, relay_factory, sink, tmp_path):
    settings = make_settings()
    relay = relay_factory(settings)
    cfg, _ = hold_one(relay, settings, tmp_path)
    item_id = json.loads(dlpgate("quarantine", "list", "--json", cfg=cfg).stdout)["id"]
    assert dlpgate("quarantine", "reject", item_id, "--reason", "wrong person",
                   cfg=cfg).returncode == 0
    assert dlpgate("quarantine", "list", "--json", cfg=cfg).stdout == ""
    rejected = dlpgate("quarantine", "list", "--json", "--state", "rejected", cfg=cfg)
    assert json.loads(rejected.stdout)["decided_by"].startswith("cli:")
    missing = dlpgate("quarantine", "show", "nope", cfg=cfg)
    assert missing.returncode == 1 and "no held message nope" in missing.stderr


def test_accounts_are_added_with_the_mailboxes_they_send_from_and_changed_audited(tmp_path):
    cfg = tmp_path / "users.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": f"sqlite:///{tmp_path / 'u.db'}"}}))

    def users(*args: str, password: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dlpgate", "users", *args, "--config",
                               str(cfg)], input=password, capture_output=True, text=True,
                              timeout=300)

    added = users("add", "sam", "--mailbox", "Sam Ray <Sam.Ray@example-council.gov.uk>;",
                  "--mailbox", "mailto:fostering@example-council.gov.uk",
                  password="correct horse battery\n")  # as pasted from Outlook
    assert added.returncode == 0, added.stderr
    store = SQLiteStore(f"sqlite:///{tmp_path / 'u.db'}")
    assert store.get_user("sam").password_hash.startswith("scrypt$131072$8$1$")  # OWASP's cost
    store.close()
    assert users("list").stdout.splitlines() == [
        "sam\treviewer\tactive\tsam.ray@example-council.gov.uk,fostering@example-council.gov.uk"]
    for wrong in ("sam.ray", "sam.ray@example-council", "a b@example-council.gov.uk"):
        refused = users("mailboxes", "sam", wrong)  # an entry that could never match
        assert refused.returncode == 2 and f"not a mail address: {wrong!r}" in refused.stderr
    bare = users("add", "kim", password="correct horse battery\n")
    assert "kim has no mailbox, so a message they sent is not known as theirs" in bare.stderr
    assert users("mailboxes", "sam", "s.ray@example-council.gov.uk").returncode == 0
    assert users("disable", "sam").returncode == 0  # a change of state keeps the mailboxes
    assert users("list").stdout.splitlines() == [
        "kim\treviewer\tactive\t-", "sam\treviewer\tdisabled\ts.ray@example-council.gov.uk"]
    assert users("mailboxes", "sam").stdout.strip() == "sam sends from: no mailbox"
    audit = subprocess.run([sys.executable, "-m", "dlpgate", "quarantine", "audit", "--json",
                            "--config", str(cfg)], capture_output=True, text=True, timeout=300)
    actions = [json.loads(line)["action"] for line in audit.stdout.splitlines()]
    assert actions == ["user-mailboxes", "user-disable", "user-mailboxes", "user-add", "user-add"]


def test_users_list_names_active_accounts_still_hashed_at_the_older_cost(tmp_path):
    # an account nobody signs in to keeps the hash made before the cost was raised: the
    # administrator sees which, to ask for a new password, without the columns changing
    from tests.review.test_auth import old_hash

    cfg = tmp_path / "users.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": f"sqlite:///{tmp_path / 'u.db'}"}}))
    store = SQLiteStore(f"sqlite:///{tmp_path / 'u.db'}")
    store.save_user("old.ann", old_hash("correct horse battery"), ("reviewer",))
    store.save_user("gone.bob", old_hash("correct horse battery"), ("reviewer",), disabled=True)
    store.save_user("new.kim", auth.hash_password("correct horse battery"), ("reviewer",))
    store.close()

    listed = subprocess.run([sys.executable, "-m", "dlpgate", "users", "list", "--config",
                             str(cfg)], capture_output=True, text=True, timeout=300)

    assert listed.returncode == 0
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [
        "gone.bob", "new.kim", "old.ann"]
    assert "1 active account(s) still have a password hash at an older, cheaper cost" in \
        listed.stderr
    assert listed.stderr.rstrip().endswith(": old.ann")


def test_the_audit_trail_from_a_shell_counts_in_the_refusals_held_back(tmp_path):
    # refusals past the first few are held back for a summary; the trail read from a shell
    # was short of them until a summary was written by some other look
    store = SQLiteStore(f"sqlite:///{tmp_path / 'a.db'}")
    for i in range(8):
        store.audit_some(AuditEntry("web:(no such user)", "sign-in-refused", via="web",
                                    detail=f"203.0.113.{i}"), "203.0.113.0/24", 5, 100, 900)
    store.close()
    cfg = tmp_path / "a.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": f"sqlite:///{tmp_path / 'a.db'}"}}))
    audit = dlpgate("quarantine", "audit", "--json", cfg=cfg)
    entries = [json.loads(line) for line in audit.stdout.splitlines()]
    assert [e["reason"] for e in entries[:1]] == ["3 more, not recorded one by one"]
    assert entries[0]["detail"].startswith("203.0.113.0/24; 3 between ") and len(entries) == 6


def test_show_says_what_the_scan_left_unread(make_settings, relay_factory, sink, tmp_path,
                                             ocr_installed):
    settings = make_settings(scan={"workers": 0, "ocr": {"max_pages": 2}})
    relay = relay_factory(settings)
    logos = [testdata.banner_of(f"Partner {n} Trust", 160, 60, scale=1) for n in range(3)]
    raw = make_message(to=("someone@gmail.com",), body="Amy Reid, NHS number 943 476 5919.",
                       pasted=tuple((f"image00{n}.png", "image/png", logo)
                                    for n, logo in enumerate(logos)))
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail("alice.jones@example-council.gov.uk", ["someone@gmail.com"], raw)
    assert sink.delivered == []
    cfg = tmp_path / "cli.yaml"
    cfg.write_text(yaml.safe_dump({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "storage": {"url": settings.storage.url}, "scan": {"ocr": {"max_pages": 2}}}))
    [item] = relay.store.held("awaiting-sender")  # confirm: the sender is asked
    note = ("2 small picture(s) not read (logos, or crops of a screen under "
            "scan.ocr.min_pixels): half the message's OCR is kept for larger ones, or OCR "
            "could not read them")
    plain = dlpgate("quarantine", "show", item.id, cfg=cfg)
    assert f"  not read (nothing found there is no evidence of nothing there):\n    - {note}" \
        in plain.stdout
    assert "943 476 5919" not in plain.stdout
    assert json.loads(dlpgate("quarantine", "show", item.id, "--json", cfg=cfg).stdout)[
        "unread"] == [note]


def test_text_from_a_sender_prints_as_one_line_with_its_control_characters_escaped(
        make_settings, relay_factory, sink, tmp_path):
    # a sender's false-alarm link takes any text: its newline printed a line of its own, read
    # as another entry (a reveal by someone who never made one), and its escape sequence
    # reached the auditor's terminal (here, erasing the line it was on)
    from dlpgate.store.base import AuditEntry
    from dlpgate.store.sqlite import SQLiteStore

    settings = make_settings()
    cfg, _ = hold_one(relay_factory(settings), settings, tmp_path)
    [item] = [json.loads(line) for line in
              dlpgate("quarantine", "list", "--json", cfg=cfg).stdout.splitlines()]
    forged = "fine\n2026-01-05 09:00:00 GMT web:ann reveal checking\x1b[2K\r"
    store = SQLiteStore(settings.storage.url)
    store.audit(AuditEntry("sender:alice.jones@example-council.gov.uk", "false-alarm",
                           item["id"], reason=forged, via="link"))
    store.close()

    audit = dlpgate("quarantine", "audit", "--item", item["id"], cfg=cfg)
    shown = dlpgate("quarantine", "show", item["id"], cfg=cfg)
    [line] = [t for t in audit.stdout.splitlines() if "false-alarm" in t]
    assert line.endswith("false-alarm " + item["id"] + r" fine\n2026-01-05 09:00:00 GMT "
                         r"web:ann reveal checking\x1b[2K\r")
    assert len(audit.stdout.splitlines()) == 1
    for out in (audit.stdout, shown.stdout):
        assert "\x1b" not in out and "\r" not in out
        assert not any(t.startswith("2026-01-05") for t in out.splitlines())


def test_list_keeps_its_columns_under_their_headings_for_every_state(tmp_path):
    # "awaiting-sender" is longer than the state column was wide: the rest of its row slid
    # out from under the headings
    from dlpgate.store.base import HeldMessage
    from dlpgate.store.sqlite import SQLiteStore

    url = f"sqlite:///{tmp_path / 'q.db'}"
    store = SQLiteStore(url)
    for n, (state, action) in enumerate((("held", "hold"), ("awaiting-sender", "confirm"))):
        store.hold(HeldMessage(
            id=f"1a2b3c4d5e6f7a8b9c0d{n}", created=time.time() - 60, state=state,
            mail_from="alice.jones@example-council.gov.uk", rcpt_tos=("x@example.org",),
            message_id=f"<{n}@x>", size=10, verdict="hold", rules=("some-rule",), reasons=(),
            findings=(), recipients=(), raw=b"Subject: x\r\n\r\nx\r\n", action=action))
    store.close()
    cfg = tmp_path / "cli.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": url}}))

    out = dlpgate("quarantine", "list", cfg=cfg)

    assert out.returncode == 0, out.stderr
    heading, *rows, total = out.stdout.splitlines()
    assert len(rows) == 2 and total == "2 message(s)"
    held, waiting = rows
    # a sender past the column is cut with an ellipsis, not into another address's likeness
    assert "alice.jones@example-council.gov\u2026 " in held
    for column, word in (("action", "hold "), ("from", "alice.jones"), ("rules", "some-rule")):
        assert held.index(word) == heading.index(column), out.stdout
    for column, word in (("action", "confirm"), ("from", "alice.jones"), ("rules", "some-rule")):
        assert waiting.index(word) == heading.index(column), out.stdout


def one_held(tmp_path: Path, item_id: str, recipients: tuple[dict, ...] = ()
             ) -> tuple[SQLiteStore, Path]:
    """A store holding one message, `item_id`, and a config for the CLI that reads it."""
    from dlpgate.store.base import HeldMessage

    url = f"sqlite:///{tmp_path / 'q.db'}"
    store = SQLiteStore(url)
    store.hold(HeldMessage(
        id=item_id, created=time.time() - 60, state="held",
        mail_from="alice.jones@example-council.gov.uk", rcpt_tos=("x@example.org",),
        message_id="<1@x>", size=10, verdict="hold", rules=("some-rule",), reasons=(),
        findings=(), recipients=recipients, raw=b"Subject: x\r\n\r\nx\r\n"))
    cfg = tmp_path / "cli.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": url}}))
    return store, cfg


def test_show_marks_what_speaks_for_a_recipient(tmp_path):
    _, cfg = one_held(tmp_path, "1a2b3c4d5e6f7a8b9c0d3", recipients=({
        "address": "x@example.org", "risk": 0.4, "signals": ["new-to-sender", "greeted"],
        "explanations": ["you have not written to x@example.org before",
                         "the message opens by greeting X, who could be x@example.org"]},))
    shown = dlpgate("quarantine", "show", "1a2b3c4d5e6f7a8b9c0d3", cfg=cfg).stdout
    assert "      new-to-sender: you have not written to x@example.org before" in shown
    assert "      greeted (in its favour): the message opens by greeting X" in shown


def test_a_note_from_a_shell_is_on_the_trail_in_the_operators_name_and_decides_nothing(
        tmp_path):
    store, cfg = one_held(tmp_path, "1a2b3c4d5e6f7a8b9c0d1")
    added = dlpgate("quarantine", "note", "1a2b3c4d5e6f7a8b9c0d1", "Sender phoned:\n  it can go "
                    "once her manager agrees.", cfg=cfg)
    assert (added.returncode, added.stdout) == (0, "1a2b3c4d5e6f7a8b9c0d1: note added\n")
    [note] = store.audit_log(action="note")
    assert note.actor.startswith("cli:") and note.via == "cli"
    assert note.reason == "Sender phoned: it can go once her manager agrees."
    assert store.get_held("1a2b3c4d5e6f7a8b9c0d1").state == "held"
    assert dlpgate("quarantine", "note", "nope", "x", cfg=cfg).returncode == 1
    assert dlpgate("quarantine", "note", "1a2b3c4d5e6f7a8b9c0d1", " ", cfg=cfg).returncode == 2
    assert len(store.audit_log(action="note")) == 1
    store.close()


def test_a_reason_and_a_note_typed_in_a_terminal_not_in_utf8_are_kept_as_typed(tmp_path):
    # "café" from a Windows-1252 terminal: Python keeps the lone byte as a surrogate, which
    # no store can write, and the note failed with a store error
    store, cfg = one_held(tmp_path, "1a2b3c4d5e6f7a8b9c0d2")
    base = [sys.executable.encode(), b"-m", b"dlpgate", b"quarantine"]
    for args in ([b"note", b"1a2b3c4d5e6f7a8b9c0d2", b"Phoned the caf\xe9"],
                 [b"reject", b"1a2b3c4d5e6f7a8b9c0d2", b"--reason", b"caf\xe9 \x96 wrong"]):
        done = subprocess.run([*base, *args, b"--config", str(cfg).encode()],
                              capture_output=True, timeout=300, env={**os.environ,
                                                                     "LC_ALL": "C.UTF-8"})
        assert done.returncode == 0, done.stderr
    [note] = store.audit_log(action="note")
    [reject] = store.audit_log(action="reject")
    assert note.reason == "Phoned the caf\u00e9" and reject.reason == "caf\u00e9 \u2013 wrong"
    store.close()


def test_a_reject_that_tells_its_sender_logs_a_json_line_on_stderr_not_among_its_output(
        make_settings, relay_factory, sink, tmp_path):
    # the CLI left logging unconfigured: "2026-12-07 00:39:05 [info] notice_sent ..." came out
    # on stdout, in structlog's console format and past the masking, before the result line
    settings = make_settings()
    relay = relay_factory(settings)
    cfg, _ = hold_one(relay, settings, tmp_path)
    item_id = json.loads(dlpgate("quarantine", "list", "--json", cfg=cfg).stdout)["id"]

    rejected = dlpgate("quarantine", "reject", item_id, "--reason", "wrong person", cfg=cfg)

    assert rejected.returncode == 0, rejected.stderr
    assert rejected.stdout == f"{item_id}: rejected: it will not be sent\n"
    [logged] = [json.loads(line) for line in rejected.stderr.splitlines()]
    assert logged["event"] == "notice_sent" and logged["to"] == "sender"
    told = [n for n in sink.notices if b"Subject: Not sent: " in n.data]
    assert [n.rcpt_tos for n in told] == [["alice.jones@example-council.gov.uk"]]


def test_purge_deletes_what_was_decided_longer_ago_than_decided_days_and_says_how_many(
        make_settings, relay_factory, sink, tmp_path):
    import sqlite3

    settings = make_settings()
    relay = relay_factory(settings)
    cfg, _ = hold_one(relay, settings, tmp_path)
    item_id = json.loads(dlpgate("quarantine", "list", "--json", cfg=cfg).stdout)["id"]
    assert dlpgate("quarantine", "reject", item_id, "--reason", "wrong person",
                   cfg=cfg).returncode == 0
    assert dlpgate("quarantine", "purge", cfg=cfg).stdout.startswith("0 message(s)")
    db = sqlite3.connect(settings.storage.url.removeprefix("sqlite:///"), isolation_level=None)
    db.execute("UPDATE quarantine SET created = created - 91 * 86400, "
               "updated = updated - 91 * 86400")  # rejected three months ago
    db.close()

    purged = dlpgate("quarantine", "purge", cfg=cfg)

    assert purged.returncode == 0, purged.stderr
    assert purged.stdout == ("1 message(s) released, rejected or expired more than 90 days "
                             "ago deleted (their audit trail stays)\n")
    assert dlpgate("quarantine", "show", item_id, cfg=cfg).returncode == 1
    audit = dlpgate("quarantine", "audit", "--json", "--item", item_id, cfg=cfg)
    [newest, *_] = [json.loads(line) for line in audit.stdout.splitlines()]
    assert (newest["action"], newest["actor"]) == ("purge", "system:retention")



def test_audit_verify_says_intact_or_names_the_first_broken_entry(tmp_path):
    import sqlite3

    db = tmp_path / "dlpgate.db"
    cfg = tmp_path / "cli.yaml"
    key = "k" * 32
    cfg.write_text(yaml.safe_dump({"storage": {"url": f"sqlite:///{db}"},
                                   "quarantine": {"audit_key": key}}))
    store = SQLiteStore(f"sqlite:///{db}")
    store.audit_key = key.encode()
    for i in range(3):
        store.audit(AuditEntry("web:ann", "reveal", f"m{i}", "case", "web", at=1_700_000_000 + i))
    seq, head = store.audit_head()
    store.close()
    listed = dlpgate("quarantine", "audit", cfg=cfg)  # the listing is as it was
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 3
    assert "hmac" not in listed.stdout

    ok = dlpgate("quarantine", "audit", "--verify", cfg=cfg)
    assert (ok.returncode, ok.stdout) == (0, f"3 entries, chain intact, head 3:{head} "
                                             f"(keyed from place 1 with key "
                                             f"{key_id(key.encode())})\n")
    logged = dlpgate("quarantine", "audit", "--verify", "--head", f"{seq}:{head}", cfg=cfg)
    assert logged.returncode == 0
    as_json = json.loads(dlpgate("quarantine", "audit", "--verify", "--json", cfg=cfg).stdout)
    assert as_json["intact"] is True and as_json["entries"] == 3 and as_json["head"] == head

    attacker = sqlite3.connect(db, isolation_level=None)
    attacker.execute("DROP TRIGGER audit_no_update")
    attacker.execute("UPDATE audit SET reason = 'curious' WHERE id = 2")
    broken = dlpgate("quarantine", "audit", "--verify", cfg=cfg)
    assert broken.returncode == 1
    assert broken.stdout == ("chain broken at entry 2 (2023-11-14 22:13:21Z): edited: its "
                             "fields no longer match its hash\n")
    as_json = json.loads(dlpgate("quarantine", "audit", "--verify", "--json", cfg=cfg).stdout)
    assert as_json["broken"] == {"id": 2, "at": 1_700_000_001.0, "what": "edited",
                                 "why": "its fields no longer match its hash"}
    # a keyed trail checked without the key cannot be said to be intact
    cfg.write_text(yaml.safe_dump({"storage": {"url": f"sqlite:///{db}"}}))
    unkeyed = dlpgate("quarantine", "audit", "--verify", cfg=cfg)
    assert unkeyed.returncode == 2 and "3 of them signed with a key not given" in unkeyed.stdout
    bad = dlpgate("quarantine", "audit", "--verify", "--head", "3:abc", cfg=cfg)
    assert bad.returncode == 2 and "not a head as logged" in bad.stderr


def test_audit_verify_across_a_key_rotation_names_each_key_and_one_not_given(tmp_path):
    db = tmp_path / "dlpgate.db"
    cfg = tmp_path / "cli.yaml"
    old, new = "o" * 32, "n" * 32

    def configure(key: str, retired: list[str]) -> None:
        cfg.write_text(yaml.safe_dump({"storage": {"url": f"sqlite:///{db}"}, "quarantine": {
            "audit_key": key, "audit_keys_retired": retired}}))

    configure(old, [])
    assert dlpgate("quarantine", "list", cfg=cfg).returncode == 0  # audited: keyed by old
    configure(new, [old])  # rotated, as docs/operator.md says
    assert dlpgate("quarantine", "list", cfg=cfg).returncode == 0  # the change, then a list
    both = dlpgate("quarantine", "audit", "--verify", cfg=cfg)
    assert both.returncode == 0, both.stdout
    assert both.stdout.endswith(f"(keyed from place 1 with key {key_id(old.encode())}, from "
                                f"place 2 with key {key_id(new.encode())})\n")
    listed = dlpgate("quarantine", "audit", "--json", cfg=cfg).stdout.splitlines()
    changed = [json.loads(line) for line in listed if "audit-key-changed" in line]
    [(actor, detail)] = [(c["actor"], c["detail"]) for c in changed]
    assert actor == "system:audit-chain" and detail.startswith(  # vouched: old was retired
        f"from key {key_id(old.encode())} to key {key_id(new.encode())}; vouched for by key "
        f"{key_id(old.encode())}: ")
    configure(new, [])  # the old key no longer given: not tampering, but not checked either
    missing = dlpgate("quarantine", "audit", "--verify", "--json", cfg=cfg)
    found = json.loads(missing.stdout)
    assert missing.returncode == 2 and "broken" not in found
    assert (found["intact"], found["unchecked"], found["keys_not_given"]) == (
        False, 1, [key_id(old.encode())])
    assert (f"signed with a key not given (id {key_id(old.encode())} from place 1)"
            in found["summary"])
    assert old not in missing.stdout and new not in missing.stdout


def test_show_says_what_held_it_apart_from_what_asked_for_less_one_line_for_many_carers(
        make_settings, relay_factory, sink, tmp_path):
    # as the message's page says them: six carers made six lines of each reason (in Bcc:
    # in To they are bulk exposure too, a reason of the whole message)
    settings = make_settings()
    relay = relay_factory(settings)
    carers = [f"carer{i}@gmail.com" for i in range(6)]
    raw = make_message(to=("alice.jones@example-council.gov.uk",),
                       body="NHS number 943 476 5919: epilepsy.\n")
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail("alice.jones@example-council.gov.uk", carers, raw)
    cfg = tmp_path / "cli.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": settings.storage.url}}))
    [item] = [json.loads(line) for line in dlpgate(
        "quarantine", "list", "--json", cfg=cfg).stdout.splitlines()]
    shown = dlpgate("quarantine", "show", item["id"], cfg=cfg).stdout
    why, rest = shown.split("\n  why:\n")[1].split("\n  also matched, asking for less than "
                                                   "hold:\n")
    assert why.startswith("    - carer0@gmail.com, carer1@gmail.com, carer2@gmail.com and 3 "
                          "more recipients: special-category data")
    assert "confirm" not in why and "carer3@gmail.com:" not in shown
    assert "    - carer0@gmail.com, carer1@gmail.com, carer2@gmail.com and 3 more recipients: " \
           "identifiers of" in rest.split("\n  recipients:")[0]
