from dlpgate.parse.html import html_to_text


def test_blocks_become_lines_and_entities_are_decoded():
    assert html_to_text("<div>Dear&nbsp;Sam</div><p>A &amp; B</p><style>p{}</style>") == \
        "Dear Sam\nA & B"  # no-break spaces fold to spaces for the detectors


def test_broken_markup_does_not_raise():
    assert html_to_text("<p><b>unclosed <i>tags <td").startswith("unclosed tags")
