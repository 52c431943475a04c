"""Pages of the corpus's scan files as PIL images (standard library + PIL).

PIL reads the TIFF, PNG and JPEG scans itself. The PDFs are office-scanner
PDFs holding one CCITT fax image per page; PIL cannot open a PDF, so the image
stream of each page is taken out of the file and wrapped in a minimal TIFF."""
import io
import re
import struct
import zlib

from PIL import Image


def _objects(data):
    objs = {}
    for m in re.finditer(rb"(\d+)\s+0\s+obj\b", data):
        objs[int(m.group(1))] = m.end()
    return objs


def _dict_at(data, pos):
    """The text of the dictionary (<< ... >>) that starts at or after pos."""
    i = data.index(b"<<", pos)
    depth, j = 0, i
    while j < len(data):
        if data[j:j + 2] == b"<<":
            depth += 1
            j += 2
        elif data[j:j + 2] == b">>":
            depth -= 1
            j += 2
            if depth == 0:
                return data[i:j], j
        else:
            j += 1
    raise ValueError("unterminated dictionary")


def _value(d, key):
    m = re.search(rb"/" + key + rb"\s*(\d+\s+0\s+R|<<|\[[^\]]*\]|/?[\w.+-]+)", d)
    return m.group(1) if m else None


def _resolve(data, objs, v):
    m = re.match(rb"(\d+)\s+0\s+R", v or b"")
    if not m:
        return v
    pos = objs[int(m.group(1))]
    rest = data[pos:pos + 40].lstrip()
    if rest.startswith(b"<<"):
        return _dict_at(data, pos)[0]
    return re.match(rb"\s*([^\s]+)", data[pos:]).group(1)


def _tiff(stream, w, h, k, black_is_1, dpi):
    comp, t4 = (4, None) if k < 0 else (3, 0 if k == 0 else 1)
    entries = [(256, 4, w), (257, 4, h), (258, 3, 1), (259, 3, comp), (262, 3, 1 if black_is_1 else 0),
               (273, 4, 0), (277, 3, 1), (278, 4, h), (279, 4, len(stream)), (282, 5, 0), (283, 5, 0),
               (296, 3, 2)]
    if t4 is not None:
        entries.append((292, 4, t4))
    entries.sort()
    ifd_off = 8
    ifd_len = 2 + 12 * len(entries) + 4
    rat_off = ifd_off + ifd_len
    data_off = rat_off + 8
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_off) + struct.pack("<H", len(entries)))
    for tag, typ, val in entries:
        if tag == 273:
            val = data_off
        if typ == 5:
            out += struct.pack("<HHII", tag, typ, 1, rat_off)
        elif typ == 3:
            out += struct.pack("<HHIHH", tag, typ, 1, val, 0)
        else:
            out += struct.pack("<HHII", tag, typ, 1, val)
    out += struct.pack("<I", 0)
    out += struct.pack("<II", int(round(dpi)), 1)
    out += bytes(stream)
    return Image.open(io.BytesIO(bytes(out)))


def pdf_pages(path, page_width_mm=None):
    data = open(path, "rb").read()
    objs = _objects(data)
    root = _dict_at(data, objs[int(re.search(rb"/Root\s+(\d+)", data).group(1))])[0]
    pages = _resolve(data, objs, _value(root, b"Pages"))
    kids = [int(x) for x in re.findall(rb"(\d+)\s+0\s+R", _value(pages, b"Kids"))]
    out = []
    for kid in kids:
        page = _dict_at(data, objs[kid])[0]
        res = _resolve(data, objs, _value(page, b"Resources"))
        if res == b"<<":
            res = _dict_at(page, page.index(b"/Resources"))[0]
        xo = _value(res, b"XObject")
        xo = _resolve(data, objs, xo) if xo != b"<<" else _dict_at(res, res.index(b"/XObject"))[0]
        img = int(re.search(rb"(\d+)\s+0\s+R", xo).group(1))
        d, end = _dict_at(data, objs[img])
        length = int(_resolve(data, objs, _value(d, b"Length")))
        s = data.index(b"stream", end) + len(b"stream")
        s += 2 if data[s:s + 2] == b"\r\n" else 1
        stream = data[s:s + length]
        w, h = int(_value(d, b"Width")), int(_value(d, b"Height"))
        filt = _value(d, b"Filter")
        mb = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", page)
        dpi = w / ((float(mb.group(3)) - float(mb.group(1))) / 72.0) if mb else 300
        if b"CCITT" in filt:
            km = re.search(rb"/K\s+(-?\d+)", d)
            b1 = re.search(rb"/BlackIs1\s+true", d)
            out.append(_tiff(stream, w, h, int(km.group(1)) if km else 0, bool(b1), dpi))
        elif b"DCT" in filt:
            out.append(Image.open(io.BytesIO(stream)))
        elif b"Flate" in filt:
            bpc = int(_value(d, b"BitsPerComponent") or 8)
            mode = {1: "1", 8: "L"}[bpc]
            out.append(Image.frombytes(mode, (w, h), zlib.decompress(stream)))
        else:
            raise ValueError("%s: image filter %s not handled" % (path, filt))
        out[-1].info["dpi"] = (dpi, dpi)
    return out


def scan_page(path, page):
    """1-based page `page` of a scan file, as a PIL image with info['dpi']."""
    if path.lower().endswith(".pdf"):
        return pdf_pages(path)[page - 1]
    im = Image.open(path)
    if page > 1:
        im.seek(page - 1)
    return im
