"""The HTML page inside an RTF body: its tags and comments put back together, for what they hide."""

from __future__ import annotations

from dlpgate import testrtf
from dlpgate.parse import rtf
from dlpgate.parse.html import unshown
from dlpgate.parse.rtfhtml import MARKUP_ROOM, from_html, markup

PAGE = ('<html><body><p>Visit to <a href="#" title="Leo Hart, NHS 401 023 2137">the family'
        "</a> on Monday.</p><!-- Amy Reid {NHS 943 476 5919} --><p>Zoë Reid</p></body></html>")


def test_the_tags_and_comments_of_a_page_outlook_kept_in_rtf_are_read_back():
    document = testrtf.from_html(PAGE)
    tags = markup(document)
    assert '<a href="#" title="Leo Hart, NHS 401 023 2137">' in tags
    assert "<!-- Amy Reid {NHS 943 476 5919} -->" in tags  # escaped braces as written
    assert "Visit" not in tags  # its text is the RTF's, read as RTF
    shown = rtf.text(document)
    assert shown.startswith("Visit to the family on Monday.") and "Zoë Reid" in shown
    assert unshown(tags, shown) == ("Comment: Amy Reid {NHS 943 476 5919}\n"
                                    "Tooltip: Leo Hart, NHS 401 023 2137")


def test_what_a_page_in_rtf_hides_and_its_text_shows_is_not_read_again():
    document = testrtf.from_html('<p><a href="#" title="Zoë Reid">Zoë Reid</a></p>')
    assert unshown(markup(document), rtf.text(document)) == ""


def test_an_rtf_document_not_made_from_html_has_no_page():
    letter = testrtf.from_html(PAGE).replace(r"\fromhtml1 ", "")
    assert not from_html(letter) and markup(letter) == ""
    assert markup(testrtf.letter(3)) == ""


def test_bytes_unicode_and_line_ends_in_a_tag_are_decoded_as_rtf_writes_them():
    document = (r"{\rtf1\ansi\ansicpg1252\fromhtml1 {\*\htmltag84 <a title=" "\r\n"
                r"""'Zo\'eb \u8217?s\par mum'>}x{\*\htmltag92 </a>}}""")
    assert markup(document) == "<a title='Zoë \u2019s\nmum'></a>"


def test_a_tag_never_closed_or_a_million_of_them_cost_one_pass_and_no_more_than_the_room():
    head = r"{\rtf1\ansi\fromhtml1 "
    assert markup(head + r"{\*\htmltag4 <!-- Amy Reid") == "<!-- Amy Reid"
    many = markup(head + r"{\*\htmltag4 <!-- note -->}" * 200_000 + "}")
    assert len(many) <= MARKUP_ROOM and many.startswith("<!-- note --><!-- note -->")
