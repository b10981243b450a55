"""The message's one budget: depth, parts, text per part and per message, each limit said
where it cut."""

from __future__ import annotations

from dlpgate import testdata
from dlpgate.config import Limits
from dlpgate.model import FILE_NAMES
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

from .test_attachments import parts_and_problems


def test_archives_nested_past_the_depth_limit_stop_there():
    data = testdata.make_zip({"x.txt": "bottom"})
    for _ in range(4):
        data = testdata.make_zip({"next.zip": data})
    _, problems = parts_and_problems("nest.zip", data, limits=Limits(max_depth=3))
    assert [k for k, _ in problems] == ["unscannable"]


def test_too_many_members_is_a_problem_not_a_crash():
    data = testdata.make_zip({f"f{i}.txt": "x" for i in range(50)})
    _, problems = parts_and_problems("many.zip", data, limits=Limits(max_parts=20))
    assert ("unscannable", "many.zip") in problems


def test_text_beyond_the_limit_is_cut_and_says_so():
    parts, problems = parts_and_problems("big.txt", b"a" * 5000, limits=Limits(max_text=1000))
    assert len(parts["big.txt"]) == 1000
    assert ("unscannable", "big.txt") in problems


def test_what_a_meeting_request_or_the_file_names_leave_past_the_limit_is_said():
    from email.message import EmailMessage

    limits = Limits(max_text=1000)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example-council.gov.uk", "b@x.org", "Invite"
    msg.set_content("You are invited.")
    msg.add_alternative("BEGIN:VCALENDAR\r\n" + f"SUMMARY:{'x' * 50}\r\n" * 400
                        + "END:VCALENDAR\r\n",
                        subtype="calendar")
    got = parse(msg.as_bytes(), limits=limits)
    assert ("unscannable", "meeting request") in [(p.kind, p.part) for p in got.problems]
    many = make_message(attachments=tuple((f"{'n' * 200}{i}.txt", "text/plain", b"x")
                                          for i in range(10)))
    got = parse(many, limits=limits)
    assert ("unscannable", "attachment names") in [(p.kind, p.part) for p in got.problems]


def test_a_message_gives_at_most_max_message_text_and_the_files_past_it_are_not_read():
    # thirty 5 MB sheets took a worker minutes: 451 at every retry, and the mail never left
    sheet = ("Child,Date of birth\n" + "Amy Reid,04/05/2016\n" * 200).encode()
    raw = make_message(body="Lists attached.\n", attachments=tuple(
        (f"list{i}.csv", "text/csv", sheet) for i in range(5)))
    msg = parse(raw, limits=Limits(max_message_text=9000))
    texts = {p.name: len(p.text) for p in msg.parts if p.name.startswith("list")}
    read = [p for p in msg.parts if p.name not in ("subject", FILE_NAMES)]  # names are read
    assert sum(len(p.text) for p in read) == 9000
    assert list(texts) == ["list0.csv", "list1.csv"]  # the second cut where the limit fell
    assert [a.name for a in msg.attachments] == [f"list{i}.csv" for i in range(5)]
    assert [(p.kind, p.part) for p in msg.problems] == [
        ("unscannable", "list1.csv"), ("unscannable", "list2.csv"),
        ("unscannable", "list3.csv"), ("unscannable", "list4.csv")]
    assert "not read: the message's text passed 9000 characters" in msg.problems[1].detail
    whole = parse(raw)  # the default reads them all
    assert not whole.problems and len([p for p in whole.parts if p.name.startswith("list")]) == 5
