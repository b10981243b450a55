import base64

import pytest

from dlpgate.parse.html import HIDDEN_ROOM, hidden, hides, html_to_text, links, pictures


def test_blocks_become_lines_and_entities_are_decoded():
    assert html_to_text("<div>Dear&nbsp;Sam</div><p>A &amp; B</p><style>p{}</style>") == \
        "Dear Sam\nA & B"  # no-break spaces fold to spaces for the detectors


def test_broken_markup_does_not_raise():
    assert html_to_text("<p><b>unclosed <i>tags <td").startswith("unclosed tags")


def test_a_tables_rows_are_read_under_its_header_row():
    # an Excel range pasted into Outlook: every cell a paragraph, the dates rows from
    # "Date of birth"
    html = ("<p>Hi,</p><table><tr><td><p class=MsoNormal>Child</p></td><td><p>Date of birth"
            "</p></td></tr><tr><td><p>Amy Reid</p></td><td><p>04/05/2016</p></td></tr>"
            "<tr><td>Leo <b>Barnes</b></td><td>22/09/2016</tr></table><p>Thanks</p>")
    assert html_to_text(html).splitlines() == [
        "Hi,", "Child Date of birth", "Child: Amy Reid; Date of birth: 04/05/2016",
        "Child: Leo Barnes; Date of birth: 22/09/2016", "Thanks"]


def test_a_layout_table_and_a_table_inside_one_keep_their_words():
    html = ("<table><tr><td>logo</td><td>Jo Smith<br>Early Help<table><tr><th>Ref</th>"
            "<th>Team</th></tr><tr><td>M202100314549</td><td>Duty</td></tr></table>"
            "</td></tr></table><table><tr><td>never closed")
    assert html_to_text(html).splitlines() == [
        "logo Jo Smith Early Help Ref Team Ref: M202100314549; Team: Duty", "never closed"]


def test_a_one_column_table_round_the_message_keeps_its_lines():
    # a template wraps the whole message in one cell: "Dear Sarah," ran into the text and the
    # greeting was no longer one
    html = ("<table><tr><td><p>Dear Sarah,</p><p>Jayden's NHS number is 943 476 5919.</p>"
            "<p>Kind regards,<br>Amy</p></td></tr></table>")
    assert html_to_text(html).splitlines() == [
        "Dear Sarah,", "Jayden's NHS number is 943 476 5919.", "Kind regards,", "Amy"]


def test_a_picture_written_into_the_markup_is_found_with_its_type():
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    wrapped = base64.encodebytes(picture).decode()  # 76-letter lines, as editors wrap it
    markup = (f'<p>Below</p><img alt="list" src="data:image/png;base64,{wrapped}">'
              f'<div style="background:url(\'data:image/JPEG;name=x.jpg;base64,'
              f'{base64.b64encode(b"jpeg bytes").decode()}\')"></div>')
    assert list(pictures(markup)) == [("image/png", picture), ("image/jpeg", b"jpeg bytes")]


def test_a_picture_with_escaped_or_missing_padding_is_read_and_a_broken_one_passed_over():
    assert list(pictures('<img src="data:image/gif;base64,R0lGODlh&#61;&#61;">')) == [
        ("image/gif", b"GIF89a")]
    assert list(pictures('<img src="data:image/gif;base64,R0lGODlh">')) == [
        ("image/gif", b"GIF89a")]
    assert list(pictures('<img src="data:image/png;base64,A">')) == []  # no whole byte
    assert list(pictures('<img src="data:image/png,raw">')) == []  # not base64: no picture
    assert list(pictures("<p>the data: image/png header</p>")) == []


def test_a_pictures_alt_text_is_read_as_outlook_shows_it_in_place_of_the_picture():
    assert html_to_text('<p>See <img src="cid:a" alt="Callum Reid DOB 04/05/2016"> and'
                        ' <img src="cid:b" alt=""></p>') == "See Callum Reid DOB 04/05/2016 and"


def test_the_addresses_links_go_to_are_found_once_each_unless_the_text_says_them():
    markup = ('<p><a href="https://mosaic.example.gov.uk/person?name=Amy%20Reid&amp;nhs=9434765919">'
              "the record</a>, <a href='mailto:amy.reid.family@gmail.com'>email her mother</a>"
              '<a href="#top">top</a> <img src="cid:image001.png"> <A HREF=https://x.org/a>'
              'https://x.org/a</A> <a name="n" href="javascript:void(0)">x</a>'
              '<a href="mailto:amy.reid.family@gmail.com">again</a>'
              '<area shape="rect" href="file:///S:/Children/Amy%20Reid/plan.docx"></p>')
    shown = html_to_text(markup)
    assert links(markup, shown) == [
        "https://mosaic.example.gov.uk/person?name=Amy Reid&nhs=9434765919",
        "mailto:amy.reid.family@gmail.com", "file:///S:/Children/Amy Reid/plan.docx"]
    assert links("<p>no links</p>") == []


def test_links_in_markup_of_unclosed_tags_are_looked_for_in_one_pass():
    # from each "<a" the search went to the end of the markup: 20,000 took 18 s
    for markup in ("<a " * 150_000, '<a href="' * 150_000, "<area x=" * 150_000):
        assert links(markup) == []
    many = '<p>x</p><a href="https://x.org/a">a</a>' * 50_000
    assert links(many, "x " * 50_000) == ["https://x.org/a"]


HIDDEN = "Amy Reid, NHS number 943 476 5919"


@pytest.mark.parametrize("markup, line", [
    (f"<p>See below.</p><!-- {HIDDEN} -->", f"Comment: {HIDDEN}"),
    (f"<p>See below.</p><!-- <p>{HIDDEN}</p>\n<p>old</p> -->", f"Comment: {HIDDEN} old"),
    (f'<p>See <a href="#" title="{HIDDEN}">below</a>.</p>', f"Tooltip: {HIDDEN}"),
    (f'<p>See below.</p><form><input name="nhs" value="{HIDDEN}"></form>',
     f"Form field: {HIDDEN}"),
])
def test_what_a_page_hides_is_read_after_its_text(markup, line):
    # a case system's template kept the old text commented out; a link's tooltip named the
    # child; a form came filled in: each went out unread
    assert html_to_text(markup).startswith("See below.")  # what it shows, as before
    assert hidden(markup) == line


def test_outlooks_own_comments_are_not_read_nor_taken_for_hiding():
    markup = ("<html><head><style><!--\n/* Font Definitions */ p {margin:0}\n--></style>"
              "<!--[if gte mso 9]><xml><o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" />"
              "</xml><![endif]--></head><body><p>Hello</p></body></html>")
    assert html_to_text(markup) == "Hello"
    assert not hides(markup) and hidden(markup) == ""


def test_what_a_page_hides_is_read_to_its_room():
    markup = "<p>x</p>" + "".join(f"<!-- note {n} -->" for n in range(20_000))
    assert len(hidden(markup)) <= HIDDEN_ROOM
