"""RTF documents of every kind, made by seed, to compare RTF readers on (tests/parse/test_rtf.py).

`letter(seed)` writes a letter as Word, WordPad, TextEdit, a case system or Outlook writes
one: their headers (font tables of many character sets, style and list tables, the
document's code page), runs of formatted text with bytes in code pages and \\uN characters,
tables, page headers and footers, footnotes and comments, fields, pictures, objects, lists,
bookmarks and the groups readers pass over; some cut short, some with text around them.
`tokens(seed)` puts RTF's pieces in any order: groups left open and closed too often,
destinations anywhere. None is copied from anywhere.
"""

from __future__ import annotations

import random

WORD_FONTS = (
    r"{\fonttbl{\f0\fbidi \froman\fcharset0\fprq2{\*\panose 02020603050405020304}Times New "
    r"Roman;}{\f1\fbidi \fswiss\fcharset0\fprq2{\*\panose 020b0604020202020204}Arial;}" "\r\n"
    r"{\f2\fnil\fcharset204\fprq2 Arial Cyr;}{\f3\fnil\fcharset2\fprq2 Symbol;}" "\r\n"
    r"{\f4\fswiss\fcharset238\fprq2 Arial CE;}{\f5\fmodern\fcharset128\fprq1 MS Gothic;}" "\r\n"
    r"{\f6\froman\fcharset161\fprq2 Times Greek;}{\f7\fnil\fcharset77 Helvetica;}" "\r\n"
    r"{\f8\fnil Courier;}{\f9\fswiss\fcharset1 Default;}}")
WORD_HEAD = (
    r"{\rtf1\adeflang1025\ansi\ansicpg{cp}\uc1\adeff31507\deff0\stshfdbch31505\stshfloch31506"
    r"\deflang2057\deflangfe2057" + WORD_FONTS + "\r\n"
    r"{\colortbl;\red0\green0\blue0;\red0\green0\blue255;}{\*\defchp \f31506\fs22 }"
    r"{\stylesheet{\ql \li0\ri0\sa160\sl259\slmult1\widctlpar\f31506\fs22 \snext0 Normal;}"
    r"{\*\cs10 \additive \ssemihidden Default Paragraph Font;}{\s15\ql \sbasedon0 \snext15 "
    r"\slink16 header;}}" "\r\n"
    r"{\*\listtable{\list\listtemplateid1{\listlevel\levelnfc23{\leveltext\'01\u-3913 ?;}"
    r"{\levelnumbers;}\f3\fbias0 }{\listname ;}\listid1}}{\*\listoverridetable{\listoverride"
    r"\listid1\listoverridecount0\ls1}}" "\r\n"
    r"{\*\rsidtbl \rsid123\rsid4567}{\mmathPr\mmathFont34\mbrkBin0}{\info{\title Referral}"
    r"{\author Ann Officer}{\operator Ann Officer}{\creatim\yr2026\mo5\dy4}{\company "
    r"Westshire Council}}{\*\xmlnstbl {\xmlns1 http://schemas.microsoft.com/office/word/2003/"
    r"wordml}}" "\r\n"
    r"\paperw11906\paperh16838\margl1440\margr1440 \widowctrl\ftnbj\aenddoc{\*\ftnsep "
    r"\chftnsep}\sectd \linex0\headery708\footery708\colsx708\endnhere\sectlinegrid360 ")
WORDPAD_HEAD = (r"{\rtf1\ansi\ansicpg{cp}\deff0\nouicompat\deflang2057{\fonttbl{\f0\fnil"
                r"\fcharset0 Calibri;}{\f1\fnil\fcharset204 Calibri;}{\f2\fnil\fcharset238 "
                r"Calibri;}}" "\r\n"
                r"{\*\generator Riched20 10.0.19041}\viewkind4\uc1 " "\r\n")
TEXTEDIT_HEAD = (r"{\rtf1\ansi\ansicpg{cp}\cocoartf2639" "\n"
                 r"\cocoatextscaling0\cocoaplatform0{\fonttbl\f0\fswiss\fcharset0 Helvetica;"
                 r"\f1\fnil\fcharset0 HelveticaNeue;}" "\n"
                 r"{\colortbl;\red255\green255\blue255;}" "\n"
                 r"{\*\expandedcolortbl;;}" "\n"
                 r"\paperw11900\paperh16840\margl1440\margr1440\vieww11520\viewh8400\viewkind0"
                 "\n" r"\pard\tx566\tx1133\pardirnatural\partightenfactor0" "\n\n"
                 r"\f0\fs24 \cf0 ")
PLAIN_HEAD = r"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}}\f0 "
OUTLOOK_HEAD = (r"{\rtf1\ansi\ansicpg{cp}\fromhtml1 \fbidis \deff0{\fonttbl{\f0\fswiss\fcharset0"
                r" Arial;}{\f1\fmodern Courier New;}{\f2\fnil\fcharset2 Symbol;}}" "\r\n"
                r"{\colortbl\red0\green0\blue0;\red5\green99\blue193;}" "\r\n"
                r"{\*\htmltag19 <html>}{\*\htmltag34 <head>}{\*\htmltag50 <body lang=EN-GB>}"
                r"\htmlrtf \lang2057 \htmlrtf0 ")
HEADS = (WORD_HEAD, WORDPAD_HEAD, TEXTEDIT_HEAD, PLAIN_HEAD, OUTLOOK_HEAD)
CODE_PAGES = ("1252", "1252", "1250", "1251", "1253", "932", "65001", "99999", "")

WORDS = ("Dear", "Ms", "Reid", "Callum", "NHS", "943 476 5919", "DOB", "04/05/2016", "the",
         "visit", "on", "Tuesday", "referral", "school", "Westshire", "mum", "said", "and",
         "a", "case", "4471", "notes", "(see below)", "x@example.org", "£20", "50%", ";", ":",
         "\"quoted\"", "it's", "co-op", "tab\there", "Ünïcödé", "日本", "€")
RUNS = (r"\rtlch\fcs1 \af31507 \ltrch\fcs0 \insrsid123 ", r"\b ", r"\b0 ", r"\i\ul ",
        r"\lang2057\langfe1033 ", r"\cf2 ", r"\fs24 ", r"\f1 ", r"\f2 ", r"\f4 ", r"\f5 ",
        r"\f6 ", r"\f7 ", r"\f8 ", r"\f9 ", r"\f0\fs22 ", r"\loch\af1\hich\af1\dbch\f5 ",
        r"\plain ", r"\PAR ", r"\Pard ", r"\highlight7 ", r"\expndtw-3 ",
        "\\" + "abcdefghij" * 4 + " ")


def text_run(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(1, 12)):
        kind = rng.random()
        if kind < 0.6:
            out.append(rng.choice(WORDS))
        elif kind < 0.7:
            out.append("".join(rf"\'{rng.randrange(0x80, 0x100):02x}"
                               for _ in range(rng.randint(1, 4))))
        elif kind < 0.78:
            skip = rng.choice(["", r"\uc0 ", r"\uc1 ", r"\uc2 ", r"\uc-1 "])
            code = rng.choice([8217, 233, 1044, -3913, 26085, 0x263a, -1])
            tail = rng.choice(["?", r"\'92", r"\'3f\'3f", "", " x", "\r\nab", r"\'e9z",
                               "{ab}c", r"\par x"])
            out.append(f"{skip}\\u{code}{tail}")
        elif kind < 0.85:
            out.append(rng.choice([r"\emdash ", r"\endash ", r"\bullet ", r"\lquote ",
                                   r"\rquote ", r"\ldblquote ", r"\rdblquote ", r"\~", r"\-",
                                   r"\_", r"\tab ", r"\line ", r"\\", r"\{", r"\}", r"\'zz",
                                   r"\:", r"\|", "\\\r\n", r"\chftn ", r"\chdate ",
                                   r"\u0130 ", "\\\u212a "]))
        elif kind < 0.92:
            out.append(rng.choice(RUNS))
        else:
            out.append(rng.choice(["\r\n", "\n", " ", "  ", "\t"]))
        if rng.random() < 0.5:
            out.append(" ")
    return "".join(out)


def paragraph(rng: random.Random, depth: int = 0) -> str:
    kind = rng.random()
    if kind < 0.45 or depth > 2:
        run = text_run(rng)
        return rng.choice([
            r"\pard\plain \ltrpar\ql \li0\ri0\sa160\widctlpar\f0\fs22 {" + RUNS[0] + run + "}"
            r"{\rtlch\fcs1 \af0 \ltrch\fcs0 \insrsid123 \par }" "\r\n",
            r"\pard\sa200\sl276\slmult1 " + run + r"\par" "\r\n",
            run + "\\\n",
            "{" + run + "}" + r"\par ",
            run + r"\sect " + run + r"\page ",
        ])
    if kind < 0.52:  # a table
        cells = "".join(r"\pard\intbl {" + text_run(rng) + r"\cell }" for _ in range(3))
        return (r"\trowd \irow0\trgaph108\cellx3000\cellx6000\cellx9000 " + cells
                + r"{\trowd \irow0\cellx3000\row }" "\r\n")
    if kind < 0.55:  # a nested table
        return (r"\pard\intbl\itap2 {" + text_run(rng) + r"\nestcell }{\*\nesttableprops"
                r"\trowd\cellx100\nestrow}{\nonesttables \par }\cell\row ")
    if kind < 0.62:  # page header, footer, footnote, comment
        inner = text_run(rng)
        return rng.choice([
            r"{\header \pard\plain " + inner + r"\par}",
            r"{\headerf\pard " + inner + r"\par}",
            r"{\footerl\pard " + inner + r"\par}",
            r"{\*\footerr\pard " + inner + r"\par}",
            r"{\super\chftn}{\footnote \pard\plain {\super\chftn}" + inner + "}",
            r"{\*\atnid JB}{\*\atnauthor Jo Bloggs}\chatn{\*\annotation{\*\atnref 1}\pard "
            + inner + "}",
        ])
    if kind < 0.68:  # fields other than a mail address's hyperlink
        shown = text_run(rng)
        return rng.choice([
            r"{\field{\*\fldinst {\rtlch\fcs1 \af0  PAGE   \\* MERGEFORMAT }}{\fldrslt {"
            + shown + "}}}",
            r"{\field\fldedit{\*\fldinst {\rtlch HYPERLINK \"https://www.example.org/a?b=1\" "
            r"}{\rtlch {\*\datafield 00d0c9ea79f9bace118c8200aa004ba90b0200000003}}}"
            r"{\fldrslt {\rtlch\ul\cf2 " + shown + "}}}",
            r"{\field{\*\fldinst{ DATE \\@ \"d MMMM yyyy\" }}{\fldrslt{" + shown + "}}}",
            r"{\field{\*\fldinst { MERGEFIELD Surname }}{\fldrslt {" + shown + "}}}",
        ])
    if kind < 0.74:  # a picture
        hexed = "".join(f"{rng.randrange(256):02x}" for _ in range(rng.randint(0, 300)))
        wrapped = "\r\n".join(hexed[i:i + 128] for i in range(0, len(hexed), 128))
        return rng.choice([
            r"{\*\shppict{\pict{\*\picprop\shplid1025{\sp{\sn shapeType}{\sv 75}}"
            r"{\sp{\sn fLayoutInCell}{\sv 1}}}\picscalex100\picw900\pich210\pngblip\bliptag-1"
            r"{\*\blipuid 0123456789abcdef0123456789abcdef}" + wrapped + r"}}{\nonshppict"
            r"{\pict\wmetafile8\picw900 " + wrapped + "}}",
            r"{\pict\jpegblip\picw10\pich10 " + wrapped + "}",
        ])
    if kind < 0.78:  # an object
        hexed = "".join(f"{rng.randrange(256):02x}" for _ in range(rng.randint(0, 200)))
        return (r"{\object\objemb{\*\objclass Excel.Sheet.12}\objw2000\objh800{\*\objdata "
                + hexed + r"}{\result{\pict\wmetafile8 0100" + hexed[:40] + "}}}")
    if kind < 0.82:  # lists, bookmarks, things striprtf passes over
        return rng.choice([
            r"{\listtext\pard\plain \f3 \'b7\tab}\ls1 " + text_run(rng) + r"\par ",
            r"{\pntext\f3\'b7\tab}{\*\pn\pnlvlblt\pnf3{\pntxtb\'b7}}" + text_run(rng),
            r"{\*\bkmkstart Client}" + text_run(rng) + r"{\*\bkmkend Client}",
            r"{\*\themedata 504b030414000600}{\*\colorschememapping 3c3f786d6c}",
            r"{\*\datastore 010500000200000018000000}",
            r"{\*\latentstyles\lsdstimax376{\lsdlockedexcept \lsdqformat1 Normal;}}",
            r"{\*\unknowndest " + text_run(rng) + "}",
            r"{\b " + text_run(rng) + r" \fonttbl " + text_run(rng) + "}",
            r"{\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 " + text_run(rng) + r"\htmlrtf\par}"
            r"\htmlrtf0 ",
            r"{\shp{\*\shpinst\shpleft0{\sp{\sn x}{\sv 1}}{\shptxt " + text_run(rng) + "}}}",
        ])
    inner = "".join(paragraph(rng, depth + 1) for _ in range(rng.randint(1, 3)))
    return "{" + rng.choice(["", r"\b ", r"\uc2 ", r"\f2 ", r"\f5 "]) + inner + "}"


def letter(seed: int) -> str:
    """A letter as one of Word, WordPad, TextEdit, a case system or Outlook writes it."""
    rng = random.Random(seed)
    head = rng.choice(HEADS).replace("{cp}", rng.choice(CODE_PAGES))
    body = "".join(paragraph(rng) for _ in range(rng.randint(1, 40)))
    document = head + body + "}"
    if rng.random() < 0.1:
        document = rng.choice(["Intro ", "}", "\r\n", "x{"]) + document
    if rng.random() < 0.1:
        document += rng.choice(["trailing text", "{more}", "}}"])
    if rng.random() < 0.15:  # cut short, as a damaged attachment is
        document = document[: rng.randrange(len(document))]
    return document


PIECES = ("{", "}", "{", "}", r"\*", r"\par ", r"\u8217", r"\u-10 ", r"\uc0 ", r"\uc2 ",
          r"\uc3", r"\'e9", r"\'d0\'e0", r"\'", r"\f0 ", r"\f1 ", r"\f2", r"\f ", r"\fonttbl ",
          r"\pict ", r"\header ", r"\*\footnote ", r"\ansicpg1251 ", r"\ansicpg1253",
          r"\fldinst ", r"\field ", r"\fldrslt ", r"\\", r"\{", r"\}", r"\~", r"\-", r"\tab ",
          "\r\n", " ", "\n", r"\plain ", r"\b ", r"\b0", r"\PAR ", r"\cell ", r"\row ",
          r"\emdash", "word", "NHS 943 476 5919", "x", "0", "12", "-", r"\colortbl ",
          r"\uc1", r"\footnote ", r"\*\annotation ", r"\result ", r"\object ", r"\objdata ",
          r"\u26085\'93\'fa", r"\'4", r"\footerf ", "\\" + "q" * 40, r"\par12345678901",
          "{ab}", "{\r\nab\r\n}", r"\u8217{x}")
FONT_TABLES = ("", r"{\fonttbl{\f0\fcharset0 A;}{\f1\fcharset204 B;}{\f2\fcharset161 C;}}",
               r"{\fonttbl{\f0 A;}{\f1\fcharset204 B;}}",
               "{\\fonttbl{\\f0\\fcharset0 A;}\n{\\f1 B;}\n{\\f2\\fcharset238 C;}}",
               r"{\fonttbl{\f1\fcharset204;}{\f2\fcharset238 C;}}",
               r"{\fonttbl{\f1\fcharset204;;}}", r"{\fonttbl\f1\fcharset204 X;\f2\fcharset0 Y;")


def tokens(seed: int) -> str:
    """RTF's pieces in any order: groups left open and closed too often, destinations
    anywhere."""
    rng = random.Random(seed)
    head = rng.choice(["{\\rtf1\\ansi ", "{\\rtf1 ", "", "{"]) + rng.choice(FONT_TABLES)
    body = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 300)))
    return head + body + rng.choice(["", "\\"])  # a backslash the document ends on


def from_html(page: str) -> str:
    """`page` as Outlook keeps an HTML message's body in RTF (MS-OXRTFEX): `\\fromhtml1` in the
    header, each tag and comment in a `{\\*\\htmltagN ...}` group of its own, the text between
    as RTF, a paragraph's end written for RTF readers between `\\htmlrtf` and `\\htmlrtf0`."""
    import re

    def escaped(text: str) -> str:
        out = text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
        out = out.replace("\n", "\\par ")
        return "".join(c if ord(c) < 128 else f"\\'{c.encode('cp1252')[0]:02x}" for c in out)

    pieces = []
    for n, piece in enumerate(re.split(r"(<!--.*?-->|<[^>]*>)", page, flags=re.DOTALL)):
        if n % 2:
            pieces.append(r"{\*\htmltag" + str(64 + n % 5) + " " + escaped(piece) + "}")
            if piece.lower() == "</p>":
                pieces.append(r"\htmlrtf \par \htmlrtf0 ")
        elif piece:
            pieces.append(escaped(piece))
    return (r"{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}}" "\r\n"
            + "".join(pieces) + "}")
