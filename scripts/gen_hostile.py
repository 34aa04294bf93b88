#!/usr/bin/env python3
"""Writes the hostile inputs of issue 19 (SPEC 2.5), each beside good rows of rewards.

    python3 scripts/gen_hostile.py OUT_DIR          # small: the files of tests/corpus/workbooks
    python3 scripts/gen_hostile.py OUT_DIR --full   # the sizes the attack used, for benches/hostile.sh

--full writes the whitespace run at 1 GB and the shared string at 256 MB (each still about
1 MB compressed or less), and the inputs too big to commit: the same shared string and a
300 MB run of white space as text deflate barely compresses (so only the 1 MiB bound can
stop them, not the ratio of 1,000), a CSV line of 100 MB, and a CSV of one 1 GB line. The
small files hold 2 MiB of each, past the 1 MiB a cell may hold. The .xls files need xlwt
(pip install xlwt); without it they are left out, with a note.
"""

import io
import random
import sys
import zipfile

HEADER = ["external_id", "referral_user_id", "application_id", "rule_type", "bonus_type", "point_bonus", "stage"]
GOOD = ["e1", "ou_1", "app_1", 1, 1, 100, 1]
GOOD2 = ["e2", "ou_2", "app_2", 1, 1, 200, 1]


def col_name(i):
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell_xml(ref, value):
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{esc(value)}</t></is></c>'


def row_xml(number, values, start_col=0):
    cells = "".join(cell_xml(f"{col_name(start_col + i)}{number}", v) for i, v in enumerate(values) if v != "")
    return f'<row r="{number}">{cells}</row>'


CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Rewards" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""
SHEET_START = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_END = "</sheetData></worksheet>"


def xlsx(path, sheet_parts, shared=None):
    """An .xlsx whose sheet is the concatenation of `sheet_parts` (strings, or generators of
    bytes for parts too big to hold), and whose shared strings are `shared` (the same)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        write_part(z, "xl/worksheets/sheet1.xml", [SHEET_START, *sheet_parts, SHEET_END])
        if shared is not None:
            write_part(z, "xl/sharedStrings.xml", shared)


def write_part(z, name, parts):
    with z.open(name, "w", force_zip64=True) as out:
        for part in parts:
            if isinstance(part, str):
                out.write(part.encode())
            else:
                for chunk in part:
                    out.write(chunk)


def repeated(unit, total, chunk=1 << 20):
    """`unit` (bytes) over and over, `total` bytes in all, a chunk at a time."""
    block = unit * (chunk // len(unit) + 1)
    left = total
    while left > 0:
        n = min(chunk, left)
        yield block[:n]
        left -= n


def header_and_good():
    return row_xml(1, HEADER) + row_xml(2, GOOD)


def write_all(out, full):
    big_run = (1 << 30) if full else (2 << 20)
    big_string = (256 << 20) if full else (2 << 20)

    # One cell at column AAAAAAA: far past XFD.
    xlsx(f"{out}/column-aaaaaaa.xlsx", [header_and_good(), '<row r="3"><c r="AAAAAAA3"><v>1</v></c></row>'])
    # One cell just past the last column (XFE) and one past the last row.
    xlsx(f"{out}/column-xfe.xlsx", [header_and_good(), '<row r="3"><c r="XFE3"><v>1</v></c></row>'])
    xlsx(f"{out}/row-1048577.xlsx", [header_and_good(), '<row r="1048577"><c r="A1048577"><v>1</v></c></row>'])
    # A run of white space between two rows.
    xlsx(f"{out}/whitespace-run.xlsx", [header_and_good(), repeated(b" ", big_run), row_xml(3, GOOD2)])
    # A shared string too long for a cell, used as an external_id.
    sst_head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>e1</t></si><si><t>'
    xlsx(
        f"{out}/shared-string-long.xlsx",
        [row_xml(1, HEADER), '<row r="2"><c r="A2" t="s"><v>1</v></c>' + "".join(cell_xml(f"{col_name(i + 1)}2", v) for i, v in enumerate(GOOD[1:])) + "</row>", row_xml(3, GOOD2)],
        [sst_head, repeated(b"x", big_string), "</t></si></sst>"],
    )
    # The same length, inline in the cell.
    xlsx(
        f"{out}/inline-cell-long.xlsx",
        [row_xml(1, HEADER), '<row r="2"><c r="A2" t="inlineStr"><is><t>', repeated(b"x", 2 << 20), "</t></is></c></row>", row_xml(3, GOOD2)],
    )
    # An error value calamine does not know, beside good rows.
    xlsx(
        f"{out}/error-getting-data.xlsx",
        [row_xml(1, HEADER), row_xml(2, GOOD), '<row r="3"><c r="A3" t="e"><v>#GETTING_DATA</v></c>' + "".join(cell_xml(f"{col_name(i + 1)}3", v) for i, v in enumerate(GOOD2[1:])) + "</row>",
         row_xml(4, ["e4", "ou_4", "app_4", 1, 1, 400, 1])],
    )
    # A value past the header's last column.
    xlsx(f"{out}/value-without-header.xlsx", [row_xml(1, HEADER), row_xml(2, GOOD + ["stray"]), row_xml(3, GOOD2)])
    # A zip entry that declares fewer bytes than it holds.
    lying_entry(f"{out}/declared-size-lies.xlsx")
    # .ods: one row repeated to the last row; two tables; a date in 1899.
    ods(f"{out}/ods-row-repeated.ods", [("Rewards", ods_row(HEADER) + ods_row(GOOD, repeat=1048575))])
    ods(f"{out}/ods-two-tables.ods", [("Rewards", ods_row(HEADER) + ods_row(GOOD)), ("Big", ods_row(["x"] * 4, repeat=1048575))])
    ods(f"{out}/ods-date-1899.ods", [("Rewards", ods_row(HEADER + ["create_time"]) + ods_row(GOOD + [("date", "1899-06-01")]) + ods_row(GOOD2 + [("date", "2024-01-08")]))])
    try:
        xls_far_cell(f"{out}/xls-cell-iv65536.xls")
        xls_rewards(f"{out}/xls-rewards.xls")
    except ImportError:
        print("note: no xlwt (pip install xlwt): the .xls files are left out", file=sys.stderr)
    if full:
        write_big(out)


def noise(alphabet, total, chunk=1 << 20):
    """`total` bytes drawn from `alphabet`, a chunk at a time; the same on every run."""
    table = bytes(alphabet[i % len(alphabet)] for i in range(256))
    draw = random.Random(19)
    left = total
    while left > 0:
        n = min(chunk, left)
        yield draw.randbytes(n).translate(table)
        left -= n


def write_big(out):
    """The inputs only --full writes: too big to commit, or made to defeat the ratio rule."""
    # A shared string of random letters: deflate gets it to about 60 %, no ratio rule helps.
    sst_head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>e1</t></si><si><t>'
    xlsx(
        f"{out}/shared-string-256m-random.xlsx",
        [row_xml(1, HEADER), '<row r="2"><c r="A2" t="s"><v>1</v></c>' + "".join(cell_xml(f"{col_name(i + 1)}2", v) for i, v in enumerate(GOOD[1:])) + "</row>"],
        [sst_head, noise(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 256 << 20), "</t></si></sst>"],
    )
    # 300 MB of spaces, tabs and line breaks in random order between two rows.
    xlsx(f"{out}/whitespace-300m-random.xlsx", [header_and_good(), noise(b" \t\r\n", 300 << 20), row_xml(3, GOOD2)])
    csv_header = ",".join(HEADER) + ",reason\n"
    good_line = ",".join(str(v) for v in GOOD)
    with open(f"{out}/csv-line-100m.csv", "wb") as f:
        f.write(csv_header.encode())
        f.write(f"{good_line},ok\n".encode())
        # A row whose reason is 100 MiB of text.
        f.write(",".join(str(v) for v in GOOD2).encode() + b",")
        for chunk in repeated(b"x", 100 << 20):
            f.write(chunk)
        f.write(b"\n")
        f.write(",".join(str(v) for v in ["e3", "ou_3", "app_3", 1, 1, 300, 1]).encode() + b",ok\n")
    # One line of 1 GiB, no line break: not even a header can be told.
    with open(f"{out}/csv-single-line-1g.csv", "wb") as f:
        for chunk in repeated(b"external_id,", 1 << 30, chunk=12 << 16):
            f.write(chunk)


def lying_entry(path):
    buf = io.BytesIO()
    xlsx(buf, [header_and_good(), row_xml(3, GOOD2)])
    data = bytearray(buf.getvalue())
    # Patch the sheet's declared uncompressed size (local header and central directory) to 100.
    name = b"xl/worksheets/sheet1.xml"
    at = 0
    while True:
        at = data.find(name, at)
        if at < 0:
            break
        if data[at - 30:at - 26] == b"PK\x03\x04":
            data[at - 8:at - 4] = (100).to_bytes(4, "little")
        elif data[at - 46:at - 42] == b"PK\x01\x02":
            data[at - 22:at - 18] = (100).to_bytes(4, "little")
        at += 1
    with open(path, "wb") as f:
        f.write(data)


ODS_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>'
ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"
MANIFEST = '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'


def ods_cell(value):
    if isinstance(value, tuple):
        return f'<table:table-cell office:value-type="date" office:date-value="{value[1]}"><text:p>{value[1]}</text:p></table:table-cell>'
    if isinstance(value, (int, float)):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{esc(value)}</text:p></table:table-cell>'


def ods_row(values, repeat=1):
    attr = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{attr}>" + "".join(ods_cell(v) for v in values) + "</table:table-row>"


def ods(path, tables):
    content = ODS_HEAD + "".join(f'<table:table table:name="{name}">{rows}</table:table>' for name, rows in tables) + ODS_TAIL
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", MANIFEST, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)


def xls_far_cell(path):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Rewards")
    for i, name in enumerate(HEADER):
        sheet.write(0, i, name)
    for i, value in enumerate(GOOD):
        sheet.write(1, i, value)
    sheet.write(65535, 255, 1)
    book.save(path)


def xls_rewards(path):
    """A good .xls: the header, two rows, and an error cell calamine knows (#N/A)."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Rewards")
    for i, name in enumerate(HEADER):
        sheet.write(0, i, name)
    for r, row in enumerate([GOOD, GOOD2], start=1):
        for i, value in enumerate(row):
            sheet.write(r, i, value)
    sheet.write(3, 0, xlwt.Formula("NA()"))
    book.save(path)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    write_all(sys.argv[1], "--full" in sys.argv[2:])
