"""parse: any bytes -> a Message with every address and the text of every part."""

from __future__ import annotations

import base64
import email
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dlpgate import testdata
from dlpgate.config import Limits
from dlpgate.model import FILE_NAMES, Envelope, Problem
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message


def test_addresses_come_from_headers_and_bcc_only_recipients_from_the_envelope():
    raw = make_message(to=("Bob Smith <bob.smith@example-council.gov.uk>",), cc=("c@nhs.net",))
    env = Envelope("alice.jones@example-council.gov.uk",
                   ("bob.smith@example-council.gov.uk", "c@nhs.net", "secret@example.org"))
    msg = parse(raw, env)
    assert msg.to == ("bob.smith@example-council.gov.uk",)
    assert msg.cc == ("c@nhs.net",)
    assert msg.bcc_only == ("secret@example.org",)
    assert msg.from_addr == "alice.jones@example-council.gov.uk"


def test_encoded_subjects_are_decoded():
    raw = make_message(subject="R\u00e9sum\u00e9 for Zo\u00eb")
    assert parse(raw).subject == "R\u00e9sum\u00e9 for Zo\u00eb"


def test_html_only_mail_is_read_as_text_without_scripts():
    msg = EmailMessage()
    msg["From"] = "a@example-council.gov.uk"
    msg.set_content("<p>Dear Mrs Brown,</p><script>var x = 'hidden';</script><td>cell</td>",
                    subtype="html")
    body = [p for p in parse(msg.as_bytes()).parts if p.name == "body"][0].text
    assert "Dear Mrs Brown," in body and "cell" in body
    assert "hidden" not in body


def test_alternative_parts_are_read_once_from_the_plain_text():
    raw = make_message(body="Dear Amy,\nthe panel meets on\nThursday at ten.\n",
                       html="<p>Dear Amy,</p><ul><li>The panel meets on Thursday at ten.</li></ul>")
    parts = {p.name: p.text for p in parse(raw).parts}
    assert "the panel meets on" in parts["body"] and "<li>" not in parts["body"]
    assert "body-html" not in parts  # the same words, wrapped and bulleted otherwise


def test_what_the_html_alternative_says_beyond_the_plain_text_is_read_too():
    # a case system's "See attached." over an HTML referral sent an NHS number past every rule
    raw = make_message(body="See attached.\n", html=(
        "<p>See attached.</p><p>NHS number 943 476 5919, date of birth 04/05/2016.</p>"))
    parts = {p.name: p.text for p in parse(raw).parts}
    assert parts["body"].strip() == "See attached."
    assert parts["body-html"] == "NHS number 943 476 5919, date of birth 04/05/2016."


def test_a_pictures_alt_text_the_plain_twin_lacks_is_read_and_one_it_says_is_not():
    # Outlook shows alt text where pictures are not downloaded; a photograph's "Amy Reid, NHS
    # 943 476 5919" over a plain twin saying only "Please see the photo." went unread
    html = ('<p>Please see the photo.</p><img src="cid:p1" alt="Amy Reid, NHS 943 476 5919">'
            "<img src='cid:p2' alt='council logo'>")
    parts = {p.name: p.text for p in parse(make_message(
        body="Please see the photo.\n", html=html)).parts}
    assert parts["body"].strip() == "Please see the photo."
    assert "Amy Reid, NHS 943 476 5919" in parts["body-html"]
    said = {p.name: p.text for p in parse(make_message(
        body="Please see the photo of Amy Reid, NHS 943 476 5919, council logo.\n",
        html=html)).parts}
    assert "body-html" not in said  # nothing the plain text does not say: read once


def test_where_the_bodys_links_go_is_read_after_all_its_text_once_each():
    # "open the record" over a case system's address naming the child, and "email her mother"
    # over a personal address, went out with the addresses unread
    record = "https://mosaic.example.gov.uk/person?name=Amy%20Reid&amp;nhs=9434765919"
    html = (f'<p>Please open <a href="{record}">the record</a> or '
            '<a href="mailto:amy.reid.family@gmail.com">email her mother</a>, '
            '<a href="https://www.example.gov.uk">https://www.example.gov.uk</a>.</p>')
    msg = EmailMessage()
    msg["From"] = "a@example-council.gov.uk"
    msg.set_content(html, subtype="html")
    body = {p.name: p.text for p in parse(msg.as_bytes()).parts}["body"]
    shown = "Please open the record or email her mother, https://www.example.gov.uk."
    assert body.split("\n") == [shown, "", "https://mosaic.example.gov.uk/person?name=Amy Reid"
                                 "&nhs=9434765919", "mailto:amy.reid.family@gmail.com"]
    # beside a plain twin, the addresses it does not write out; and in an attached message
    # after its text
    plain = make_message(body="Please open the record <https://www.example.gov.uk>.\n",
                         html=html)
    parts = {p.name: p.text for p in parse(plain).parts}
    assert parts["body"].endswith("gov.uk>.\n\n\nhttps://mosaic.example.gov.uk/person?name=Amy Reid"
                                  "&nhs=9434765919\nmailto:amy.reid.family@gmail.com")
    outer = EmailMessage()
    outer["From"] = "a@example-council.gov.uk"
    outer.set_content("see attached")
    outer.add_attachment(msg.as_bytes(), maintype="message", subtype="rfc822", filename="fwd.eml")
    assert {p.name: p.text for p in parse(outer.as_bytes()).parts}["fwd.eml"].endswith(
        "mailto:amy.reid.family@gmail.com")


def test_an_attached_message_is_read_with_its_own_attachments():
    inner = make_message(subject="Original referral", body="inner body text\n",
                         attachments=(("notes.txt", "text/plain", b"inner attachment"),))
    outer = EmailMessage()
    outer["From"] = "a@example-council.gov.uk"
    outer.set_content("see attached")
    outer.add_attachment(inner, maintype="message", subtype="rfc822", filename="fwd.eml")
    parts = {p.name: p.text for p in parse(outer.as_bytes()).parts}
    assert "inner body text" in parts["fwd.eml"] and "Original referral" in parts["fwd.eml"]
    assert parts["fwd.eml/notes.txt"] == "inner attachment"


def test_an_unknown_charset_does_not_stop_the_body_being_read():
    raw = (b"From: a@example-council.gov.uk\r\nContent-Type: text/plain; charset=x-unknown\r\n"
           b"\r\nplain enough\r\n")
    assert "plain enough" in parse(raw).parts[0].text


@pytest.mark.parametrize("charset", [b"\x00\x00x-klingon", b"zlib", b"rot13", b"undefined"])
def test_a_charset_that_is_no_text_encoding_does_not_stop_the_body_being_read(charset):
    """Found by atheris: a NUL in the charset's name raised ValueError from the codec lookup."""
    raw = (b"From: a@example-council.gov.uk\r\nContent-Type: text/plain; charset=" + charset
           + b"\r\n\r\nplain enough\r\n")
    assert "plain enough" in parse(raw).parts[0].text


def test_absurd_nesting_is_a_problem_not_a_crash():
    depth = 3000
    raw = b"From: a@b.example\r\n" + b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(depth)
    )
    msg = parse(raw)
    assert msg.problems


# Property: for any tree of MIME parts, parsing never raises and finds every text part.
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8)


@st.composite
def mime_trees(draw, depth=0):
    kind = draw(st.sampled_from(["plain", "html", "attachment", "multipart"] if depth < 3
                                else ["plain", "html", "attachment"]))
    if kind == "multipart":
        children = draw(st.lists(mime_trees(depth=depth + 1), min_size=1, max_size=3))
        return ("multipart", draw(st.sampled_from(["mixed", "related"])), children)
    marker = "m" + draw(_word) + "x"
    return (kind, marker, draw(st.sampled_from(["7bit", "base64", "quoted-printable"])))


def build(tree) -> EmailMessage:
    msg = EmailMessage()
    kind = tree[0]
    if kind == "multipart":
        msg.make_mixed() if tree[1] == "mixed" else msg.make_related()
        for child in tree[2]:
            msg.attach(build(child))
        return msg
    _, marker, cte = tree
    if kind == "plain":
        msg.set_content(f"body {marker} end\n", cte=cte)
    elif kind == "html":
        msg.set_content(f"<p>body <b>{marker}</b></p>\n", subtype="html", cte=cte)
    else:
        msg.set_content(f"file {marker}\n".encode(), maintype="text", subtype="csv",
                        filename=f"{marker}.csv")
    return msg


def markers(tree) -> list[str]:
    if tree[0] == "multipart":
        return [m for child in tree[2] for m in markers(child)]
    return [tree[1]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mime_trees(), st.integers(min_value=0, max_value=60))
def test_any_mime_tree_parses_and_every_text_part_is_found(tree, cut):
    root = build(tree)
    root["From"] = "a@example-council.gov.uk"
    raw = root.as_bytes()
    msg = parse(raw)
    text = "\n".join(p.text for p in msg.parts)
    for marker in markers(tree):
        assert marker in text
    # truncated anywhere, it still parses
    parse(raw[: max(1, len(raw) - cut)])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
@example(b"coNtent-disposition:\xed\nt")  # found by atheris: a Header object, not a str
def test_arbitrary_bytes_never_raise(data):
    parse(data)


def test_address_headers_are_read_exactly_whether_simple_or_not():
    from dlpgate.parse.mime import addresses

    assert addresses(["a@x.org, Bob <b@y.org>,c@z.org"]) == ("a@x.org", "b@y.org", "c@z.org")
    assert addresses(['"Smith, Jo" <jo@x.org>, (comment) k@y.org']) == ("jo@x.org", "k@y.org")
    assert addresses(["Team: a@x.org, b@y.org;"]) == ("a@x.org", "b@y.org")
    assert addresses(["=?utf-8?q?Zo=C3=AB?= <zoe@x.org>", "undisclosed-recipients"]) == (
        "zoe@x.org",)


def test_address_headers_of_thousands_of_nested_comments_are_read_by_pattern():
    # the standard library recurses once per parenthesis; found by tests/test_fuzz_parse.py
    from dlpgate import testhostile

    msg = parse(testhostile.nested_comments())
    assert msg.from_addr == "a@example-council.gov.uk" and msg.to == ("x@example.org",)
    crash = b"From: " + b"(" * 2000 + b"\xff\xffn" + b"(" * 2000 + b"\r\n\r\nbody\r\n"
    assert parse(crash).from_addr == ""  # nothing that looks like an address: none


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="abcdef gh", max_size=8),
                          st.from_regex(r"[a-z]{1,6}@[a-z]{1,6}\.org", fullmatch=True)),
                min_size=1, max_size=5))
def test_the_fast_address_path_agrees_with_the_standard_library(pairs):
    import email.utils

    from dlpgate.parse.mime import addresses

    header = ", ".join(f"{name} <{addr}>" if name.strip() else addr for name, addr in pairs)
    expected = tuple(a for _, a in email.utils.getaddresses([header]))
    assert addresses([header]) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["7bit", "8bit", "base64", "quoted-printable"]),
       st.sampled_from(["\r\n", "\n"]))
def test_the_single_part_shortcut_reads_what_the_full_parser_reads(body, cte, eol):
    import email

    from dlpgate.parse.mime import read_message

    msg = EmailMessage()
    msg["From"] = "a@example-council.gov.uk"
    msg["Subject"] = "x"
    msg.set_content(body, cte=cte if cte != "7bit" or body.isascii() else "8bit")
    raw = msg.as_bytes().replace(b"\n", eol.encode())
    full, fast = email.message_from_bytes(raw), read_message(raw)
    assert fast.items() == full.items()
    assert fast.get_payload(decode=True) == full.get_payload(decode=True)


def test_a_multipart_whose_boundary_is_never_found_is_read_as_its_text():
    # its NHS number went out under a log rule, unread: a mail client shows the text anyway
    for content_type in ('multipart/mixed; boundary="ZZZ"', 'multipart/mixed; boundary="B1'):
        raw = (b"From: a@example-council.gov.uk\r\nTo: x@gmail.com\r\nSubject: x\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: " + content_type.encode() + b"\r\n\r\n"
               b"--B1\r\nContent-Type: text/plain\r\n\r\nNHS no 943 476 5919\r\n")
        msg = parse(raw)
        assert "NHS no 943 476 5919" in msg.body, content_type
        assert any(p.kind == "malformed-mime" for p in msg.problems)


@pytest.mark.parametrize("html", [
    # a <head> whose end tag is left out, as HTML allows, hid everything after it
    "<html><head><title>Referral</title><body><p>NHS number 943 476 5919</p>",
    # "\u0130" lower-cases to two characters: positions in a lower-cased copy drifted
    '<img alt="' + "\u0130" * 60 + '"><style>p{}</style><p>NHS number 943 476 5919</p>',
])
def test_html_that_says_more_than_the_plain_text_is_read_however_its_markup_is_written(html):
    parts = {p.name: p.text for p in parse(make_message(body="See attached.\n", html=html)).parts}
    assert "NHS number 943 476 5919" in parts.get("body-html", "")


def test_a_subject_sent_as_raw_utf8_or_windows_1252_is_read_as_written():
    # SMTPUTF8 clients write headers unencoded; "Réunion" was read as "R��union", in the
    # scan and in the sender's notice
    for charset in ("utf-8", "cp1252"):
        raw = ("From: a@example-council.gov.uk\r\nTo: c@example.org\r\n"
               "Subject: Réunion protección\r\n\r\nhi\r\n").encode(charset)
        assert parse(raw).subject == "Réunion protección", charset


def test_a_file_name_sent_as_raw_utf8_or_windows_1252_is_read_as_written():
    # "Zoë Reid notes.txt" unencoded was "Zo\ufffd\ufffd Reid notes.txt": the name detection
    # reads in the files' names, and the one the reviewer sees
    for charset in ("utf-8", "cp1252"):
        raw = ("From: a@example-council.gov.uk\r\nTo: c@example.org\r\nSubject: x\r\n"
               "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
               "--B\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--B\r\n"
               'Content-Type: text/plain; name="Zoë Reid notes.txt"\r\n'
               'Content-Disposition: attachment; filename="Zoë Reid notes.txt"\r\n\r\n'
               "Visit on Monday.\r\n--B--\r\n").encode(charset)
        message = parse(raw)
        assert [a.name for a in message.attachments] == ["Zoë Reid notes.txt"], charset
        assert "Zoë Reid notes" in {p.name: p.text for p in message.parts}[FILE_NAMES]


def test_each_part_has_its_own_name_though_two_files_share_one():
    raw = make_message(body="Hello.", attachments=(
        ("notes.txt", "text/plain", b"first"), ("notes.txt", "text/plain", b"second"),
        ("body", "text/plain", b"third")))
    assert [(p.name, p.text.strip()) for p in parse(raw).parts if p.name != "subject"] == [
        ("body", "Hello."), ("notes.txt", "first"), ("notes (2).txt", "second"),
        ("body (2)", "third"), ("attachment names", "notes.txt\nnotes.txt\nbody")]


def test_the_attached_files_names_are_read_as_text_too():
    # a file named with who it is about went out unread: only its contents were
    raw = make_message(to=("x@gmail.com",), body="See attached.", attachments=(
        ("Smith_John_DOB_01-02-2010_NHS 943 476 5919_CP plan.txt", "text/plain", b"agenda"),))
    [names] = [p.text for p in parse(raw).parts if p.name == "attachment names"]
    assert names == "Smith John DOB 01-02-2010 NHS 943 476 5919 CP plan.txt"
    from dlpgate.config import Settings
    from dlpgate.pipeline import Scanner

    result = Scanner(Settings.model_validate({"detection": {"ner": False}})).scan(
        raw, Envelope("a@example-council.gov.uk", ("x@gmail.com",)))
    found = {f.entity for f in result.evidence.findings if f.part == "attachment names"}
    assert {"UK_NHS", "DATE_OF_BIRTH"} <= found


def _der_signature() -> bytes:
    """A DER SEQUENCE as S/MIME signs: its length exact, the signedData type first inside."""
    body = bytes.fromhex("06092a864886f70d010702") + bytes(300)
    return b"\x30\x82" + len(body).to_bytes(2, "big") + body


def _smime(kind: str) -> bytes:
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = ("a@example-council.gov.uk",
                                                    "court@court.cjsm.net", "Bundle")
    if kind == "signed":
        outer.set_content("The hearing is at ten.")
        outer.make_mixed()
        outer.set_type("multipart/signed")
        outer.set_param("protocol", "application/pkcs7-signature")
        outer.add_attachment(_der_signature(), maintype="application",
                             subtype="pkcs7-signature", filename="smime.p7s")
    else:
        outer.set_content(b"\x30\x82\x05\x00" + bytes(200), maintype="application",
                          subtype="pkcs7-mime", filename="smime.p7m",
                          params={"smime-type": "enveloped-data"})
    return outer.as_bytes()


def test_a_signature_is_no_attachment_and_an_encrypted_message_is_encrypted():
    # every signed message to someone outside was held for its "unrecognised binary"
    # smime.p7s, and an encrypted one was "unscannable", so the exception for secure
    # destinations (which takes encrypted mail) never applied
    signed = parse(_smime("signed"))
    assert not signed.problems and signed.body.strip() == "The hearing is at ten."
    [problem] = parse(_smime("encrypted")).problems
    assert problem.kind == "encrypted-attachment" and problem.part == "smime.p7m"


needs_openssl = pytest.mark.skipif(not testdata.openssl_available(),
                                   reason="the openssl program is not installed (Debian's "
                                   "openssl package): S/MIME tests sign with it")

_REFERRAL = (b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
             b"Referral for Amy Reid, NHS number 943 476 5919, date of birth 12/03/2015.\r\n")
_HEAD = (b"From: a@example-council.gov.uk\r\nTo: b@example.org\r\n"
         b"Subject: Referral\r\n")


def _opaque(entity: bytes, outform: str = "SMIME", stream: bool = False,
            ctype: str = "application/pkcs7-mime; smime-type=signed-data; name=smime.p7m") -> bytes:
    """A message opaque-signed as openssl, Outlook and some gateways send it: the whole
    message one pkcs7-mime part, its headers above."""
    signed = testdata.make_signed(entity, outform, stream=stream)
    return _HEAD + signed if outform == "SMIME" else _whole(signed, ctype)


def _whole(data: bytes, ctype: str) -> bytes:
    """A message whose one part is `data`, of type `ctype`, in base64."""
    return (_HEAD + b"MIME-Version: 1.0\r\nContent-Type: " + ctype.encode() +
            b"\r\nContent-Disposition: attachment; filename=smime.p7m\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" +
            base64.encodebytes(data).replace(b"\n", b"\r\n"))


@needs_openssl
@pytest.mark.parametrize("outform, stream, ctype", [
    ("SMIME", False, ""),  # openssl's own part: application/x-pkcs7-mime, smime-type
    ("SMIME", True, ""),  # BER: indefinite lengths, the content in pieces
    ("DER", False, "application/pkcs7-mime; smime-type=signed-data; name=smime.p7m"),
    ("DER", True, "application/pkcs7-mime; name=smime.p7m"),  # smime-type left out
    ("DER", False, "application/octet-stream; name=smime.p7m"),  # known by its name and bytes
])
def test_an_opaque_signed_message_is_read_as_the_message_inside_it(outform, stream, ctype):
    # held as an "unrecognised binary format" whatever it said, and the NHS number inside
    # never seen; without smime-type it was even said to be encrypted
    got = parse(_opaque(_REFERRAL, outform, stream, ctype))
    assert not got.problems and not got.attachments
    assert got.subject == "Referral"
    assert got.body.strip() == ("Referral for Amy Reid, NHS number 943 476 5919, date of birth "
                                "12/03/2015.")
    assert [p.name for p in got.parts] == ["subject", "body"]  # as a clear-signed one is


def _with_list() -> bytes:
    inner = EmailMessage()
    inner.set_content("Please find the list attached.")
    inner.add_alternative("<p>Please find the list attached.</p><p>Case 4471.</p>",
                          subtype="html")
    inner.add_attachment(b"Child,NHS number,Date of birth\nAmy Reid,943 476 5919,12/03/2015\n"
                         b"Leo Turner,401 023 2137,01/02/2016\n", maintype="text",
                         subtype="csv", filename="children.csv")
    del inner["MIME-Version"]
    return inner.as_bytes()


@needs_openssl
def test_an_opaque_signed_multipart_gives_its_body_and_attachments_their_names():
    got = parse(_opaque(_with_list(), stream=True))
    assert not got.problems
    assert got.body.strip() == "Please find the list attached."
    parts = {p.name: p for p in got.parts}
    assert "Case 4471." in parts["body-html"].text
    assert "NHS number: 943 476 5919" in parts["children.csv"].text
    assert parts["children.csv"].is_attachment
    assert parts["attachment names"].text == "children.csv"
    assert [a.name for a in got.attachments] == ["children.csv"]


@needs_openssl
def test_an_opaque_signed_message_inside_another_is_named_as_attached_messages_are():
    # forwarded as an attachment (message/rfc822), or attached as its smime.p7m file: the
    # files inside named under it, its text the attached message's
    fwd = EmailMessage()
    fwd["From"], fwd["Subject"] = "a@example-council.gov.uk", "Fwd: list"
    fwd.set_content("Forwarding the signed one.")
    fwd.add_attachment(email.message_from_bytes(_opaque(_with_list())), filename="list.eml")
    fwd.add_attachment(testdata.make_signed(_with_list(), "DER"), maintype="application",
                       subtype="pkcs7-mime", filename="smime.p7m",
                       params={"smime-type": "signed-data"})
    got = parse(fwd.as_bytes())
    parts = {p.name: p for p in got.parts}
    assert not got.problems
    assert got.body.strip() == "Forwarding the signed one."
    assert "Please find the list attached." in parts["list.eml"].text
    assert "Please find the list attached." in parts["smime.p7m"].text
    assert "943 476 5919" in parts["list.eml/children.csv"].text
    assert "943 476 5919" in parts["smime.p7m/children.csv"].text


@needs_openssl
def test_a_signed_document_that_is_no_message_is_read_as_the_file_inside():
    # a CAdES "report.pdf.p7m": a PDF, signed; parsed as MIME it was read as garbage
    pdf = testdata.make_pdf("Referral: NHS number 943 476 5919")
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "a@example-council.gov.uk", "Signed report"
    msg.set_content("Signed copy attached.")
    msg.add_attachment(testdata.make_signed(pdf, "DER"), maintype="application",
                       subtype="pkcs7-mime", filename="report.pdf.p7m")
    got = parse(msg.as_bytes())
    assert not got.problems
    [report] = [p for p in got.parts if p.name == "report.pdf.p7m/report.pdf"]
    assert "943 476 5919" in report.text


@needs_openssl
def test_damaged_signed_data_is_unscannable_and_says_so_without_its_content():
    signed = testdata.make_signed(_REFERRAL, "DER")
    ctype = "application/pkcs7-mime; smime-type=signed-data; name=smime.p7m"
    for data in (signed[:200], signed[:40]):  # cut in its content, and before it
        got = parse(_whole(data, ctype))
        [problem] = got.problems
        assert problem.kind == "unscannable" and problem.part == "smime.p7m"
        assert problem.detail.startswith("damaged S/MIME signed data (cut short")
        assert "943" not in problem.detail and "Reid" not in problem.detail
        assert [a.name for a in got.attachments] == ["smime.p7m"]
    # labelled signed, and no CMS at all
    [problem] = parse(_whole(bytes(range(256)), ctype)).problems
    assert problem == Problem("unscannable", "smime.p7m",
                              "damaged S/MIME signed data (not a CMS structure)")


@needs_openssl
def test_an_encrypted_message_stays_encrypted_whatever_its_label_says():
    enveloped = testdata.make_enveloped(_REFERRAL)
    for ctype in ("application/pkcs7-mime; smime-type=enveloped-data",
                  "application/pkcs7-mime", "application/x-pkcs7-mime; smime-type=signed-data"):
        [problem] = parse(_whole(enveloped, ctype)).problems
        assert problem.kind == "encrypted-attachment", ctype


@needs_openssl
def test_signatures_inside_signatures_stop_at_the_depth_limit():
    entity = _REFERRAL
    for _ in range(3):  # signed, and signed again, and again
        entity = testdata.make_signed(entity)
    got = parse(_HEAD + entity, limits=Limits(max_depth=5))
    assert "943 476 5919" in got.body and not got.problems
    got = parse(_HEAD + entity, limits=Limits(max_depth=2))
    assert "943 476 5919" not in got.body
    [problem] = got.problems
    assert problem.kind == "unscannable" and "nested deeper than 2" in problem.detail


def test_a_meeting_requests_calendar_is_read_beside_its_text():
    # the description went unread when the text part did not repeat it
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = ("a@example-council.gov.uk", "b@example.org",
                                              "Strategy meeting")
    msg.set_content("You are invited.")
    msg.add_alternative("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
                        "DESCRIPTION:Strategy meeting for Leo Turner\\, NHS number 943 47\r\n"
                        " 6 5919\\, on a child protection plan.\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                        subtype="calendar", params={"method": "REQUEST"})
    got = parse(msg.as_bytes())
    [invite] = [p for p in got.parts if p.name == "meeting request"]
    assert "Leo Turner, NHS number 943 476 5919, on a child protection plan." in invite.text
    assert got.body.strip() == "You are invited." and not got.attachments


def test_a_file_labelled_as_a_signature_is_read_unless_its_bytes_are_one():
    # children.csv sent as application/pkcs7-signature was passed over unread
    rows = b"Child,NHS number\nAmy Reid,943 476 5919\n"
    # and with a signature's first bytes in front of it (a DER header, a PGP armour line)
    forged = {"application/pkcs7-signature": b"\x30\x82\x05\x00" + rows,
              "application/pgp-signature": b"-----BEGIN PGP SIGNATURE-----\n\n" + rows}
    for ctype, data in [(c, rows) for c in forged] + list(forged.items()):
        maintype, subtype = ctype.split("/")
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "a@example-council.gov.uk", "b@x.org", "List"
        msg.set_content("See attached.")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename="children.csv")
        got = parse(msg.as_bytes())
        assert any("943 476 5919" in p.text for p in got.parts if p.name == "children.csv"), \
            ctype
        assert [a.name for a in got.attachments] == ["children.csv"]


def test_a_real_pgp_signature_is_known_by_its_armour():
    from dlpgate.parse.mime import _is_pgp_signature

    armour = (b"-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE0aZuGBQq1x9Nf2dJ\n"
              b"=Ab12\n-----END PGP SIGNATURE-----\n")
    assert _is_pgp_signature(armour)
    assert not _is_pgp_signature(armour.replace(b"=Ab12", b"Amy Reid,943 476 5919"))


def test_a_multipart_with_no_parts_and_a_charset_no_codec_reads_is_read_not_raised():
    # found by the fuzzer: the unsplit multipart's text was decoded by its charset
    # parameter, a NUL in it, and ValueError came out of parse()
    for charset in ("n\x00x", "no-such-codec"):
        raw = (f'From: a@example-council.gov.uk\r\nContent-Type: multipart/mixed; '
               f'charset="{charset}"\r\n\r\nNHS number 943 476 5919, caf\xe9\r\n'
               ).encode("latin-1")
        got = parse(raw)
        assert "943 476 5919" in got.body, charset


def test_a_calendar_that_is_the_only_alternative_is_read_once():
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example-council.gov.uk", "b@x.org", "Invite"
    msg.set_content("BEGIN:VCALENDAR\r\nSUMMARY:Review for NHS 943 476 5919\r\nEND:VCALENDAR\r\n",
                    subtype="calendar")
    msg.make_alternative()
    got = parse(msg.as_bytes())
    assert sum("943 476 5919" in p.text for p in got.parts) == 1


def apple_mail(text: str, html: str, *files: tuple[str, str, bytes]) -> bytes:
    """A rich-text message with files as Apple Mail writes one: the files inside the HTML
    rendering (multipart/mixed, HTML between them), beside a plain one."""
    rich = EmailMessage()
    rich.set_content(html, subtype="html")
    rich.make_mixed()
    for name, ctype, data in files:
        maintype, _, subtype = ctype.partition("/")
        rich.add_attachment(data, maintype=maintype, subtype=subtype, filename=name,
                            disposition="inline")
    rich.add_attachment("<p></p>", subtype="html", disposition="inline")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example-council.gov.uk", "b@gmail.com", "Referral"
    msg.set_content(text)
    msg.make_alternative()
    msg.attach(rich)
    return msg.as_bytes()


def test_a_file_apple_mail_attaches_inside_the_html_rendering_is_read_and_its_text_once():
    # the PDF beside the plain text's rendering went out unread, and unlisted
    raw = apple_mail("See the referral.\n\n<referral.pdf>\n", "<p>See the referral.</p>",
                     ("referral.pdf", "application/pdf",
                      testdata.make_pdf("NHS number: 943 476 5919")))
    got = parse(raw)
    parts = {p.name: p.text for p in got.parts}
    assert "943 476 5919" in parts["referral.pdf"]
    assert [a.name for a in got.attachments] == ["referral.pdf"]
    assert parts["body"] == "See the referral.\n\n<referral.pdf>\n"
    assert set(parts) == {"subject", "body", "referral.pdf", "attachment names"}


@pytest.mark.parametrize("hiding", [
    "<!-- Amy Reid, NHS number 943 476 5919 -->",
    '<a href="https://cases.example-council.gov.uk/" title="NHS number 943 476 5919">the case</a>',
    '<form><input name="nhs" value="943 476 5919"></form>',
])
def test_an_nhs_number_an_html_alternative_hides_is_found_and_held(hiding):
    # the plain text says all the HTML shows: the glance at its words found nothing new, and
    # the comment, tooltip or field went out unread
    from dlpgate.testing import sent_to_webmail

    body = "Hi,\n\nPlease see the case.\n"
    html = f"<p>Hi,</p><p>Please see {hiding} the case.</p>"
    found, verdict = sent_to_webmail(body=body, html=html)
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"
    assert sent_to_webmail(body=body, html="<p>Hi,</p><p>Please see the case.</p>")[1] != "hold"


def test_an_nhs_number_an_html_file_hides_is_found_and_held():
    from dlpgate.testing import sent_to_webmail

    page = b"<html><body><p>Visit notes</p><!-- Amy Reid 943 476 5919 --></body></html>"
    found, verdict = sent_to_webmail(attachments=(("notes.html", "text/html", page),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


def html_only(page: str) -> bytes:
    """A message whose body is `page` alone, as a case system sends its letters."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example-council.gov.uk", "b@gmail.com", "Visit"
    msg.set_content(page, subtype="html")
    return msg.as_bytes()


def nhs_found(raw: bytes) -> list[tuple[str, int]]:
    """Each NHS number found in the message, by its part and offset, patterns only."""
    from dlpgate.config import Settings
    from dlpgate.pipeline import Scanner
    from dlpgate.testing import make_envelope

    result = Scanner(Settings.model_validate({"detection": {"ner": False}})).scan(
        raw, make_envelope(raw))
    return [(f.part, f.start) for f in result.evidence.findings if f.entity == "UK_NHS"]


SHOWN_AND_HIDDEN = [
    '<p>Seen: <a href="#" title="NHS 943 476 5919">NHS 943 476 5919</a></p>',
    "<p>Seen: NHS 943 476 5919</p><!-- NHS 943 476 5919 -->",
    '<p>Seen: NHS 943 476 5919</p><form><input value="943 476 5919"></form>',
]


@pytest.mark.parametrize("page", SHOWN_AND_HIDDEN)
def test_a_value_an_html_body_shows_and_hides_too_is_read_once(page):
    # a tooltip or a comment repeating the number the letter shows counted one child twice
    assert nhs_found(html_only(page)) == [("body", 10)]
    body, html = "Seen: NHS 943 476 5919\n", page
    assert nhs_found(make_message(to=("b@gmail.com",), body=body, html=html)) == [("body", 10)]


def test_a_value_an_html_body_hides_and_does_not_show_is_read_after_its_text():
    page = ('<p>Seen: NHS 943 476 5919</p><p><a href="#" title="Leo Hart, NHS 401 023 2137">'
            "his brother</a></p><!-- NHS 943 476 5919 -->")
    msg = parse(html_only(page))
    parts = {p.name: p.text for p in msg.parts}
    assert parts["body"] == "Seen: NHS 943 476 5919\nhis brother"  # where it was
    assert parts["body-html"] == "Tooltip: Leo Hart, NHS 401 023 2137"
    assert nhs_found(html_only(page)) == [("body", 10), ("body-html", 23)]


def test_a_value_only_the_html_alternatives_text_shows_is_not_read_again_from_its_tooltip():
    html = ('<p>See attached.</p><p>Re <a href="#" title="NHS 943 476 5919">NHS 943 476 5919'
            "</a></p>")
    raw = make_message(to=("b@gmail.com",), body="See attached.\n", html=html)
    assert {p.name: p.text for p in parse(raw).parts}["body-html"] == "Re NHS 943 476 5919"
    assert nhs_found(raw) == [("body-html", 7)]


def test_a_rule_counting_nhs_numbers_counts_one_in_the_text_and_its_tooltip_once():
    from dlpgate import yamlsrc
    from dlpgate.config import Settings
    from dlpgate.pipeline import Scanner
    from dlpgate.policy.decide import decide
    from dlpgate.policy.load import Loader
    from dlpgate.testing import make_envelope

    settings = Settings.model_validate({"detection": {"ner": False}})
    two = Loader(settings).load([yamlsrc.parse(
        "rules:\n  - {id: two-nhs, title: t, when: {findings: {entity: UK_NHS, min_count: 2}},"
        " action: hold, explain: x}\n", "count.yaml")])
    for page, verdict in ((SHOWN_AND_HIDDEN[0], "allow"),
                          (SHOWN_AND_HIDDEN[0] + "<p>NHS 401 023 2137</p>", "hold")):
        raw = html_only(page)
        evidence = Scanner(settings).scan(raw, make_envelope(raw)).evidence
        assert decide(evidence, parse(raw), two).verdict.value == verdict, page
