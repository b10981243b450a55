"""A message held unread, opened for a reviewer in a real process of its own: its headers, its
parts and its body's text, never its files; what cannot be opened said in a sentence."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

from dlpgate.review.unread import (
    BUSY,
    FAILED,
    OUT_OF_MEMORY,
    OUT_OF_TIME,
    TEXT_ROOM,
    Opened,
    Opener,
    Part,
    open_held,
    read,
)
from dlpgate.testing import make_message

GIB = 1024**3
PDF = b"%PDF-1.4 Amelia Reid 943 476 5919 " + b"x" * 2014  # 2,048 octets


def letter(**kwargs) -> bytes:
    return make_message(to=("jane.family@gmail.com",), subject="Assessment for Amelia",
                        body="Amelia Reid, NHS number 943 476 5919.\n",
                        attachments=(("Amelia care plan.pdf", "application/pdf", PDF),),
                        **kwargs)


def test_a_held_message_is_opened_in_its_own_process_to_its_headers_parts_and_body_text():
    opened = open_held(letter(), 30, GIB)

    assert not opened.failed
    assert dict(opened.headers)["Subject"] == "Assessment for Amelia"
    assert dict(opened.headers)["To"] == "jane.family@gmail.com"
    assert opened.parts == (Part("1", "multipart/mixed", "", ""),
                            Part("1.1", "text/plain", "", "39 bytes"),
                            Part("1.2", "application/pdf", "Amelia care plan.pdf", "2.0 KB"))
    [body] = opened.texts
    assert body.number == "1.1" and body.text.startswith("Amelia Reid, NHS number 943 476 5919.")
    assert not body.cut
    assert opened.outcome == "opened: 3 part(s)"  # for the audit trail: no word of it


def test_no_attached_file_is_read_not_even_a_text_one_or_a_forwarded_messages_body():
    forwarded = make_message(to=("x@gmail.com",), subject="inner", body="the forwarded words\n")
    raw = make_message(to=("jane.family@gmail.com",), body="covering note\n", attachments=(
        ("notes.txt", "text/plain", b"the attached file's words\n"),
        ("fwd.eml", "message/rfc822", forwarded)))
    got = read(raw)

    assert [t[2].strip() for t in got["texts"]] == ["covering note"]
    assert [p[1] for p in got["parts"]] == ["multipart/mixed", "text/plain", "text/plain",
                                            "message/rfc822", "text/plain"]
    assert [p[2] for p in got["parts"]][2:4] == ["notes.txt", "fwd.eml"]


def test_an_html_body_is_shown_as_its_words_and_a_long_one_only_its_beginning():
    html = "<html><head><style>p {color: red}</style></head><body><p>Dear Priya,</p>" \
        "<p>" + "word " * (TEXT_ROOM // 4) + "</p></body></html>"
    raw = make_message(to=("x@gmail.com",), body="plain", html=html)
    [plain, shown] = read(raw)["texts"]

    assert shown[1] == "text/html" and shown[2].startswith("Dear Priya,\nword word")
    assert "color" not in shown[2] and "<p>" not in shown[2]
    assert len(shown[2]) == TEXT_ROOM and shown[3] is True


def test_a_files_size_is_counted_from_its_encoding_without_decoding_it():
    data = bytes(range(256)) * 40 + b"tail"  # 10,244 octets: base64 with padding
    raw = make_message(to=("x@gmail.com",), body="b", attachments=(
        ("a.bin", "application/octet-stream", data),))
    [*_, attached] = read(raw)["parts"]
    assert attached[3] == [len(data), True]
    quoted = (b"Subject: q\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
              b"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n")
    assert read(quoted)["parts"][0][3] == [11, False]  # said as "about 11 bytes"
    assert open_held(quoted, 30, GIB).parts[0].size == "about 11 bytes"


def test_a_message_whose_opening_runs_out_of_time_is_said_so_plainly():
    # no process starts, reads and answers in a thousandth of a second
    opened = open_held(letter(), 0.001, GIB)
    assert opened == Opened(failed=OUT_OF_TIME)
    assert opened.failed == "This message could not be opened for display: it ran out of time."
    assert opened.outcome == "not opened: it ran out of time"


def test_a_large_message_out_of_time_mid_send_leaves_no_traceback_behind(capfd):
    # the parent closed the pipe under the thread still writing the message to the child
    big = b"Subject: Amelia Reid\r\n\r\n" + b"Amelia Reid\r\n" * 4_000_000  # 52 MB
    for seconds in (0.001, 0.05, 0.3):
        assert open_held(big, seconds, GIB) == Opened(failed=OUT_OF_TIME)
    for thread in threading.enumerate():
        if thread.name == "dlpgate-open-send":
            thread.join(60)
    out, err = capfd.readouterr()
    assert err == "" and "Amelia" not in out


def test_a_message_too_big_for_its_memory_is_said_so_and_nothing_of_it_printed(capfd):
    big = make_message(to=("x@gmail.com",), body="Amelia Reid\n", attachments=(
        ("scan.bin", "application/octet-stream", b"\0" * (30 * 1024 * 1024)),))
    assert open_held(big, 60, 200 * 1024 * 1024) == Opened(failed=OUT_OF_MEMORY)
    out, err = capfd.readouterr()
    assert "Amelia" not in out + err and "Traceback" not in err


def test_a_message_the_parser_itself_fails_on_is_said_so_and_nothing_of_it_printed(capfd):
    # nested deeper than the standard library's parser can follow (it raises RecursionError)
    raw = b"Subject: Amelia Reid\r\nMIME-Version: 1.0\r\n" + b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n)
        for n in range(50_000)) + b"Content-Type: text/plain\r\n\r\nAmelia Reid\r\n"
    assert open_held(raw, 60, GIB) == Opened(failed=FAILED)
    out, err = capfd.readouterr()
    assert "Amelia" not in out + err and "Traceback" not in err


def test_a_name_and_a_body_in_raw_8_bit_are_shown_as_their_letters_not_failing_the_page():
    raw = (b"From: Zo\xc3\xab Reid <z@example.org>\r\nTo: a@gmail.com\r\nSubject: notes\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
           b"Content-Type: text/plain; charset=no-such-charset\r\n\r\nbad \xff\xfe bytes\r\n"
           b"--b\r\nContent-Type: application/pdf\r\n"
           b"Content-Disposition: attachment; filename=\"Zo\xc3\xab.pdf\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n")
    opened = open_held(raw, 30, GIB)

    assert dict(opened.headers)["From"] == "Zo\u00eb Reid <z@example.org>"
    assert opened.parts[-1] == Part("1.2", "application/pdf", "Zo\u00eb.pdf", "5 bytes")
    [body] = opened.texts
    assert body.text.startswith("bad ") and body.text.encode("utf-8")


def test_no_more_than_two_messages_are_opened_at_once_and_a_third_reviewer_is_told_so():
    # each opening may take scan.worker_memory (1 GiB): nothing bounded how many ran
    gate, lock = threading.Event(), threading.Lock()
    running: list[int] = []
    most = 0

    def held_open(raw, seconds, memory):  # the real opening, kept from ending until let go
        nonlocal most
        with lock:
            running.append(1)
            most = max(most, len(running))
        gate.wait(60)
        try:
            return open_held(raw, seconds, memory)
        finally:
            with lock:
                running.pop()

    opener = Opener(opener=held_open)
    got: list[Opened] = []
    threads = [threading.Thread(target=lambda: got.append(opener(letter(), 30, GIB)))
               for _ in range(6)]
    for t in threads:
        t.start()
    for _ in range(1200):  # four turned away at once while two are held open
        if len(got) >= 4:
            break
        threading.Event().wait(0.05)
    gate.set()
    for t in threads:
        t.join(60)
    assert most == 2
    assert sorted(o.failed for o in got) == [""] * 2 + [BUSY] * 4
    assert got[0].outcome == "not opened: other messages are being opened; try again in a " \
        "moment"
    assert not opener(letter(), 30, GIB).failed  # the slots are free again


_EVERY_HOSTILE_MESSAGE = """
import json, resource, sys, time
from dlpgate import testhostile
from dlpgate.review.unread import open_held
seconds, memory = float(sys.argv[1]), int(sys.argv[2])
out = {}
for name, raw in testhostile.corpus().items():
    started = time.monotonic()
    opened = open_held(raw, seconds, memory)
    out[name] = [opened.failed, len(opened.parts) + opened.more_parts, time.monotonic() - started]
out["children's most memory"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps(out))
"""


def test_every_message_of_the_hostile_corpus_is_opened_or_said_not_to_be_with_nothing_printed():
    memory = 512 * 1024 * 1024
    # in a process of its own, so that the largest child it counts is one of these
    run = subprocess.run([sys.executable, "-c", _EVERY_HOSTILE_MESSAGE, "20", str(memory)],
                         capture_output=True, timeout=1200, check=True)
    got = json.loads(run.stdout)
    assert run.stderr == b""  # nothing of any message, no traceback
    assert got.pop("children's most memory") <= memory
    assert len(got) >= 25
    for name, (failed, parts, _) in got.items():
        assert failed in ("", OUT_OF_TIME, OUT_OF_MEMORY, FAILED), name
        assert failed or parts >= 1, name
