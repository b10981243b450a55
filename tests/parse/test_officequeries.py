"""A workbook's data connections and Power Query formulas are read after all else it gives."""

from __future__ import annotations

import base64
import io
import json
import struct
import subprocess
import sys
import zipfile

from defusedxml.ElementTree import fromstring

from dlpgate import testdata
from dlpgate.parse import officequeries
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARE = r"\\fs01\Safeguarding\Reid, Amy\contacts.xlsx"
CONNECTIONS = (
    f'<?xml version="1.0"?><connections xmlns="{S}">'
    '<connection id="1" name="Query - contacts" description="Contacts for the review" type="5"'
    ' refreshedVersion="8" background="1" saveData="1"><dbPr connection="Provider=Microsoft.'
    'Mashup.OleDb.1;Data Source=$Workbook$;Location=contacts;Extended Properties=&quot;&quot;"'
    ' command="SELECT * FROM [contacts]"/></connection>'
    '<connection id="2" name="Connection" type="1" refreshedVersion="8"><dbPr connection="DSN='
    f'Excel Files;DBQ={SHARE};DefaultDir=\\\\fs01;DriverId=1046;UID=jsmith;PWD=Winter2026"'
    " command=\"SELECT * FROM `Sheet1$` WHERE surname='Reid' AND nhs='9434765919'\"/>"
    "</connection></connections>")
M = ('section Section1;\r\n\r\nshared contacts = let\r\n    Source = Excel.Workbook(File.Contents('
     f'"{SHARE}"), null, true),\r\n    #"Filtered Rows" = Table.SelectRows(Source, each '
     '[nhs] = "943 476 5919")\r\nin\r\n    #"Filtered Rows";\r\n')
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def datamashup(formula: str, version: int = 0) -> bytes:
    """A customXml item as Excel writes a Power Query's: UTF-16, a DataMashup element holding
    base64 of a version, a length and a zip of parts with Formulas/Section1.m (MS-QDEFF)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("Config/Package.xml", "<Package/>")
        zf.writestr("Formulas/Section1.m", formula.encode("utf-8-sig"))
    parts = buf.getvalue()
    stream = struct.pack("<II", version, len(parts)) + parts + struct.pack("<II", 0, 0)
    return ('<?xml version="1.0" encoding="utf-16"?><DataMashup xmlns="http://schemas.'
            f'microsoft.com/DataMashup">{base64.b64encode(stream).decode()}</DataMashup>'
            ).encode("utf-16")


def workbook(connections: str = CONNECTIONS, mashup: bytes | None = None) -> bytes:
    members: dict[str, bytes] = {"xl/connections.xml": connections.encode()}
    if mashup is not None:
        members["customXml/item1.xml"] = mashup
    return testdata.with_members(testdata.make_xlsx([["Name", "Phone"], ["A R", "x"]]), members)


def read(data: bytes) -> tuple[str, list]:
    msg = parse(make_message(attachments=(("contacts.xlsx", XLSX, data),)))
    [text] = [p.text for p in msg.parts if p.is_attachment]
    return text, list(msg.problems)


def test_a_workbooks_connections_and_power_query_are_read_last_without_passwords():
    text, problems = read(workbook(mashup=datamashup(M)))
    assert problems == []
    assert text.split("\n")[-3:] == [
        "Connection: Query - contacts; Description: Contacts for the review; Source: contacts;"
        " Query: SELECT * FROM [contacts]",
        f"Source: {SHARE}; Query: SELECT * FROM `Sheet1$` WHERE surname='Reid' AND "
        "nhs='9434765919'",
        f"Power Query contacts: {SHARE}, 943 476 5919"]
    assert "Winter2026" not in text and "jsmith" not in text and "Workbook$" not in text
    assert "Filtered Rows" not in text  # Power Query's step names, not data


def test_a_power_query_not_laid_out_as_excel_writes_it_gives_nothing_and_no_error():
    for damaged in (datamashup(M, version=3), datamashup(M).replace(b"D\x00a\x00t\x00a\x00M",
                                                                    b"D\x00a\x00t\x00a\x00X")):
        text, problems = read(workbook(connections=f'<connections xmlns="{S}"/>',
                                       mashup=damaged))
        assert "Power Query" not in text and problems == []
    junk = fromstring('<DataMashup xmlns="http://schemas.microsoft.com/DataMashup">AAAA!'
                      "</DataMashup>")
    assert list(officequeries.mashup(junk)) == []


def test_a_workbook_without_queries_reads_as_before():
    text, _ = read(testdata.make_xlsx([["Name", "Phone"], ["A R", "x"]]))
    assert text == "Name\tPhone\nName: A R; Phone: x"


def test_dlpgate_scan_holds_a_message_whose_workbook_names_a_child_only_in_its_query(tmp_path):
    path = tmp_path / "a.eml"
    path.write_bytes(make_message(to=("reid.family.2026@gmail.com",), body="Hi,\n\nAttached.\n",
                                  attachments=(("contacts.xlsx", XLSX, workbook(
                                      connections=f'<connections xmlns="{S}"/>',
                                      mashup=datamashup(M))),)))
    proc = subprocess.run([sys.executable, "-m", "dlpgate", "scan", "--json", str(path)],
                          capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    [line] = [json.loads(out) for out in proc.stdout.decode().splitlines()]
    assert line["verdict"] == "hold"
    assert {(f["entity"], f["part"]) for f in line["findings"]} >= {("UK_NHS", "contacts.xlsx")}
