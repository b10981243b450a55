"""Prior correspondence: normalised addresses, CSV import and learning from real mail files."""

from __future__ import annotations

import mailbox
import re
import shlex
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from dlpgate import testhostile
from dlpgate.history import (
    CsvLayout,
    HistoryFileError,
    anchors,
    group_pairs,
    normalise,
    pairs_from_message,
    read_csv,
)
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import make_message


@pytest.mark.parametrize("raw, expected", [
    ("Jo.Bloggs+housing@Example.ORG", "jo.bloggs@example.org"),
    ("<jo@b\u00fccher.example>", "jo@xn--bcher-kva.example"),
    ("jo@example.org.", "jo@example.org"),
    # all tag and no mailbox: an SMS gateway's telephone numbers are one person each
    ("+447700900123@sms.example.com", "+447700900123@sms.example.com"),
    # IDNA 2008: ß is its own letter (faß.de and fass.de are two registrations)
    ("kontakt@fa\u00df.de", "kontakt@xn--fa-hia.de"),
    ("jo@\uff47mail.com", "jo@gmail.com"),  # full-width letters are the plain ones
    # a bounce address tag in an envelope sender is no part of who wrote
    ("prvs=0123abcd45=rhys.tanner@oakfieldlets.com", "rhys.tanner@oakfieldlets.com"),
])
def test_addresses_are_normalised_as_mail_systems_treat_them(raw, expected):
    assert normalise(raw) == expected


def test_a_small_group_is_learned_pair_by_pair_and_a_list_by_its_anchors():
    assert group_pairs(["c@x", "a@x", "b@x", "a@x"]) == [("a@x", "b@x"), ("a@x", "c@x"),
                                                          ("b@x", "c@x")]
    assert group_pairs(["a@x"]) == []
    members = [f"carer{i}@fostering.example" for i in range(40)]
    pairs = group_pairs(members)
    stand_ins = anchors(members)
    assert len(stand_ins) == 4 and anchors(reversed(members)) == stand_ins
    assert all(a < b and (a in stand_ins or b in stand_ins) for a, b in pairs)
    assert {m for p in pairs for m in p} == set(members)  # every member is tied to the list
    assert len(pairs) == 4 * 39 - 6  # each anchor with every other member, anchor pairs once
    # the same list with one member swapped keeps at least three of its four anchors
    swapped = [m for m in members if m != stand_ins[0]] + ["newcomer@fostering.example"]
    assert len(set(anchors(swapped)) & set(stand_ins)) >= 3


def test_a_sent_message_gives_from_to_every_recipient():
    raw = make_message(sender="Alice <alice@example-council.gov.uk>", to=("b@nhs.net",),
                       cc=("C@Example.org", "alice@example-council.gov.uk"))
    pairs = pairs_from_message(raw)
    assert [(p.sender, p.recipient) for p in pairs] == [
        ("alice@example-council.gov.uk", "b@nhs.net"),
        ("alice@example-council.gov.uk", "c@example.org")]
    assert pairs[0].when > 0


def test_a_csv_with_a_bad_row_names_its_line(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("sender,recipient,count,last_seen\na@x.org,b@y.org,3,2026-01-02\n"
                    "a@x.org,not-an-address,1,\n")
    with pytest.raises(HistoryFileError, match=r"h.csv:3: sender and recipient must be addresses"):
        list(read_csv(path))


def test_a_damaged_header_teaches_only_the_addresses_it_really_holds():
    raw = (b"From: a@example-council.gov.uk\r\n"
           b"To: b\xff\xfe@x.org, \x00z@x.org, ok@x.org, Ren\xc3\xa9e <ren\xc3\xa9e@x.org>\r\n"
           b"Subject: x\r\n\r\nbody\r\n")
    got = [p.recipient for p in pairs_from_message(raw)]
    # the NUL and the bytes that are not UTF-8 are no one's (and PostgreSQL would refuse
    # the whole batch); an address written in UTF-8 (RFC 6532) is read as such
    assert got == ["ok@x.org", "renée@x.org"]


def test_a_utf16_export_with_its_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "trace.csv"  # what Windows PowerShell and Excel's "Unicode text" write
    path.write_text("sender,recipient,count\nann@x.gov.uk,sarah@nhs.net,3\n", encoding="utf-16")
    [pair] = read_csv(path)
    assert (pair.sender, pair.recipient, pair.count) == ("ann@x.gov.uk", "sarah@nhs.net", 3)


def test_excels_tab_and_semicolon_separated_exports_are_read(tmp_path):
    # Excel's "Unicode Text" is UTF-16 with tabs between the cells, and Excel writes
    # semicolons where the decimal mark is a comma: both were "no column named 'sender'"
    path = tmp_path / "export.txt"
    path.write_text("sender\trecipient\tcount\r\nann@x.gov.uk\tsarah@nhs.net\t3\r\n",
                    encoding="utf-16")
    assert [(p.recipient, p.count) for p in read_csv(path)] == [("sarah@nhs.net", 3)]
    path.write_text("sender;recipient;count\nann@x.gov.uk;sarah@nhs.net;2\n")
    assert [(p.recipient, p.count) for p in read_csv(path)] == [("sarah@nhs.net", 2)]


def test_a_header_written_in_another_case_or_with_spaces_names_the_same_columns(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Sender,Recipient,Count,Last Seen\n"
                    "ann@x.gov.uk,sarah@nhs.net,4,2026-03-14T09:30:00\n")
    [pair] = read_csv(path, now=datetime(2026, 12, 1).timestamp())
    assert (pair.recipient, pair.count) == ("sarah@nhs.net", 4)
    assert pair.when == datetime(2026, 3, 14, 9, 30).timestamp()
    # two columns that fold to one name are not guessed between
    path.write_text("Sender,SENDER,recipient\nann@x.gov.uk,bob@x.gov.uk,sarah@nhs.net\n")
    with pytest.raises(HistoryFileError, match="no column named 'sender'"):
        list(read_csv(path))


def test_a_powershell_export_rows_to_oneself_and_a_repeated_address_are_read_as_meant(
        tmp_path):
    path = tmp_path / "trace.csv"  # Export-Csv without -NoTypeInformation
    path.write_text('#TYPE System.Management.Automation.PSCustomObject\n'
                    'sender,recipient,count\n'
                    'ann@x.gov.uk,"sarah@nhs.net,Sarah@NHS.net"\n'
                    'ann@x.gov.uk,ann+notes@x.gov.uk\n'
                    'ann@x.gov.uk,jo@nhs.net,0\n')
    with pytest.raises(HistoryFileError, match=re.escape("trace.csv:5: count must be")):
        list(read_csv(path))  # lines counted as the file has them, the #TYPE line too
    path.write_text(path.read_text().rsplit("\n", 2)[0] + "\n")
    assert [(p.recipient, p.count) for p in read_csv(path)] == [("sarah@nhs.net", 1)]


def test_repeating_only_for_one_column_keeps_either_value():
    layout = CsvLayout.of(only=["Status=Delivered", "Status=Expanded"])
    assert layout.only == (("Status", frozenset({"delivered", "expanded"})),)


@pytest.mark.parametrize("row, says", [
    (b"ann@x.gov.uk,ren\xe9e@nhs.net\n", "h.csv:3: not UTF-8 text (byte 0xe9)"),  # cp1252
    (b"ann@x.gov.uk," + b"x" * 200_000 + b"@nhs.net\n", "h.csv:3: not a CSV row"),
    (b'ann@x.gov.uk,"b@nhs.net\x00"\n', "h.csv:3: sender and recipient must be addresses"),
    (b"ann@x.gov.uk,Sarah Khan <sarah@nhs.net>\n", "h.csv:3: sender and recipient must be"),
    # past PostgreSQL's index limit it stopped the import with a traceback
    (b"ann@x.gov.uk," + b"x" * 1400 + b"@nhs.net\n", "h.csv:3: sender and recipient must be"),
    (b"ann@x.gov.uk,jo@nhs.net,-5\n", "h.csv:3: count must be a whole number of messages"),
    (b"ann@x.gov.uk,jo@nhs.net,3.5\n", "h.csv:3: count must be a whole number of messages"),
    (b"ann@x.gov.uk,jo@nhs.net,1,9999-12-31\n", "h.csv:3: last_seen is in the future"),
    (b"ann@x.gov.uk,jo@nhs.net,99999999999999999999\n", "h.csv:3: count must be a whole"),
])
def test_a_row_that_is_no_correspondence_is_refused_with_its_line(tmp_path, row, says):
    path = tmp_path / "h.csv"
    path.write_bytes(b"sender,recipient,count,last_seen\nann@x.gov.uk,jo@nhs.net\n" + row)
    with pytest.raises(HistoryFileError, match=re.escape(says)):
        list(read_csv(path))


@pytest.mark.parametrize("cells, says", [
    ("1,14th of March for Amy Jones", "h.csv:2: last_seen is not a date in ISO 8601"),
    ("1,943 476 5919", "h.csv:2: last_seen is not a date"),
    ("nine four three Amy,2026-01-01", "h.csv:2: count must be a whole number of messages"),
])
def test_a_bad_cell_is_named_by_its_column_and_line_never_repeated(tmp_path, cells, says):
    # the cell may hold anything an export put there: a name, an NHS number
    path = tmp_path / "h.csv"
    path.write_text(f"sender,recipient,count,last_seen\nann@x.gov.uk,jo@nhs.net,{cells}\n")
    with pytest.raises(HistoryFileError) as err:
        list(read_csv(path))
    assert says in str(err.value)
    assert not {"Amy", "943", "March", "nine"} & set(re.findall(r"\w+", str(err.value)))


def test_an_export_saved_without_its_header_is_told_so_without_its_addresses(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("sarah.khan@nhs.net,mark.patel@example-council.gov.uk,5,2026-11-01\n")
    with pytest.raises(HistoryFileError) as err:
        list(read_csv(path))
    assert "h.csv:1: no column named 'sender': this line holds addresses, so it is a row, " \
        "not a header" in str(err.value) and "sarah" not in str(err.value)


def test_an_import_with_a_bad_row_learns_nothing_so_it_can_be_run_again(tmp_path):
    (tmp_path / "dlpgate.yaml").write_text(f"storage:\n  url: sqlite:///{tmp_path / 'h.db'}\n")
    rows = "".join(f"ann@x.gov.uk,person{i}@nhs.net\n" for i in range(6000))  # past a batch
    (tmp_path / "h.csv").write_text("sender,recipient\n" + rows + "ann@x.gov.uk,nobody\n")
    proc = dlpgate("history", "import", "h.csv", cwd=tmp_path)
    assert proc.returncode == 1 and "h.csv:6002: sender and recipient" in proc.stderr
    store = SQLiteStore(f"sqlite:///{tmp_path / 'h.db'}")
    assert store.contacts("ann@x.gov.uk") == []
    store.close()


def dlpgate(*args, cwd):
    return subprocess.run([sys.executable, "-m", "dlpgate", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_import_and_learn_from_csv_eml_mbox_and_maildir(tmp_path):
    (tmp_path / "dlpgate.yaml").write_text(f"storage:\n  url: sqlite:///{tmp_path / 'h.db'}\n")
    (tmp_path / "h.csv").write_text("sender,recipient,count,last_seen\n"
                                    "alice@example-council.gov.uk,b@nhs.net,7,2026-10-01T09:00:00\n")
    (tmp_path / "one.eml").write_bytes(make_message(sender="alice@example-council.gov.uk",
                                                    to=("b@nhs.net",)))
    box = mailbox.mbox(tmp_path / "sent.mbox")
    box.add(make_message(sender="alice@example-council.gov.uk", to=("c@example.org",)))
    box.close()
    md = mailbox.Maildir(tmp_path / "Maildir")
    md.add(make_message(sender="alice@example-council.gov.uk", to=("d@example.org",)))
    md.close()

    assert dlpgate("history", "import", "h.csv", cwd=tmp_path).returncode == 0
    out = dlpgate("history", "learn", "one.eml", "sent.mbox", "Maildir", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "3 sender-recipient pairs learned" in out.stdout

    store = SQLiteStore(f"sqlite:///{tmp_path / 'h.db'}")
    known = store.correspondence("alice@example-council.gov.uk",
                                 ["b@nhs.net", "c@example.org", "d@example.org"])
    assert {k: v.count for k, v in known.items()} == {"b@nhs.net": 8, "c@example.org": 1,
                                                      "d@example.org": 1}
    store.close()


def test_learning_sent_mail_counts_who_was_copied_into_a_conversation(tmp_path):
    (tmp_path / "dlpgate.yaml").write_text(f"storage:\n  url: sqlite:///{tmp_path / 'h.db'}\n")
    quoted = ("Noted.\n\n-----Original Message-----\nFrom: Sarah Khan\nTo: Alice\n"
              "Sent: Monday\nSubject: visit\n")
    box = mailbox.mbox(tmp_path / "sent.mbox")
    for _ in range(2):
        box.add(make_message(sender="alice@example-council.gov.uk", subject="RE: visit",
                             to=("sarah.khan@nhs.net", "pa@example-council.gov.uk"),
                             body=quoted))
    box.add(make_message(sender="alice@example-council.gov.uk", to=("pa@example-council.gov.uk",)))
    for _ in range(3):  # replies with their quote deleted: who was in it is not on the page
        box.add(make_message(sender="alice@example-council.gov.uk", subject="RE: repairs",
                             to=("amy.moss@gmail.com",), body="Booked for Tuesday."))
    box.close()
    out = dlpgate("history", "learn", "sent.mbox", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    store = SQLiteStore(f"sqlite:///{tmp_path / 'h.db'}")
    got = store.correspondence("alice@example-council.gov.uk",
                               ["sarah.khan@nhs.net", "pa@example-council.gov.uk"])
    assert (got["pa@example-council.gov.uk"].count, got["pa@example-council.gov.uk"].joined) \
        == (3, 2)
    assert got["sarah.khan@nhs.net"].joined == 0  # she was in the conversation
    assert got["pa@example-council.gov.uk"].smallest == 1  # the last one was to her alone
    assert got["sarah.khan@nhs.net"].smallest == 2
    # each was counted as "copied in", and every resident answered became often-copied-in
    assert store.correspondence("alice@example-council.gov.uk", ["amy.moss@gmail.com"])[
        "amy.moss@gmail.com"].joined == 0
    store.close()


def test_a_broken_csv_exits_1_with_the_line(tmp_path):
    (tmp_path / "bad.csv").write_text("from,to\na,b\n")
    proc = dlpgate("history", "import", "bad.csv", cwd=tmp_path)
    assert proc.returncode == 1
    assert "bad.csv:1: no column named 'sender' (the header has: from, to; --columns maps " \
        "other names)" in proc.stderr


def test_inbound_mail_records_that_a_correspondent_wrote_back(tmp_path):
    (tmp_path / "dlpgate.yaml").write_text(
        f"storage:\n  url: sqlite:///{tmp_path / 'h.db'}\n"
        "organisation:\n  internal_domains: [example-council.gov.uk]\n")
    (tmp_path / "out.eml").write_bytes(make_message(sender="alice@example-council.gov.uk",
                                                    to=("b@nhs.net",)))
    (tmp_path / "in.eml").write_bytes(make_message(sender="b@nhs.net",
                                                   to=("alice@example-council.gov.uk",)))
    out = dlpgate("history", "learn", "out.eml", "in.eml", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    # said, as import says it of its rows from outside
    assert "1 message(s) from outside recorded as their senders writing in" in out.stdout
    assert "1 sender-recipient pairs learned (one for each message and recipient" in out.stdout
    store = SQLiteStore(f"sqlite:///{tmp_path / 'h.db'}")
    [known] = store.correspondence("alice@example-council.gov.uk", ["b@nhs.net"]).values()
    assert known.replied and known.count == 1
    assert store.correspondence("b@nhs.net", ["alice@example-council.gov.uk"]) == {}
    store.close()


def test_an_undated_csv_row_counts_as_seen_at_the_import(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("sender,recipient,count\na@x.org,b@y.org,12\n")
    [pair] = read_csv(path, now=5000.0)
    assert (pair.count, pair.when) == (12, 5000.0)  # not 1970: a regular, not a lapsed contact


def test_a_message_dated_years_ahead_counts_as_undated_not_as_never_expiring():
    raw = (b"From: a@example-council.gov.uk\r\nTo: b@nhs.net\r\n"
           b"Date: Thu, 31 Dec 2099 10:00:00 +0000\r\nSubject: x\r\n\r\nbody\r\n")
    [pair] = pairs_from_message(raw)
    assert pair.when == 0.0  # the loader takes it as seen when loaded


TRACE = ('"Received","SenderAddress","RecipientAddress","Subject","Status"\n'
         '"02/12/2026 09:15:02","kw@example-council.gov.uk","Sarah.Jones@nhs.net","Visit",'
         '"Delivered"\n'
         '"03/12/2026 16:40:11","kw@example-council.gov.uk","sarah.jones@nhs.net","Re: Visit",'
         '"Delivered"\n'
         '"04/12/2026 08:00:00","kw@example-council.gov.uk","carer@gmial.com","Plan","Failed"\n'
         '"04/12/2026 10:30:00","sarah.jones@nhs.net","kw@example-council.gov.uk","Re: Visit",'
         '"Delivered"\n'
         '"04/12/2026 11:00:00","","kw@example-council.gov.uk","Undeliverable","Delivered"\n')


def documented_trace_import() -> list[str]:
    """The command docs/exchange.md gives for a message trace, as an operator would paste it."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "exchange.md").read_text()
    block = text.split("### 4. History before the first day", 1)[1].split("```", 2)[1]
    words = shlex.split(block.replace("\\\n", " "))  # a line continued as in a shell
    assert words[:3] == ["dlpgate", "history", "import"], words
    return words[1:]


def test_a_message_trace_export_is_imported_through_its_own_columns(tmp_path):
    (tmp_path / "dlpgate.yaml").write_text(
        f"storage:\n  url: sqlite:///{tmp_path / 'h.db'}\n"
        "organisation:\n  internal_domains: [example-council.gov.uk]\n")
    (tmp_path / "trace.csv").write_text(TRACE, encoding="utf-8-sig")  # as Excel saves it
    proc = dlpgate(*documented_trace_import(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "trace.csv: 2 sender-recipient pairs learned" in proc.stdout
    assert "1 rows of mail from outside to us, recorded as their writing back" in proc.stdout
    store = SQLiteStore(f"sqlite:///{tmp_path / 'h.db'}")
    try:
        got = store.correspondence("kw@example-council.gov.uk",
                                   ["sarah.jones@nhs.net", "carer@gmial.com"])
        # two messages to one person, one row a message; the failed one to a typo is not mail
        assert list(got) == ["sarah.jones@nhs.net"]
        sarah = got["sarah.jones@nhs.net"]
        assert (sarah.count, sarah.replied) == (2, True)
        assert time.strftime("%Y-%m-%d %H:%M", time.localtime(sarah.last_seen)) == \
            "2026-12-03 16:40"
    finally:
        store.close()


@pytest.mark.parametrize(("args", "said"), [
    (["--columns", "sender=SenderAddress,recipient=Nope"],
     "trace.csv:1: no column named 'Nope'"),
    (["--columns", "from=SenderAddress"], "--columns: 'from=SenderAddress' is not FIELD=COLUMN"),
    (["--columns", "sender=SenderAddress,recipient=RecipientAddress,last_seen=Received"],
     "trace.csv:2: Received is not a date in ISO 8601, such as 2026-03-14"),
    (["--only", "Status"], "--only: 'Status' is not COLUMN=VALUE"),
])
def test_a_trace_export_read_with_the_wrong_columns_says_what_and_where(tmp_path, args, said):
    (tmp_path / "trace.csv").write_text(TRACE)
    proc = dlpgate("history", "import", "trace.csv", *args, cwd=tmp_path)
    assert proc.returncode in (1, 2) and said in proc.stderr, proc.stderr


def test_inbound_is_mail_from_outside_our_domains_when_we_have_some():
    from dlpgate.history import inbound

    ours = ["example-council.gov.uk"]
    assert inbound("k.reid.home@gmail.com", ours)
    assert not inbound("kw@example-council.gov.uk", ours)
    assert not inbound("kw@housing.example-council.gov.uk", ours)  # a subdomain is ours
    assert not inbound("k.reid.home@gmail.com", [])  # no domains set: every sender is ours
    assert not inbound("root", ours)  # a local account, not someone outside


def test_learn_reads_mailboxes_as_exports_and_copies_leave_them_and_counts_each_message_once(
        tmp_path):
    """Thunderbird's extensionless Sent, an mbox with a byte-order mark, a Maildir without
    its empty tmp/ and with a Maildir++ folder, upper-case .EML, and the same message filed
    in two folders: each read, each message counted once."""
    (tmp_path / "dlpgate.yaml").write_text(f"storage:\n  url: sqlite:///{tmp_path / 'h.db'}\n")
    alice = "alice@example-council.gov.uk"
    export = tmp_path / "export"
    (export / "Archive").mkdir(parents=True)
    box = mailbox.mbox(tmp_path / "Sent")
    box.add(make_message(sender=alice, to=("a@example.org",)))
    box.close()
    (export / "Sent").write_bytes((tmp_path / "Sent").read_bytes())
    box = mailbox.mbox(tmp_path / "marked.mbox")
    box.add(make_message(sender=alice, to=("b@example.org",)))
    box.close()
    (export / "marked.mbox").write_bytes(b"\xef\xbb\xbf" + (tmp_path / "marked.mbox").read_bytes())
    md = mailbox.Maildir(export / "Maildir")
    md.add(make_message(sender=alice, to=("c@example.org",)))
    md.add_folder("Sent").add(make_message(sender=alice, to=("d@example.org",)))
    md.close()
    (export / "Maildir" / "tmp").rmdir()
    twice = make_message(sender=alice, to=("e@example.org",), message_id="<once@x>")
    (export / "ONE.EML").write_bytes(twice)
    (export / "Archive" / "one-copy.eml").write_bytes(twice)
    (export / "notes.txt").write_text("not mail")

    out = dlpgate("history", "learn", "export", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "5 sender-recipient pairs learned" in out.stdout
    assert "1 further copies of messages already read" in out.stdout
    store = SQLiteStore(f"sqlite:///{tmp_path / 'h.db'}")
    try:
        got = store.correspondence(alice, [f"{x}@example.org" for x in "abcde"])
        assert {k: v.count for k, v in got.items()} == {f"{x}@example.org": 1 for x in "abcde"}
    finally:
        store.close()


def test_learn_checks_every_path_before_learning_from_any(tmp_path):
    (tmp_path / "dlpgate.yaml").write_text(f"storage:\n  url: sqlite:///{tmp_path / 'h.db'}\n")
    (tmp_path / "one.eml").write_bytes(make_message(sender="alice@example-council.gov.uk",
                                                    to=("b@example.org",)))
    out = dlpgate("history", "learn", "one.eml", "missing.mbox", cwd=tmp_path)
    assert out.returncode == 2 and "missing.mbox: no such file or directory" in out.stderr
    stats = dlpgate("history", "stats", "--json", cwd=tmp_path)
    assert '"pairs": 0' in stats.stdout and '"profile_words": 0' in stats.stdout
    (tmp_path / "empty").mkdir()
    out = dlpgate("history", "learn", "empty", cwd=tmp_path)
    assert "empty: no messages found" in out.stderr
    # a text file or an empty mbox named by mistake is not mail: said per file, and exit 1
    # (INTERFACE.md), where "0 pairs learned" and exit 0 read as success
    (tmp_path / "notes.txt").write_text("Call the school on Monday.\n")
    (tmp_path / "sent.mbox").write_bytes(b"")
    out = dlpgate("history", "learn", "notes.txt", "sent.mbox", "one.eml", cwd=tmp_path)
    assert out.returncode == 1
    assert out.stderr.count("not a mail message") == 2
    assert "notes.txt: not a mail message" in out.stderr
    assert "1 sender-recipient pairs learned" in out.stdout  # the mail among them still is


def test_learn_passes_over_drafts_without_recipients_as_mailboxes_hold_them(tmp_path):
    (tmp_path / "dlpgate.yaml").write_text(f"storage:\n  url: sqlite:///{tmp_path / 'h.db'}\n")
    (tmp_path / "draft.eml").write_bytes(
        b"From: alice@example-council.gov.uk\r\nSubject: half written\r\n\r\nTo do.\r\n")
    out = dlpgate("history", "learn", "draft.eml", cwd=tmp_path)
    assert out.returncode == 0
    assert "1 file(s) or message(s) read had no sender and recipient addresses" in out.stderr


def test_a_message_nested_past_the_recursion_limit_is_learned_from_its_header():
    # the hostile corpus's 2,000 nested parts took the whole-message parser past Python's
    # recursion limit: a traceback in `history learn`, with what it had read half learned
    [pair] = pairs_from_message(testhostile.deep_nesting())
    assert (pair.sender, pair.recipient) == ("a@example-council.gov.uk", "x@example.org")
