"""Malformed and malicious messages, made by script: what the parser and extractors must survive.

Each entry is a whole message (bytes) with the shape of a known attack or accident:
deep MIME nesting, ten thousand parts, header injection, NUL bytes, mixed and
bogus charsets, a megabyte-long line, a zip bomb, a binary workbook whose records lie, Word
documents whose piece tables lie, a zip that contains itself, a PDF whose objects refer to
each other in a loop, PDFs of twenty thousand comments, of a thousand files inside, of PDFs
inside PDFs and of a form that draws itself, a winmail.dat of items inside items whose
compressed body claims 4 GB, an RTF letter of half a million braces, a lying object and
letters inside objects ten deep, zstd and LZ4 bombs, a disc image whose file claims 4 GB
from past its end, the first volumes of a split zip, XML entity expansion in an OOXML file,
a truncated base64 body, an unterminated multipart, address headers of thousands of nested
comments. None is copied from anywhere. `corpus()` -> {name: bytes};
`scripts/make_hostile_corpus.py` writes them out as .eml files for `dlpgate scan`.
"""

from __future__ import annotations

import base64
import io
import zipfile

from dlpgate import testdata, testing

FROM = b"From: a@example-council.gov.uk\r\nTo: x@example.org\r\n"


def _mime(subject: bytes, content_type: bytes, body: bytes) -> bytes:
    return (FROM + b"Subject: " + subject + b"\r\nMIME-Version: 1.0\r\nContent-Type: "
            + content_type + b"\r\n\r\n" + body)


def _attachment(name: str, ctype: str, data: bytes) -> bytes:
    b64 = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return _mime(b"attachment", b'multipart/mixed; boundary="B"',
                 b"--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\n"
                 + f'Content-Type: {ctype}; name="{name}"\r\nContent-Transfer-Encoding: base64\r\n'
                   f'Content-Disposition: attachment; filename="{name}"\r\n\r\n'.encode()
                 + b64 + b"\r\n--B--\r\n")


def deep_nesting(depth: int = 2000) -> bytes:
    head = b"".join(f'--b{i}\r\nContent-Type: multipart/mixed; boundary="b{i + 1}"\r\n\r\n'
                    .encode() for i in range(depth))
    tail = b"".join(f"\r\n--b{i}--\r\n".encode() for i in reversed(range(depth)))
    return _mime(b"deep", b'multipart/mixed; boundary="b0"', head + b"--b" + str(depth).encode()
                 + b"\r\nContent-Type: text/plain\r\n\r\nbottom\r\n" + tail)


def many_parts(n: int = 10_000) -> bytes:
    parts = b"".join(b"--P\r\nContent-Type: text/plain\r\n\r\npart " + str(i).encode() + b"\r\n"
                     for i in range(n))
    return _mime(b"many", b'multipart/mixed; boundary="P"', parts + b"--P--\r\n")


def header_injection() -> bytes:
    return (FROM + b"Subject: hello\r\nBcc: injected@evil.example\r\n"
            b"X-Note: line one\r\n\tfolded\rbare CR\nbare LF: still a header?\r\n"
            b"Content-Type: text/plain\r\n\r\nbody\r\n")


def nul_bytes() -> bytes:
    return _mime(b"nul\x00here", b"text/plain", b"NHS 943 476\x00 5919\x00\x00 end\r\n")


def nul_headers() -> bytes:
    """A NUL where headers go into the store: an address in To, the Message-ID."""
    return (FROM + b"To: \x00z@example.org, x@example.org\r\nMessage-ID: <a\x00b@x>\r\n"
            b"Subject: notes\r\n\r\nNHS 943 476 5919, diagnosed with epilepsy\r\n")


def mixed_charsets() -> bytes:
    return (FROM + b"Subject: =?utf-8?B?" + base64.b64encode("Åsa's £".encode()) +
            b"?= =?x-unknown?Q?bogus?= =?iso-8859-1?Q?caf=E9?=\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: text/plain; charset="x-klingon"\r\n\r\n\xff\xfe\xe9t\xc3\r\n')


def huge_line(size: int = 1_000_000) -> bytes:
    return _mime(b"long line", b"text/plain", b"x" * size + b"\r\n")


def zip_bomb() -> bytes:
    return _attachment("bomb.zip", "application/zip", testdata.make_zip_bomb())


def zstd_lz4_bombs() -> bytes:
    """A .tar.zst and a .tar.lz4 each of one file of 64 MB of zeros (2 KB and 260 KB packed),
    and a .zst of a .lz4 of the same."""
    from dlpgate import testarchives

    tar = testarchives.make_tar({"a.txt": bytes(64 * 1024 * 1024)})
    return testing.make_message(subject="packed", attachments=(
        ("cases.tar.zst", "application/zstd", testarchives.make_zstd(tar)),
        ("cases.tar.lz4", "application/x-lz4", testarchives.make_lz4(tar)),
        ("twice.lz4.zst", "application/zstd",
         testarchives.make_zstd(testarchives.make_lz4(tar)))))


def iso_lies() -> bytes:
    """A disc image whose file's directory records claim 4 GB, from a place past its end."""
    import struct

    from dlpgate import testarchives

    iso = bytearray(testarchives.make_iso({"Reid, Amy/letter.txt": "Amy Reid, NHS 943 476 5919",
                                           "b.txt": "x"}))
    at = -1
    while (at := iso.find(b"LETTER.TXT;1", at + 1)) != -1:  # ISO 9660's name and Joliet's
        record = at - 33
        iso[record + 2:record + 18] = (struct.pack("<I", 0x7FFFFFF0) + struct.pack(">I", 0x7FFFFFF0)
                                       + struct.pack("<I", 0xFFFFFFFF) * 2)
    return _attachment("disc.iso", "application/x-iso9660-image", bytes(iso))


def seven_zip_list_lies() -> bytes:
    """A 7z whose list of files is packed with PPMd, as no writer packs one, hiding an entry
    marked as a link that holds 16 MB (libarchive unpacks a link whole to read it)."""
    from dlpgate import testarchives

    data = testarchives.make_7z_list_packed({"before.txt": "Amy Reid"}, "ppmd",
                                            links={"link": b"a" * (16 << 20)},
                                            compression="lzma2")
    return _attachment("cases.7z", "application/x-7z-compressed", data)


def split_volume() -> bytes:
    """The first volume of a zip split by 7-Zip (its bytes cut at a volume's size), a 4 MB
    file of random letters going on past it, named as the next volume too."""
    import random

    letters = "".join(random.Random(5).choices("abcdefghij ", k=4_000_000))
    data = testdata.make_zip({"A notes.txt": "Amy Reid", "big.txt": letters})
    return testing.make_message(subject="volumes", attachments=(
        ("out.zip.001", "application/octet-stream", data[:len(data) // 3]),
        ("out.zip.002", "application/octet-stream", data[len(data) // 3:len(data) // 2]),
        ("out.z01", "application/octet-stream", b"PK\x07\x08" + data[:len(data) // 3])))


def xlsb_lies() -> bytes:
    """A binary workbook (.xlsb) whose sheet has a hundred thousand empty rows, a cell
    pointing past the shared strings, then a record claiming 256 MB more than it has."""
    import struct

    book = testdata.make_xlsb({"Pupils": [["Name", "NHS number"], ["Jane Doe", 9434765919]]})
    with zipfile.ZipFile(io.BytesIO(book)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.bin")
    at = sheet.rindex(b"\x92\x01\x00")  # the end of its rows
    lies = b"".join(b"\x00\x11" + struct.pack("<IIHBBBI", 9 + r, 0, 300, 0, 0, 0, 0)
                    for r in range(100_000))
    lies += b"\x07\x0c" + struct.pack("<III", 0, 0, 4_000_000) + b"\x00\xff\xff\xff\x7f"
    book = testdata.with_members(book, {"xl/worksheets/sheet1.bin": sheet[:at] + lies})
    return _attachment("pupils.xlsb", "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
                       book)


def doc_lies(pieces: int = 20_000) -> bytes:
    """Legacy Word documents whose counts and offsets lie: a piece table claiming 4 GB, text
    counted in billions, a piece past the end of the text, and twenty thousand pieces all over
    the same five bytes."""
    import struct

    import olefile

    letter = testdata.make_doc(["Jane Doe 943 476 5919"] * 3, tables=[[["Name", "Jane"]]])
    with olefile.OleFileIO(io.BytesIO(letter)) as ole:
        word, table = ole.openstream("WordDocument").read(), ole.openstream("1Table").read()
    clx, text = 0x9A + 8 * 33, 0x40 + 12  # fcClx and lcbClx, ccpText in the FIB
    fc = struct.unpack_from("<I", word, clx)[0]
    plc = struct.pack(f"<{pieces + 1}i", *range(0, 5 * pieces + 1, 5)) + struct.pack(
        "<HIH", 0, 2048 | 0x40000000, 0) * pieces
    many = table[:fc] + b"\x02" + struct.pack("<I", len(plc)) + plc
    past = _changed(table, {fc + 5 + 8 + 2: struct.pack("<I", len(word) - 4)})
    files = {
        "clx.doc": (_changed(word, {clx: struct.pack("<II", fc, 0xFFFFFFFF)}), table),
        "billions.doc": (_changed(word, {text: struct.pack("<i", 0x7FFFFFFF)}), table),
        "past.doc": (word, past),
        "pieces.doc": (_changed(word, {clx: struct.pack("<II", fc, 5 + len(plc)),
                                       text: struct.pack("<i", 5 * pieces)}), many)}
    return testing.make_message(body="Letters attached.\n", attachments=tuple(
        (name, "application/msword", testdata._compound_file([
            ("WordDocument", streams[0]), ("1Table", streams[1])]))
        for name, streams in files.items()))


def _changed(data: bytes, changes: dict[int, bytes]) -> bytes:
    out = bytearray(data)
    for at, value in changes.items():
        out[at:at + len(value)] = value
    return bytes(out)


def zip_quine() -> bytes:
    """A zip holding a zip holding a zip ... (the quine's effect, bounded by our depth limit)."""
    inner = b"end"
    for level in range(30):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"level{level}.zip" if level else "end.txt", inner)
        inner = buf.getvalue()
    return _attachment("quine.zip", "application/zip", inner)


def pdf_loop() -> bytes:
    """Page tree nodes whose Kids point at each other."""
    pdf = (b"%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n"
           b"2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
           b"3 0 obj <</Type/Pages/Kids[2 0 R]/Count 1/Parent 2 0 R>> endobj\n"
           b"trailer <</Root 1 0 R>>\n%%EOF\n")
    return _attachment("loop.pdf", "application/pdf", pdf)


def _pdf_page(extra: bytes = b"", resources: bytes = b"", ops: bytes = b"") -> list[bytes]:
    """The first objects of a one-page PDF (catalog, pages, page, contents, font) whose text
    is a report's paragraph; `extra` goes into the catalog, `resources` into the page's."""
    text = b"BT /F1 11 Tf 50 780 Td (" + b"The panel agreed the actions below. " * 8 + b") Tj ET"
    stream = ops + b"\n" + text
    return [b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font "
            b"<< /F1 5 0 R >> " + resources + b" >> /Contents 4 0 R %ANNOTS% >>",
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream +
            b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]


def pdf_many_notes(n: int = 20_000) -> bytes:
    """A page with twenty thousand comments, each its own annotation of another kind: read
    up to the part's text limit, not without end."""
    objects = _pdf_page()
    kinds = (b"/Highlight", b"/Square", b"/Stamp", b"/Ink", b"/Popup", b"/Link")
    for i in range(n):
        objects.append(b"<< /Type /Annot /Subtype " + kinds[i % len(kinds)] + b" /Rect [0 0 1 1] "
                       b"/Contents (Comment " + str(i).encode() + b": NHS 943 476 5919) >>")
    refs = b" ".join(f"{6 + i} 0 R".encode() for i in range(n))
    objects[2] = objects[2].replace(b"%ANNOTS%", b"/Annots [" + refs + b"]")
    return _attachment("notes.pdf", "application/pdf", testdata._pdf_file(objects))


def pdf_many_files(n: int = 1_000) -> bytes:
    """A PDF with a thousand files attached inside: read as an archive's members are, until
    the message's parts run out."""
    names = b" ".join(f"(child{i}.txt) {6 + 2 * i} 0 R".encode() for i in range(n))
    objects = _pdf_page(b"/Names << /EmbeddedFiles << /Names [" + names + b"] >> >>")
    objects[2] = objects[2].replace(b"%ANNOTS%", b"")
    for i in range(n):
        data = f"Child {i}, NHS 943 476 5919".encode()
        objects += [f"<< /Type /Filespec /F (child{i}.txt) /EF << /F {7 + 2 * i} 0 R >> >>"
                    .encode(),
                    b"<< /Type /EmbeddedFile /Length " + str(len(data)).encode() +
                    b" >>\nstream\n" + data + b"\nendstream"]
    return _attachment("files.pdf", "application/pdf", testdata._pdf_file(objects))


def pdf_quine(depth: int = 30) -> bytes:
    """A PDF holding a PDF holding a PDF ... (the quine's effect, bounded by the depth
    limit as a zip's is)."""
    inner = b"end"
    for level in range(depth):
        name = f"level{level}.pdf" if level else "end.txt"
        objects = _pdf_page(f"/Names << /EmbeddedFiles << /Names [({name}) 6 0 R] >> >>"
                            .encode())
        objects[2] = objects[2].replace(b"%ANNOTS%", b"")
        objects += [f"<< /Type /Filespec /F ({name}) /EF << /F 7 0 R >> >>".encode(),
                    b"<< /Type /EmbeddedFile /Length " + str(len(inner)).encode() +
                    b" >>\nstream\n" + inner + b"\nendstream"]
        inner = testdata._pdf_file(objects)
    return _attachment("quine.pdf", "application/pdf", inner)


def pdf_form_loop() -> bytes:
    """A page of text whose form draws itself a thousand times, beside a picture big enough
    to read: where pictures are drawn is looked for through each form once."""
    pixels = b"\xff" * (1000 * 300)
    objects = _pdf_page(resources=b"/XObject << /Fm 6 0 R /Im 7 0 R >>",
                        ops=b"q 480 0 0 150 50 400 cm /Im Do Q /Fm Do")
    objects[2] = objects[2].replace(b"%ANNOTS%", b"")
    loop = b"/Fm Do " * 1000
    objects += [b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject "
                b"<< /Fm 6 0 R /Im 7 0 R >> >> /Length " + str(len(loop)).encode() +
                b" >>\nstream\n" + loop + b"\nendstream",
                b"<< /Type /XObject /Subtype /Image /Width 1000 /Height 300 /ColorSpace "
                b"/DeviceGray /BitsPerComponent 8 /Length " + str(len(pixels)).encode() +
                b" >>\nstream\n" + pixels + b"\nendstream"]
    return _attachment("loop-form.pdf", "application/pdf", testdata._pdf_file(objects))


def tnef_bombs(depth: int = 40, references: int = 250_000) -> bytes:
    """winmail.dat of Outlook items attached inside items, `depth` deep, its body compressed
    RTF whose header claims 4 GB and whose tokens each copy 17 bytes (2 MB from 250 KB), and
    a property block claiming 2^31 properties: read to the depth limit and the bytes the
    tokens really give, the block said damaged at once."""
    import struct

    tokens, w = [b"-"], 208
    for n in range(references):  # a run from the dash, then the 17 bytes before, each
        tokens.append(struct.pack(">H", ((w - (17 if n else 1)) % 4096) << 4 | 15))
        w += 17
    body = bytearray()
    for at in range(0, len(tokens), 8):
        body.append(0xFE if at == 0 else 0xFF)
        body += b"".join(tokens[at:at + 8])
    rtf = struct.pack("<II4sI", len(body) + 12, 0xFFFFFFFF, b"LZFu", 0) + bytes(body)
    item = testdata.make_tnef({"notes.txt": b"NHS 943 476 5919"}, subject="bottom")
    for level in range(depth):
        item = testdata.make_tnef({}, subject=f"level {level}",
                                  attachments=[testdata.tnef_item("Fwd", item)])
    wrapper = testdata.make_tnef({}, props=[(0x1009, 0x0102, rtf)],
                                 attachments=[testdata.tnef_item("Fwd", item)])
    damaged = struct.pack("<I", 2**31) + bytes(8)
    wrapper += struct.pack("<BII", 1, 0x00069003, len(damaged)) + damaged + b"\x00\x00"
    return _attachment("winmail.dat", "application/ms-tnef", wrapper)


def rtf_bombs(braces: int = 500_000) -> bytes:
    """An RTF letter whose font table is one line of fonts with no character set, that skips
    a million characters after one, opens half a million groups inside each other, holds an
    object claiming 4 GB, RTF letters inside objects inside each other ten deep, and ends in
    hyperlink fields never closed and binary data claiming 4 GB: striprtf searched the font
    table and the fields' line again from every place (minutes); each is one pass now, the
    object said damaged, the letters read to the depth limit."""
    lying = bytearray(testdata.ole1_object("Excel.Sheet.12", b"PK" * 40))
    lying[-84:-80] = b"\xff\xff\xff\xff"
    inner = testdata.make_rtf("NHS 943 476 5919")
    for _ in range(10):
        inner = testdata.make_rtf_with_objects("Letter", [testdata.ole1_object("Word.RTF",
                                                                               inner)])
    letter = (r"{\rtf1\ansi{\fonttbl" + r"\f1 x" * 100_000 + r"}\uc1000000\u8217 " + "x" * 200_000
              + r"\par " + "{" * braces + "NHS 943 476 5919" + "}" * braces
              + testdata.make_rtf_with_objects("", [bytes(lying)]).decode()[1:-1]
              + inner.decode()[1:-1]
              + r"{\field{\*\fldinst{HYPERLINK " * 50_000 + r"{\pict\bin4000000000 x")
    return _attachment("letter.rtf", "application/rtf", letter.encode("ascii"))


def entity_expansion() -> bytes:
    return _attachment("laughs.docx", "application/vnd.openxmlformats-officedocument."
                       "wordprocessingml.document", testdata.make_entity_docx())


def truncated_base64() -> bytes:
    return _attachment("cut.pdf", "application/pdf", testdata.make_pdf("x" * 2000))[:-400]


def unterminated_multipart() -> bytes:
    return _mime(b"open", b'multipart/mixed; boundary="Z"',
                 b"--Z\r\nContent-Type: text/plain\r\n\r\nNo closing boundary, ever.\r\n")


def nested_comments(depth: int = 5000) -> bytes:
    """Address headers of thousands of nested comments: the standard library's address
    parser recurses once per parenthesis (found by tests/test_fuzz_parse.py)."""
    folded = b"\r\n ".join([b"(" * 500] * (depth // 500))  # lines an SMTP server accepts
    return (b"From: a@example-council.gov.uk " + folded + b"\r\nTo: x@example.org "
            + folded + b")\r\nSubject: comments\r\n\r\nNHS 943 476 5919\r\n")


def unclosed_styles(n: int = 300_000) -> bytes:
    """An HTML alternative of unclosed <style> tags: a lazy pattern removing style blocks
    rescanned the rest of the text from each one (8,000 took two seconds; these, an hour)."""
    return testing.make_message(body="See attached.\n",
                                html="<p>NHS 943 476 5919</p>" + "<style x>" * n)


def tag_starts(n: int = 300_000) -> bytes:
    """HTML of "<" that never closes: the standard library's HTML parser looked for each
    tag's end again from every one (40,000 took 4.5 s), and the scan timed out."""
    return testing.make_message(body="See attached.\n",
                                html="<p>NHS 943 476 5919</p>" + "x<" * n)


def pictures_in_markup(n: int = 5_000) -> bytes:
    """HTML showing thousands of small pictures from data: addresses, each different (so
    none is read once for all), and one 5 MB address of nothing: every one is decoded and
    looked at. A pattern matching the letters one alternation at a time took 9 s over 20 MB."""
    tiny = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10"
    shown = "".join(f'<img src="data:image/png;base64,'
                    f'{base64.b64encode(tiny + i.to_bytes(4, "big")).decode()}">'
                    for i in range(n))
    return testing.make_message(body="See attached.\n", html="<p>NHS 943 476 5919</p>" + shown
                                + '<img src="data:image/png;base64,' + "A" * 5_000_000 + '">')


def corpus() -> dict[str, bytes]:
    return {f.__name__: f() for f in (deep_nesting, many_parts, header_injection, nul_bytes,
                                      nul_headers, mixed_charsets, huge_line, zip_bomb,
                                      xlsb_lies, doc_lies,
                                      zip_quine, pdf_loop, entity_expansion, truncated_base64,
                                      unterminated_multipart, nested_comments, unclosed_styles,
                                      tag_starts, pictures_in_markup, pdf_many_notes,
                                      pdf_many_files, pdf_quine, pdf_form_loop, tnef_bombs,
                                      rtf_bombs, zstd_lz4_bombs, iso_lies, split_volume,
                                      seven_zip_list_lies)}
