#!/usr/bin/env python3
"""make_variants.py - the same filled forms in every shape an office's scanners produce.

The generator (samples/generator/) and make_heldout.py write a chosen set of
scanners: 150-400 dpi grey or colour, JPEG/PNG/TIFF (G4, LZW, JPEG)/PDF. Real
offices also send 600 dpi, 16-bit grey, palette and alpha PNGs, CMYK and
progressive JPEGs, tiled and Deflate TIFFs, multi-page TIFFs whose pages are
compressed differently, PDFs whose scan is scaled onto a page of another size,
landscape scans of portrait forms, pages cut to their content or padded by the
scanner bed, sheets laid crooked, fed short by a slipping roller or scanned
out of focus, tinted paper and coloured scans of black print. This script takes
the scans of one generator run (`omr-samples make ... --out BASE`) and writes
each of its pages again in each of those shapes, one folder per variant:

  python3 samples/heldout/make_variants.py make --base BASE --out VARS [--only a,b]
  build/omr scan --template ekb-2024 --no-ocr --out PLAIN BASE/scans
  for v in VARS/*/; do build/omr scan --template ekb-2024 --no-ocr --out OUT/$(basename $v) $v/scans; done
  python3 samples/heldout/make_variants.py score --base BASE --plain PLAIN --out OUT

`score` compares every variant's records.csv with the plain scan's, answer by
answer: a variant must give the same records, or reject the page with a
reason naming it (rejects.csv). It prints per variant: form pages read (of
those in BASE), pages rejected, answers silently different (read, not in
review, and not what the plain scan read: wrong), answers newly sent to
review, and forms that came out `incomplete` only in the variant. Pixels are
made with Pillow and numpy only; TIFF tiles and PDFs are written by hand
(a few lines each) so that no other tool is needed. The same --seed gives the
same files.
"""

import os
import sys

try:
    import numpy as np
    from PIL import Image, ImageFilter, TiffImagePlugin
except ImportError:  # a pyenv python3 first on PATH: use Debian's, which has them
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("make_variants.py needs Pillow and numpy (Debian: apt-get install python3-pil python3-numpy)")

import argparse
import csv
import io
import random
import struct
import zlib

MM = 25.4

# ---------------------------------------------------------------- pixels


def resize_to(img, dpi, new_dpi):
    if new_dpi == dpi:
        return img
    w, h = img.size
    return img.resize((round(w * new_dpi / dpi), round(h * new_dpi / dpi)), Image.LANCZOS)


def tint(img, ink, paper):
    """A grey page as colour: black print becomes `ink`, white paper `paper`."""
    t = np.asarray(img, np.float32)[..., None] / 255.0
    ink, paper = np.array(ink, np.float32), np.array(paper, np.float32)
    return Image.fromarray(np.clip(ink * (1 - t) + paper * t + 0.5, 0, 255).astype(np.uint8), "RGB")


def content_box(img, margin):
    a = np.asarray(img) < 128
    ys, xs = np.nonzero(a)
    if len(xs) == 0:
        return img
    w, h = img.size
    return img.crop((max(0, xs.min() - margin), max(0, ys.min() - margin),
                     min(w, xs.max() + 1 + margin), min(h, ys.max() + 1 + margin)))


def on_canvas(img, w, h, x, y, fill):
    c = Image.new("L", (w, h), fill)
    c.paste(img, (x, y))
    return c


# ---------------------------------------------------------------- writers


def write_tiled_tiff(path, img, dpi, tile=256, deflate=True):
    """A grey 8-bit tiled TIFF (Pillow writes strips only)."""
    a = np.asarray(img, np.uint8)
    h, w = a.shape
    across, down = (w + tile - 1) // tile, (h + tile - 1) // tile
    tiles = []
    for ty in range(down):
        for tx in range(across):
            t = np.full((tile, tile), 255, np.uint8)
            part = a[ty * tile:(ty + 1) * tile, tx * tile:(tx + 1) * tile]
            t[:part.shape[0], :part.shape[1]] = part
            raw = t.tobytes()
            tiles.append(zlib.compress(raw, 6) if deflate else raw)
    n = len(tiles)
    entries = [  # tag, type, count, value (SHORT 3, LONG 4, RATIONAL 5)
        (256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 8), (259, 3, 1, 8 if deflate else 1),
        (262, 3, 1, 1), (277, 3, 1, 1), (282, 5, 1, None), (283, 5, 1, None), (296, 3, 1, 2),
        (322, 3, 1, tile), (323, 3, 1, tile), (324, 4, n, None), (325, 4, n, None)]
    ifd_at = 8
    extra_at = ifd_at + 2 + 12 * len(entries) + 4
    res_at = extra_at
    offsets_at, counts_at = res_at + 16, res_at + 16 + 4 * n
    data_at = counts_at + 4 * n
    offsets, pos = [], data_at
    for t in tiles:
        offsets.append(pos)
        pos += len(t)
    out = bytearray(b"II*\0" + struct.pack("<I", ifd_at))
    out += struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        if tag in (282, 283):
            value = res_at + (0 if tag == 282 else 8)
        elif tag == 324:
            value = offsets_at if n > 1 else offsets[0]
        elif tag == 325:
            value = counts_at if n > 1 else len(tiles[0])
        packed = struct.pack("<HI", value, 0)[:4] if typ == 3 and count == 1 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, typ, count) + packed
    out += struct.pack("<I", 0)
    out += struct.pack("<IIII", int(dpi), 1, int(dpi), 1)
    out += struct.pack("<%dI" % n, *offsets) + struct.pack("<%dI" % n, *[len(t) for t in tiles])
    for t in tiles:
        out += t
    with open(path, "wb") as f:
        f.write(out)


def write_multipage_tiff(path, frames):
    """frames: (PIL image, dpi, compression); each page compressed its own way."""
    with TiffImagePlugin.AppendingTiffWriter(path, True) as tf:
        for img, dpi, comp in frames:
            img.save(tf, format="TIFF", compression=comp, dpi=(dpi, dpi))
            tf.newFrame()


def write_pdf(path, pages):
    """pages: (jpeg bytes, pixel w, h, colour space, page w pt, h pt, image
    x, y, w, h in pt from the page's bottom left). One image per page."""
    objs = []

    def add(body):
        objs.append(body)
        return len(objs)

    kids = []
    pages_obj = add(None)
    for jpg, pw, ph, cs, W, H, x, y, w, h in pages:
        im = add(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /%s "
                 b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % (pw, ph, cs.encode(), len(jpg))
                 + jpg + b"\nendstream")
        content = b"q %.3f 0 0 %.3f %.3f %.3f cm /Im0 Do Q" % (w, h, x, y)
        ct = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject "
                        b"<< /Im0 %d 0 R >> >> /Contents %d 0 R >>" % (pages_obj, W, H, im, ct)))
    objs[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    cat = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    xref = []
    for i, body in enumerate(objs, 1):
        xref.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in xref:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, cat, at)
    with open(path, "wb") as f:
        f.write(out)


def jpeg_bytes(img, **kw):
    b = io.BytesIO()
    img.save(b, format="JPEG", **kw)
    return b.getvalue()


# ---------------------------------------------------------------- variants
# Each takes (pages of one base file as [(grey image, dpi)], rng, out path
# without extension) and writes one or more files.


def per_page(fn, ext, **save):
    def write(pages, rng, stem):
        for i, (img, dpi) in enumerate(pages):
            im, d = fn(img, dpi, rng)
            im.save("%s_%d.%s" % (stem, i + 1, ext), dpi=(d, d), **save)
    return write


def turn(img, dpi, rng):
    return img.rotate(rng.choice([90, 270, 180, 90, 270]), expand=True), dpi


def at_dpi(d):
    return lambda img, dpi, rng: (resize_to(img, dpi, d), d)


def letter_bed(img, dpi, rng):
    """A4 on a Letter flatbed: the page at the top left, 6 mm more width,
    the bottom 18 mm of the sheet not scanned."""
    return on_canvas(img, round(8.5 * dpi), round(11 * dpi), 0, 0, 255), dpi


def big_margin(img, dpi, rng):
    """The sheet somewhere on a larger white scan area (a Legal bed, an A3 scanner)."""
    w, h = img.size
    W, H = round(8.5 * dpi) + round(rng.uniform(0, 60) / MM * dpi), round(14 * dpi)
    return on_canvas(img, max(W, w), H, rng.randint(0, max(0, W - w)), rng.randint(0, H - h), 255), dpi


def cropped(img, dpi, rng):
    return content_box(img, round(rng.uniform(0.5, 3) / MM * dpi)), dpi


def deskew_wedges(img, dpi, rng):
    """A sheet fed 1.5-4 degrees askew over a black bed, straightened by the
    scanner: the print is square, the sheet's edges leave black wedges."""
    a = rng.choice([-1, 1]) * rng.uniform(1.5, 4)
    return img.rotate(a, expand=True, fillcolor=0, resample=Image.BICUBIC).rotate(
        -a, expand=False, fillcolor=255, resample=Image.BICUBIC), dpi


def black_border(img, dpi, rng):
    """The scanner's black lid around the sheet, 4-15 mm on each side, the
    sheet itself 0-1 degrees askew."""
    img = img.rotate(rng.uniform(-1, 1), expand=True, fillcolor=0, resample=Image.BICUBIC)
    px = [round(rng.uniform(4, 15) / MM * dpi) for _ in range(4)]
    w, h = img.size
    return on_canvas(img, w + px[0] + px[2], h + px[1] + px[3], px[0], px[1], 0), dpi


def askew(img, dpi, rng):
    """A sheet laid 3-8 degrees crooked on the glass and saved as it lay,
    on a canvas grown to hold it (no scanner straightened it)."""
    a = rng.choice([-1, 1]) * rng.uniform(3, 8)
    return img.rotate(a, expand=True, fillcolor=255, resample=Image.BICUBIC), dpi


def feed_short(img, dpi, rng):
    """A feeder's roller slipping: the sheet comes out 3-7% shorter along
    the feed (pixels still square, so the page is shorter, not the tag)."""
    w, h = img.size
    return img.resize((w, round(h * rng.uniform(0.93, 0.97))), Image.BILINEAR), dpi


def out_of_focus(img, dpi, rng):
    """A cheap sheet-fed scanner's soft focus (or a phone held close): a
    Gaussian blur of 0.12-0.25 mm."""
    return img.filter(ImageFilter.GaussianBlur(rng.uniform(0.12, 0.25) / MM * dpi)), dpi


def png16(img, dpi, rng):
    a = np.asarray(img, np.uint16) * 257
    return Image.fromarray(a, "I;16"), dpi


def palette(img, dpi, rng):
    return img.convert("RGB").quantize(colors=16, method=Image.MEDIANCUT), dpi


def grey_alpha(img, dpi, rng):
    return Image.merge("LA", (img, Image.new("L", img.size, 255))), dpi


def rgba_clear(img, dpi, rng):
    """RGBA whose paper is transparent (a scan cleaned in an image editor):
    the print opaque, the paper alpha 0 with black colour behind it."""
    a = np.asarray(img, np.uint8)
    alpha = 255 - a
    rgb = np.zeros(a.shape + (3,), np.uint8)
    return Image.fromarray(np.dstack([rgb, alpha]), "RGBA"), dpi


def colour(ink, paper):
    return lambda img, dpi, rng: (tint(img, ink, paper), dpi)


def cmyk(img, dpi, rng):
    return tint(img, (20, 20, 30), (250, 248, 240)).convert("CMYK"), dpi


def write_tiff(comp, mode_fn=None):
    def write(pages, rng, stem):
        frames = []
        for img, dpi in pages:
            im, d = mode_fn(img, dpi, rng) if mode_fn else (img, dpi)
            frames.append((im, d, comp))
        write_multipage_tiff(stem + ".tif", frames)
    return write


def tiff16(img, dpi, rng):
    return png16(img, dpi, rng)


def adf_streak(img, dpi, rng):
    """A sheet feeder with dust on its glass: 1-3 lines down the whole page
    along the feed, 0.1-0.35 mm wide, grey 40-160 (a hair, a smear of toner)."""
    a = np.asarray(img, np.float32).copy()
    h, w = a.shape
    for _ in range(rng.randint(1, 3)):
        x = rng.uniform(0.05, 0.95) * w
        half = max(0.5, rng.uniform(0.1, 0.35) / MM * dpi / 2)
        level = rng.uniform(40, 160)
        lo, hi = int(max(0, x - half - 1)), int(min(w, x + half + 2))
        for c in range(lo, hi):
            cover = max(0.0, min(c + 1, x + half) - max(c, x - half))  # the column's share of the line
            a[:, c] = a[:, c] * (1 - cover) + np.minimum(a[:, c], level) * cover
    return Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8), "L"), dpi


def dust(img, dpi, rng):
    """A dirty glass or flatbed lid: 200-800 specks of 0.1-0.4 mm, grey 0-120,
    anywhere on the page (on boxes too)."""
    from PIL import ImageDraw
    img = img.copy()
    d = ImageDraw.Draw(img)
    w, h = img.size
    for _ in range(rng.randint(200, 800)):
        r = rng.uniform(0.05, 0.2) / MM * dpi
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        d.ellipse([x - r, y - r, x + r, y + r], fill=rng.randint(0, 120))
    return img, dpi


def received_stamp(img, dpi, rng):
    """The mailroom's date stamp: a 40 x 16 mm framed box with two lines of
    text, grey 60-140, 0-8 degrees askew, somewhere in the page's top 70 mm
    (over the title or the code, never known in advance)."""
    from PIL import ImageDraw, ImageFont
    mm = dpi / MM
    sw, sh = int(40 * mm), int(16 * mm)
    stamp = Image.new("L", (sw, sh), 0)
    d = ImageDraw.Draw(stamp)
    lw = max(1, int(0.5 * mm))
    d.rectangle([lw, lw, sw - lw - 1, sh - lw - 1], outline=255, width=lw)
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", int(4 * mm))
    except OSError:
        font = ImageFont.load_default()
    d.text((int(3 * mm), int(2 * mm)), "INKOM", fill=255, font=font)
    d.text((int(3 * mm), int(8.5 * mm)), "2024-%02d-%02d" % (rng.randint(9, 12), rng.randint(1, 28)), fill=255,
           font=font)
    stamp = stamp.rotate(rng.uniform(-8, 8), expand=True, resample=Image.BICUBIC)
    w, h = img.size
    x = rng.randint(0, max(0, w - stamp.size[0]))
    y = rng.randint(0, max(0, min(h, int(70 * mm)) - stamp.size[1]))
    a = np.asarray(img, np.float32).copy()
    m = np.asarray(stamp, np.float32) / 255.0
    m = m[: h - y, : w - x]
    level = rng.uniform(60, 140)
    part = a[y : y + m.shape[0], x : x + m.shape[1]]
    a[y : y + m.shape[0], x : x + m.shape[1]] = part * (1 - m) + np.minimum(part, level) * m
    return Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8), "L"), dpi


def write_show_through(pages, rng, stem):
    """Thin paper scanned duplex: each page carries its other side, mirrored,
    at 5-14 % of its darkness (the print and the respondent's marks of the
    back, pale and blurred). A file's single page shows its own back."""
    for i, (img, dpi) in enumerate(pages):
        other, odpi = pages[(i + 1) % len(pages)] if len(pages) > 1 else (img, dpi)
        back = resize_to(other, odpi, dpi).transpose(Image.FLIP_LEFT_RIGHT).resize(img.size, Image.BILINEAR)
        back = back.filter(ImageFilter.GaussianBlur(0.15 / MM * dpi))
        k = rng.uniform(0.05, 0.14)
        a = np.asarray(img, np.float32) * (1 - k * (1 - np.asarray(back, np.float32) / 255.0))
        Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8), "L").save(
            "%s_%d.png" % (stem, i + 1), dpi=(dpi, dpi))


def fax_header(img, dpi, rng):
    """A fax machine's transmission line printed across the top of the page,
    1.5-4 mm from its edge: sender, date, time and page number in 2.5 mm
    letters, over whatever the form prints there."""
    from PIL import ImageDraw, ImageFont
    mm = dpi / MM
    img = img.copy()
    d = ImageDraw.Draw(img)
    try:
        font = ImageFont.truetype("DejaVuSansMono.ttf", max(6, int(2.5 * mm)))
    except OSError:
        font = ImageFont.load_default()
    text = "%02d/%02d/2024 %02d:%02d  FAX +46 8 %03d %02d %02d  SOCIALTJANSTEN     P.%03d/%03d" % (
        rng.randint(1, 28), rng.randint(9, 12), rng.randint(7, 18), rng.randint(0, 59), rng.randint(100, 999),
        rng.randint(10, 99), rng.randint(10, 99), rng.randint(1, 3), 3)
    d.text((int(rng.uniform(3, 12) * mm), int(rng.uniform(1.5, 4) * mm)), text, fill=rng.randint(0, 60), font=font)
    return img, dpi


def coffee_ring(img, dpi, rng):
    """A cup set down on the sheet: a ring 50-90 mm across, its rim 1-3 mm
    wide and 15-35% dark, the stain inside 3-8% dark, anywhere on the page
    (over boxes too)."""
    a = np.asarray(img, np.float32)
    h, w = a.shape
    mm = dpi / MM
    r = rng.uniform(25, 45) * mm
    cx, cy = rng.uniform(0.15, 0.85) * w, rng.uniform(0.15, 0.85) * h
    rim, dark, inside = rng.uniform(1, 3) * mm, rng.uniform(0.15, 0.35), rng.uniform(0.03, 0.08)
    ys, xs = np.ogrid[:h, :w]
    dist = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2)
    along = np.arctan2(ys - cy, xs - cx)
    # the rim's darkness varies round the ring, as a drying stain's does
    strength = dark * (0.6 + 0.4 * np.cos(along * rng.randint(1, 3) + rng.uniform(0, 6.3)))
    f = 1.0 - strength * np.exp(-(((dist - r) / (rim / 2)) ** 2)) - inside * (dist < r)
    return Image.fromarray(np.clip(a * f + 0.5, 0, 255).astype(np.uint8), "L"), dpi


def sticky_note(img, dpi, rng):
    """A sticky note left on the sheet: a 76 mm square (or 38 x 51 mm) of
    paper a shade darker than the form's, with a soft shadow along two
    edges and a few words on it, over whatever lies beneath (boxes too:
    what is under it cannot be read, and must not be read as blank)."""
    from PIL import ImageDraw, ImageFilter as IF
    mm = dpi / MM
    w, h = img.size
    nw, nh = (76 * mm, 76 * mm) if rng.random() < 0.5 else (38 * mm, 51 * mm)
    x, y = rng.uniform(0.05 * w, w - nw - 0.05 * w), rng.uniform(0.1 * h, h - nh - 0.05 * h)
    img = img.copy()
    shadow = Image.new("L", img.size, 0)
    ImageDraw.Draw(shadow).rectangle([x + 0.8 * mm, y + 0.8 * mm, x + nw + 0.8 * mm, y + nh + 0.8 * mm], fill=90)
    shadow = shadow.filter(IF.GaussianBlur(0.6 * mm))
    a = np.asarray(img, np.float32) * (1 - np.asarray(shadow, np.float32) / 255.0)
    img = Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8), "L")
    d = ImageDraw.Draw(img)
    d.rectangle([x, y, x + nw, y + nh], fill=rng.randint(215, 240))
    for line in range(rng.randint(1, 3)):  # a few scrawled words
        ly = y + (10 + 9 * line) * mm
        px = x + 5 * mm
        for _ in range(rng.randint(3, 6)):
            pts = [(px + k * 0.7 * mm, ly + rng.uniform(-1.5, 1.5) * mm) for k in range(rng.randint(4, 9))]
            d.line(pts, fill=rng.randint(20, 70), width=max(1, int(0.4 * mm)))
            px = pts[-1][0] + 2.5 * mm
            if px > x + nw - 8 * mm:
                break
    return img, dpi


def highlighter(img, dpi, rng):
    """A respondent who marks with a highlighter: a translucent stroke 4-6 mm
    wide, 10-30% dark on a grey scan, over one box and its label in a few
    rows, and a word or two of the question text highlighted elsewhere."""
    a = np.asarray(img, np.float32).copy()
    h, w = a.shape
    mm = dpi / MM
    for _ in range(rng.randint(2, 5)):
        x0 = rng.uniform(0.1, 0.75) * w
        y0 = rng.uniform(0.2, 0.9) * h
        L, W = rng.uniform(15, 45) * mm, rng.uniform(4, 6) * mm
        k = rng.uniform(0.10, 0.30)
        y_lo, y_hi = int(max(0, y0 - W / 2)), int(min(h, y0 + W / 2))
        x_lo, x_hi = int(max(0, x0)), int(min(w, x0 + L))
        a[y_lo:y_hi, x_lo:x_hi] *= 1 - k
    return Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8), "L"), dpi


def jpeg_low(img, dpi, rng):
    return img, dpi


def write_tiled(pages, rng, stem):
    for i, (img, dpi) in enumerate(pages):
        write_tiled_tiff("%s_%d.tif" % (stem, i + 1), img, dpi, deflate=(i % 2 == 0))


def write_mixed_tiff(pages, rng, stem):
    """One multi-page TIFF whose pages differ: G4 1-bit, JPEG colour, Deflate
    grey, LZW 16-bit, PackBits palette, turned or not."""
    kinds = ["group4", "jpeg", "tiff_adobe_deflate", "tiff_lzw", "packbits", "raw"]
    frames = []
    for img, dpi in pages:
        k = rng.choice(kinds)
        if k == "group4":
            im = img.point(lambda v: 255 if v > 140 else 0).convert("1")
        elif k == "jpeg":
            im = tint(img, (10, 10, 40), (245, 245, 235))
        elif k == "tiff_lzw":
            im = png16(img, dpi, rng)[0]
        elif k == "packbits":
            im = palette(img, dpi, rng)[0]
        else:
            im = img
        if rng.random() < 0.4:
            im = im.rotate(rng.choice([90, 180, 270]), expand=True)
        frames.append((im, dpi, k))
    write_multipage_tiff(stem + ".tif", frames)


def write_pdf_variant(page_pt, scale_range, img_dpi, colour_scan=False):
    """A scan as a JPEG image scaled onto a PDF page of page_pt points (the
    image's own resolution img_dpi, scaled by a factor drawn from scale_range,
    centred; fitted if it would not fit)."""
    def write(pages, rng, stem):
        out = []
        for img, dpi in pages:
            im = resize_to(img, dpi, img_dpi)
            if colour_scan:
                im = tint(im, (25, 25, 35), (248, 246, 238))
            W, H = page_pt
            w, h = im.size[0] / img_dpi * 72, im.size[1] / img_dpi * 72
            s = min(rng.uniform(*scale_range), W / w, H / h)
            w, h = w * s, h * s
            out.append((jpeg_bytes(im, quality=80), im.size[0], im.size[1],
                        "DeviceRGB" if im.mode == "RGB" else "DeviceGray", W, H, (W - w) / 2, (H - h) / 2, w, h))
        write_pdf(stem + ".pdf", out)
    return write


A4_PT = (595.28, 841.89)
LETTER_PT = (612.0, 792.0)

VARIANTS = {
    "turns": write_tiff("tiff_adobe_deflate", turn),
    "dpi150": per_page(at_dpi(150), "png"),
    "dpi240": per_page(at_dpi(240), "png"),
    "dpi400": per_page(at_dpi(400), "png"),
    "dpi600": per_page(at_dpi(600), "png"),
    "letter_bed": per_page(letter_bed, "png"),
    "big_margin": per_page(big_margin, "png"),
    "cropped": per_page(cropped, "png"),
    "deskew_wedges": per_page(deskew_wedges, "png"),
    "black_border": per_page(black_border, "png"),
    "askew": per_page(askew, "png"),
    "feed_short": per_page(feed_short, "png"),
    "out_of_focus": per_page(out_of_focus, "jpg", quality=85),
    "png16": per_page(png16, "png"),
    "png_palette": per_page(palette, "png"),
    "png_grey_alpha": per_page(grey_alpha, "png"),
    "png_rgba_clear": per_page(rgba_clear, "png"),
    "jpeg_cmyk": per_page(cmyk, "jpg", quality=85),
    "jpeg_progressive": per_page(colour((15, 15, 20), (252, 252, 250)), "jpg", quality=80, progressive=True),
    "tiff_jpeg": write_tiff("jpeg", colour((15, 15, 20), (250, 250, 245))),
    "tiff_deflate": write_tiff("tiff_adobe_deflate"),
    "tiff16": write_tiff("tiff_lzw", tiff16),
    "tiff_tiled": write_tiled,
    "tiff_mixed": write_mixed_tiff,
    "pdf_a4_scaled": write_pdf_variant(A4_PT, (0.9, 0.97), 200),
    "pdf_letter": write_pdf_variant(LETTER_PT, (1.0, 1.0), 300, colour_scan=True),
    "pdf_a3": write_pdf_variant((841.89, 1190.55), (1.0, 1.0), 200),
    "yellow_paper": per_page(colour((20, 20, 20), (250, 238, 180)), "jpg", quality=85),
    "grey_paper": per_page(colour((0, 0, 0), (185, 185, 185)), "png"),
    "blue_scan": per_page(colour((30, 45, 150), (245, 245, 250)), "png"),
    "red_scan": per_page(colour((170, 30, 30), (250, 245, 245)), "jpg", quality=85),
    "low_contrast": per_page(colour((110, 110, 110), (205, 205, 205)), "png"),
    "adf_streak": per_page(adf_streak, "png"),
    "dust": per_page(dust, "png"),
    "received_stamp": per_page(received_stamp, "png"),
    "show_through": write_show_through,
    "jpeg_q20": per_page(jpeg_low, "jpg", quality=20),
    "fax_header": per_page(fax_header, "png"),
    "coffee_ring": per_page(coffee_ring, "png"),
    "sticky_note": per_page(sticky_note, "png"),
    "highlighter": per_page(highlighter, "png"),
}


def load_pages(base):
    """{file: [(grey image, dpi)]} for the base run's scans, from its manifest."""
    files = {}
    with open(os.path.join(base, "manifest.csv"), newline="") as f:
        for row in csv.DictReader(f):
            files.setdefault(row["file"], []).append((int(row["index"]), int(row["dpi"])))
    out = {}
    for name in sorted(files):
        im = Image.open(os.path.join(base, "scans", name))
        pages = []
        for index, dpi in sorted(files[name]):
            im.seek(index - 1)
            if dpi <= 0:
                # an untagged scan (the manifest says 0): its resolution from
                # the A4 sheet's short side, turned or not
                dpi = round(min(im.size) / (210 / 25.4))
            pages.append((im.convert("L"), dpi))
        out[name] = pages
    return out


def make(args):
    names = args.only.split(",") if args.only else list(VARIANTS)
    for n in names:
        if n not in VARIANTS:
            sys.exit("unknown variant %s (known: %s)" % (n, " ".join(VARIANTS)))
    pages = load_pages(args.base)
    for n in names:
        d = os.path.join(args.out, n, "scans")
        os.makedirs(d, exist_ok=True)
        rng = random.Random("%s:%d" % (n, args.seed))
        for i, name in enumerate(pages):
            VARIANTS[n](pages[name], rng, os.path.join(d, "v%04d" % (i + 1)))
        print("%s: %d files" % (n, len(os.listdir(d))), flush=True)


# ---------------------------------------------------------------- scoring


def read_records(path):
    recs = {}
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        skip = {"code", "status", "review_items", "comment", "template", "flags", "review_reasons",
                "confirmed", "sources", "return"}
        for row in r:
            qs = [c for c in r.fieldnames if c not in skip]
            recs[row["code"]] = row, qs
    return recs


def score(args):
    forms_pages = 0
    with open(os.path.join(args.base, "manifest.csv"), newline="") as f:
        forms_pages = sum(1 for row in csv.DictReader(f) if row["kind"] == "form")
    plain = read_records(os.path.join(args.plain, "records.csv"))
    print("%-16s %6s %6s %6s %7s %6s %6s" % ("variant", "read", "reject", "wrong", "flagged", "incomp", "same"))
    for n in sorted(os.listdir(args.out)):
        path = os.path.join(args.out, n, "records.csv")
        if not os.path.exists(path):
            continue
        recs = read_records(path)
        read = sum(len([s for s in row["sources"].split(";") if s]) for row, _ in recs.values())
        rejected = 0
        with open(os.path.join(args.out, n, "rejects.csv"), newline="") as f:
            rejected = sum(1 for row in csv.DictReader(f) if row["kind"] != "blank")
        wrong = flagged = incomplete = same = 0
        notes = []
        for code, (prow, qs) in plain.items():
            if code not in recs:
                notes.append("%s: no record" % code)
                continue
            row, _ = recs[code]
            rv = set(row["review_items"].split())
            pv = set(prow["review_items"].split())
            if row["status"] == "incomplete" and prow["status"] != "incomplete":
                incomplete += 1
            diff = False
            for q in qs:
                # a multiple-choice option's column (q5r.2) is in review with its question (q5r)
                item = q.split(".")[0] if "." in q and q not in rv | pv else q
                if row.get(q, "") != prow[q] or ((item in rv) != (item in pv)):
                    diff = True
                if item in rv and item not in pv:
                    flagged += 1
                elif row.get(q, "") != prow[q] and item not in rv and row["status"] != "incomplete":
                    wrong += 1
                    notes.append("%s %s: %r, plain %r" % (code, q, row.get(q, ""), prow[q]))
            same += not diff and row["status"] == prow["status"]
        print("%-16s %3d/%-3d %6d %6d %7d %6d %3d/%d" % (n, read, forms_pages, rejected, wrong, flagged,
                                                       incomplete, same, len(plain)))
        for line in notes[: args.examples]:
            print("    " + line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--base", required=True, help="an omr-samples make --out folder")
    m.add_argument("--out", required=True)
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--only", help="comma-separated variant names (default: all)")
    s = sub.add_parser("score")
    s.add_argument("--base", required=True)
    s.add_argument("--plain", required=True, help="omr scan output of BASE/scans")
    s.add_argument("--out", required=True, help="folder of omr scan outputs, one per variant")
    s.add_argument("--examples", type=int, default=3)
    args = ap.parse_args()
    make(args) if args.cmd == "make" else score(args)


if __name__ == "__main__":
    main()
