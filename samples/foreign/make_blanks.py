#!/usr/bin/env python3
"""make_blanks.py - hard blank forms for `omr template new`, like issue 10's table.

Five blanks, drawn with Pillow at 300 dpi and then "scanned" (skew, blur,
noise, thresholding), each with a truth file of every box (mm, outer edge of
its outline; its question and printed label), the question texts, its
character combs and its corner marks:

  * census  (A4, 1-bit TIFF): square boxes joined to their labels by dotted
    and solid leader lines, outlines broken by a bad 1-bit threshold, long
    L-shaped corner bars, two combs of character boxes (name, postcode), an
    interleaved-2-of-5-like page barcode;
  * sheet   (US Letter, grey PNG): bubbles inside the cells of a ruled table,
    four ring-shaped corner markers, an ID grid of bubbles;
  * qrform  (A4, grey PNG): square boxes in rows and columns, a QR code whose
    text holds a newline ("SURVEY 2025\\nPAGE 1"), solid square marks;
  * digits  (A4, 1-bit TIFF): AMC's number grids, a digit printed inside
    each box (a column per digit), an ID grid with digits right of its
    boxes, a scale under Swedish column heads;
  * exam    (A4, 1-bit PNG): ovals, a 9 x 5 grid of boxes joined by rules,
    long bars as corner marks.

Sizes, spacings, stroke widths, skew and noise are drawn from --seed, so a
blank made with another seed is one the discovery was not tuned on. With
--vary the seed also draws a look the discovery was not written against:
another face (serif, condensed, mono) and weight (bold labels), outlines
0.6-1.8 times as thick, another leader style (sparse or dense dots, dots on
the baseline, dashes), 200, 240 or 400 dpi, and 1-2 degrees of skew.

Usage:
  make_blanks.py make --seed 2 --out DIR [--vary]  (DIR/<form>.png|tif, DIR/<form>.json)
  make_blanks.py fill --seed 2 --truth DIR --count 4 --out SCANS [--forms digits,exam]
      [--per-box 0.3] [--cover-mark 0,2] [--cut 0.25]
      (copies answered as a person does: one box per question, some left out,
      some doubles; --per-box marks each box alone with that chance instead;
      --cover-mark hides those corner marks, --cut cuts that share of
      the page's bottom off the scan; SCANS/answers.json: form, copy, box)
  make_blanks.py score --truth DIR --form census --template T.cfg [--omr build/omr]
      (found / missed / spurious boxes, combs and marks against the truth)
  make_blanks.py read --truth DIR --scans SCANS --out SCANOUT --count 4 [--forms digits]
      (after `omr scan --template DIR/<form>.cfg ... --out SCANOUT SCANS`: every
      box of every filled copy, marked or not, against omr's decision)

Needs Debian's python3-pil and python3-numpy; the QR code comes from
libqrencode (already a dependency of omr) through ctypes.
"""

import os
import sys

try:
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont
except ImportError:
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("make_blanks.py needs Pillow and numpy (Debian: apt-get install python3-pil python3-numpy)")

import argparse
import ctypes
import ctypes.util
import json
import math
import random
import subprocess

DPI = 300
S = DPI / 25.4
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


# --vary: a look the discovery was not written against, drawn from the seed
# (set by set_vary before any page is drawn; None: the original look)
VARY = None
FACES = {"sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"), "serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
         "condensed": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
         "mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf")}


def set_vary(seed):
    """Fonts and weights, outline strokes, leader styles, resolution and skew
    unlike those the discovery was tuned on."""
    global VARY, FONT, BOLD, DPI, S
    r = random.Random("vary-%d" % seed)
    face = r.choice(["serif", "condensed", "mono", "sans"])
    VARY = {"face": face, "bold_labels": r.random() < 0.4, "stroke": r.choice([0.6, 0.8, 1.4, 1.8]),
            "leader": r.choice(["sparse", "dashes", "baseline", "dense"]), "dpi": r.choice([200, 240, 400]),
            "skew": r.uniform(1.0, 2.0) * r.choice([-1, 1])}
    d = "/usr/share/fonts/truetype/dejavu/"
    FONT, BOLD = d + FACES[face][0], d + FACES[face][1]
    if VARY["bold_labels"]:
        FONT = BOLD
    DPI = VARY["dpi"]
    S = DPI / 25.4
    return VARY


def font(pt, bold=False):
    return ImageFont.truetype(BOLD if bold else FONT, int(round(pt * DPI / 72)))


class Page:
    """A page being drawn, with its truth."""

    def __init__(self, w, h):
        self.w, self.h = w, h
        self.img = Image.new("L", (int(round(w * S)), int(round(h * S))), 255)
        self.d = ImageDraw.Draw(self.img)
        self.boxes, self.combs, self.marks = [], [], []
        self.texts = {}  # question -> its printed text

    def px(self, v):
        return v * S

    def text(self, x, y, t, pt=9, bold=False):
        self.d.text((x * S, y * S), t, font=font(pt, bold), fill=0)
        return self.d.textlength(t, font=font(pt, bold)) / S

    def rect(self, x, y, w, h, stroke, fill=None):
        stroke *= VARY["stroke"] if VARY else 1
        sw = max(1, int(round(stroke * S)))
        self.d.rectangle([x * S, y * S, (x + w) * S - 1, (y + h) * S - 1], outline=0, width=sw, fill=fill)

    def solid(self, x0, y0, x1, y1):
        self.d.rectangle([x0 * S, y0 * S, x1 * S - 1, y1 * S - 1], fill=0)

    def box(self, x, y, w, h, stroke, shape="square", q=None, label=None, inside=None):
        """A box of question q whose printed label is `label`; `inside`: a
        character printed in the box (AMC's digit grids)."""
        stroke *= VARY["stroke"] if VARY else 1
        sw = max(1, int(round(stroke * S)))
        if shape == "square":  # paper inside: a rule drawn before stops at the outline
            self.d.rectangle([x * S, y * S, (x + w) * S - 1, (y + h) * S - 1], outline=0, width=sw, fill=255)
        else:
            self.d.ellipse([x * S, y * S, (x + w) * S - 1, (y + h) * S - 1], outline=0, width=sw)
        if inside is not None:
            f = font(h * 0.62 * 72 / 25.4)
            bb = self.d.textbbox((0, 0), inside, font=f)
            self.d.text(((x + w / 2) * S - (bb[0] + bb[2]) / 2, (y + h / 2) * S - (bb[1] + bb[3]) / 2), inside,
                        font=f, fill=0)
            label = inside
        self.boxes.append({"x": x, "y": y, "w": w, "h": h, "shape": shape, "q": q, "label": label})

    def hline(self, x0, x1, y, stroke, dotted=False):
        sw = max(1, int(round(stroke * S)))
        style = VARY["leader"] if VARY else "dots"
        if dotted and style == "dashes":
            x = x0
            while x < x1 - 1.2:
                self.d.rectangle([x * S, y * S - sw / 2, (x + 1.0) * S, y * S + sw / 2], fill=0)
                x += 1.8
        elif dotted:
            step = {"sparse": 1.8, "dense": 0.7}.get(style, 1.0)
            dy = 1.0 if style == "baseline" else 0  # on the words' baseline, as a typesetter's leaders
            x = x0
            while x < x1 - 0.3:
                self.d.ellipse([x * S, (y + dy) * S - sw, x * S + 1.6 * sw, (y + dy) * S + 0.6 * sw], fill=0)
                x += step
        else:
            self.d.rectangle([x0 * S, y * S - sw / 2, x1 * S, y * S + sw / 2], fill=0)

    def vline(self, x, y0, y1, stroke):
        sw = max(1, int(round(stroke * S)))
        self.d.rectangle([x * S - sw / 2, y0 * S, x * S + sw / 2, y1 * S], fill=0)


# ---------------------------------------------------------------- marks


def mark(pg, kind, cx, cy, size, corner, rng):
    """A corner mark centred (by its ink) near cx, cy; records the ink centre."""
    x0, y0 = cx - size / 2, cy - size / 2
    if kind == "square":
        pg.solid(x0, y0, x0 + size, y0 + size)
    elif kind == "disc":
        pg.d.ellipse([x0 * S, y0 * S, (x0 + size) * S, (y0 + size) * S], fill=0)
    elif kind == "ring":
        t = size * rng.uniform(0.18, 0.26)
        pg.d.ellipse([x0 * S, y0 * S, (x0 + size) * S, (y0 + size) * S], outline=0, width=int(round(t * S)))
    elif kind in ("lbar", "bar"):
        t = rng.uniform(1.5, 2.5)
        sx = 1 if corner in (0, 2) else -1  # arms point into the page
        sy = 1 if corner in (0, 1) else -1
        ax, ay = (cx - sx * size / 2, cy - sy * size / 2) if kind == "lbar" else (cx, cy)
        if kind == "lbar":  # the corner of the L at (ax, ay)
            pg.solid(min(ax, ax + sx * size), min(ay, ay + sy * t), max(ax, ax + sx * size), max(ay, ay + sy * t))
            pg.solid(min(ax, ax + sx * t), min(ay, ay + sy * size), max(ax, ax + sx * t), max(ay, ay + sy * size))
        else:  # a long horizontal bar centred on cx, cy
            pg.solid(cx - size / 2, cy - t / 2, cx + size / 2, cy + t / 2)
    # the truth: centre of gravity of the ink drawn in the mark's square
    a = np.asarray(pg.img)
    r = int((size / 2 + 3) * S)
    X, Y = int(cx * S), int(cy * S)
    win = 255 - a[max(0, Y - r):Y + r, max(0, X - r):X + r].astype(float)
    ys, xs = np.mgrid[max(0, Y - r):max(0, Y - r) + win.shape[0], max(0, X - r):max(0, X - r) + win.shape[1]]
    tot = win.sum()
    pg.marks.append({"x": (xs * win).sum() / tot / S, "y": (ys * win).sum() / tot / S, "kind": kind, "size": size})


# ---------------------------------------------------------------- the four blanks


def census(rng):
    pg = Page(210.0, 297.0)
    msize = rng.uniform(16, 24)
    for k, (cx, cy) in enumerate([(12 + msize / 2, 12 + msize / 2), (198 - msize / 2, 12 + msize / 2),
                                  (12 + msize / 2, 285 - msize / 2), (198 - msize / 2, 285 - msize / 2)]):
        mark(pg, "lbar", cx, cy, msize, k, rng)
    pg.text(40, 18, "Household census 2025", 15, True)
    pg.text(40, 27, "Please mark one box per question.", 9)
    # a page barcode (interleaved 2 of 5 look)
    x = 140
    for i in range(60):
        w = rng.choice([0.25, 0.25, 0.6])
        if i % 2 == 0:
            pg.solid(x, 36, x + w, 46)
        x += w + rng.choice([0.25, 0.6])
    # combs: name and postcode
    y = 52
    cw, ch = rng.uniform(4.2, 5.5), rng.uniform(5.5, 7)
    stroke = rng.uniform(0.2, 0.35)
    for label, n in (("Name", 24), ("Postcode", 5)):
        pg.text(20, y + 1, label, 9)
        x0 = 45
        for i in range(n):
            pg.rect(x0 + i * cw, y, cw + stroke, ch, stroke)
        pg.combs.append({"x": x0, "y": y, "w": n * cw + stroke, "h": ch, "n": n})
        y += ch + 8
    b = rng.uniform(3.5, 5.0)
    stroke = rng.uniform(0.2, 0.35)
    y += 4
    opts = ["Yes", "No", "Don't know"]
    for q in range(6):
        pg.texts["q%d" % (q + 1)] = "%d. Question number %d about the household?" % (q + 1, q + 1)
        pg.text(20, y, pg.texts["q%d" % (q + 1)], 9)
        y += 6
        for o, lab in enumerate(opts):
            w = pg.text(28, y, lab, 9)
            bx = 110 + (q % 2) * 6
            pg.hline(28 + w + 1.5, bx, y + 2.6, 0.25, dotted=(q % 3 != 2))
            pg.box(bx, y + 2.6 - b / 2, b, b, stroke, q="q%d" % (q + 1), label=lab)
            y += b + 2.5
        y += 3
    # a row of boxes on a solid rule (leader line through each box)
    pg.text(20, y, "7. Rooms in the home", 9)
    pg.texts["q7"] = "7. Rooms in the home"
    y += 6
    pg.hline(20, 190, y + b / 2, 0.25)
    for i in range(6):
        pg.box(40 + i * 22, y, b, b, stroke, q="q7", label=str(i + 1))
        pg.text(40 + i * 22 + b + 1.5, y - 4, str(i + 1), 8)
    return pg, "census.tif", "1"


def sheet(rng):
    pg = Page(215.9, 279.4)
    msize = rng.uniform(6, 9)
    for k, (cx, cy) in enumerate([(12, 12), (203.9, 12), (12, 267.4), (203.9, 267.4)]):
        mark(pg, "ring", cx, cy, msize, k, rng)
    pg.text(25, 16, "ANSWER SHEET", 14, True)
    d = rng.uniform(3.8, 5.0)  # bubble diameter
    cell_w, cell_h = d + rng.uniform(2.5, 4), d + rng.uniform(2, 3)
    stroke = rng.uniform(0.2, 0.3)
    # the table: 2 blocks of 20 rows x 5 choices
    top = 40
    for blk in range(2):
        x0 = 22 + blk * 95
        xs = [x0, x0 + 10] + [x0 + 10 + (i + 1) * cell_w for i in range(5)]
        rows = 20
        for r in range(rows + 2):
            pg.hline(x0, xs[-1], top + r * cell_h, 0.22)
        for x in xs:
            pg.vline(x, top, top + (rows + 1) * cell_h, 0.22)
        for i, L in enumerate("ABCDE"):
            pg.text(xs[1] + i * cell_w + cell_w / 2 - 1, top + 0.8, L, 8, True)
        for r in range(rows):
            yc = top + (r + 1.5) * cell_h
            pg.text(x0 + 1.5, yc - 1.6, str(blk * 20 + r + 1), 7)
            for i in range(5):
                cx = xs[1] + (i + 0.5) * cell_w
                pg.box(cx - d / 2, yc - d / 2, d, d, stroke, "round", q="q%d" % (blk * 20 + r + 1), label="ABCDE"[i])
    # an ID grid: 7 columns of 0-9 bubbles, no table
    gy = top + 22 * cell_h + 6
    pg.text(22, gy, "Student number", 9, True)
    gd = rng.uniform(3.5, 4.5)
    pg.combs.append({"x": 60, "y": gy - 1, "w": 7 * 7 - 1, "h": 5, "n": 7})
    for c in range(7):
        pg.rect(60 + c * 7, gy - 1, 6, 5, 0.22)
        for v in range(10):
            x, yy = 60 + c * 7 + 3 - gd / 2, gy + 6 + v * (gd + 1.6)
            pg.box(x, yy, gd, gd, stroke, "round", q="id%d" % (c + 1))
    return pg, "sheet.png", "g"


def qr_modules(text):
    lib = ctypes.CDLL(ctypes.util.find_library("qrencode") or "libqrencode.so.4")

    class QR(ctypes.Structure):
        _fields_ = [("version", ctypes.c_int), ("width", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_ubyte))]

    lib.QRcode_encodeString.restype = ctypes.POINTER(QR)
    lib.QRcode_encodeString.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    q = lib.QRcode_encodeString(text.encode(), 0, 1, 2, 1)  # level M, 8-bit mode
    w = q.contents.width
    m = [[q.contents.data[y * w + x] & 1 for x in range(w)] for y in range(w)]
    lib.QRcode_free(q)
    return m


def qrform(rng):
    pg = Page(210.0, 297.0)
    ms = rng.uniform(4, 7)
    for k, (cx, cy) in enumerate([(10, 10), (200, 10), (10, 287), (200, 287)]):
        mark(pg, "square", cx + rng.uniform(-1, 1), cy + rng.uniform(-1, 1), ms, k, rng)
    pg.text(20, 18, "Visitor survey", 16, True)
    m = qr_modules("SURVEY 2025\nPAGE 1")
    mod = 0.6
    for y, row in enumerate(m):
        for x, v in enumerate(row):
            if v:
                pg.solid(170 + x * mod, 16 + y * mod, 170 + (x + 1) * mod, 16 + (y + 1) * mod)
    b = rng.uniform(4, 5.5)
    stroke = rng.uniform(0.25, 0.4)
    heads = ["Very good", "Good", "Fair", "Poor", "Very poor"]
    gx = 115
    step = rng.uniform(13, 16)
    y = 50
    for i, h in enumerate(heads):
        pg.text(gx + i * step - 2, y, h, 6)
    y += 7
    for r in range(5):
        pg.texts["item%d" % (r + 1)] = "Item %d of the visit" % (r + 1)
        pg.text(20, y, "Item %d of the visit" % (r + 1), 9)
        for i in range(5):
            pg.box(gx + i * step, y, b, b, stroke, q="item%d" % (r + 1), label=heads[i])
        y += b + 4
    y += 6
    pg.text(20, y, "How did you come here?", 9)
    pg.texts["travel"] = "How did you come here?"
    y += 6
    for o in ["On foot", "By bus", "By car", "Other"]:
        pg.box(25, y, b, b, stroke, q="travel", label=o)
        pg.text(25 + b + 2, y, o, 9)
        y += b + 3
    y += 6
    pg.text(20, y, "Your age", 9)
    pg.texts["age"] = "Your age"
    y += 6
    for i, o in enumerate(["<25", "25-44", "45-64", ">=65"]):
        pg.box(25 + i * 30, y, b, b, stroke, q="age", label=o)
        pg.text(25 + i * 30 + b + 2, y, o, 9)
    y += 12
    pg.text(20, y, "Comments", 9)
    pg.rect(20, y + 5, 170, 40, 0.3)
    return pg, "qrform.png", "g"


def exam(rng):
    pg = Page(210.0, 297.0)
    blen = rng.uniform(18, 28)
    for k, (cx, cy) in enumerate([(15 + blen / 2, 12), (195 - blen / 2, 12), (15 + blen / 2, 285),
                                  (195 - blen / 2, 285)]):
        mark(pg, "bar", cx, cy, blen, k, rng)
    pg.text(20, 20, "Course evaluation", 15, True)
    ow, oh = rng.uniform(5.5, 7.5), rng.uniform(3, 4)
    stroke = rng.uniform(0.2, 0.3)
    y = 40
    for q in range(8):
        pg.text(20, y, "Q%d" % (q + 1), 9)
        pg.texts["Q%d" % (q + 1)] = "Q%d" % (q + 1)
        for i, L in enumerate("ABCD"):
            x = 40 + i * (ow + 9)
            pg.box(x, y, ow, oh, stroke, "round", q="Q%d" % (q + 1), label=L)
            pg.text(x + ow / 2 - 1, y + oh + 0.5, L, 6)
        y += oh + 6
    # 9 x 5 grid of boxes joined by rules
    y += 6
    b = rng.uniform(4, 5)
    step = rng.uniform(16, 20)
    for i in range(5):
        pg.text(90 + i * step - 1, y, str(i + 1), 8, True)
    y += 6
    gaps = [rng.uniform(3, 5) for _ in range(9)]
    for c in range(5):  # the columns' rules, joining the boxes of a column
        pg.vline(90 + c * step + b / 2, y - 2, y + 9 * b + sum(gaps), 0.25)
    for r in range(9):
        pg.text(20, y + b / 2 - 1.5, "Statement %d" % (r + 1), 8)
        pg.texts["s%d" % (r + 1)] = "Statement %d" % (r + 1)
        pg.hline(65, 90 + 4 * step + b + 10, y + b / 2, 0.25)
        for i in range(5):
            pg.box(90 + i * step, y, b, b, stroke, q="s%d" % (r + 1), label=str(i + 1))
        y += b + gaps[r]
    return pg, "exam.png", "1"


def digits(rng):
    """AMC's look: digits printed inside the boxes (a number coded digit by
    digit, a column per digit), an ID grid with its digits right of the
    boxes, a scale grid under Swedish column heads; 1-bit."""
    pg = Page(210.0, 297.0)
    ms = rng.uniform(4, 6)
    for k, (cx, cy) in enumerate([(12, 12), (198, 12), (12, 285), (198, 285)]):
        mark(pg, "square", cx, cy, ms, k, rng)
    pg.text(20, 18, "Exam in numbers", 15, True)
    b = rng.uniform(3.6, 4.6)
    stroke = rng.uniform(0.2, 0.3)
    step = b + rng.uniform(1.6, 2.4)
    y = 34
    pg.text(20, y, "1. How much is exp(-100)?", 10)
    pg.texts["sign"] = pg.texts["d1"] = "1. How much is exp(-100)?"
    y += 8
    x = 30
    for i, sign in enumerate("+-"):
        pg.box(x, y + (8 + i) * step, b, b, stroke, q="sign", inside=sign)
    for c in range(3):
        xc = 40 + c * (b + rng.uniform(2, 3)) + (3 if c else 0)
        for v in range(10):
            pg.box(xc, y + v * step, b, b, stroke, q="d%d" % (c + 1), inside=str(v))
    y += 10 * step + 8
    pg.text(20, y, "2. Number of children", 10)
    pg.texts["children"] = "2. Number of children"
    y += 7
    gap = rng.uniform(1.8, 2.2)
    for v in range(10):
        pg.box(30 + v * (b + gap), y, b, b, stroke, q="children", inside=str(v))
    y += b + 10
    pg.text(20, y + 1, "Student number:", 10)
    for c in range(4):
        xc = 75 + c * (b + 6)
        for v in range(10):
            pg.box(xc, y + v * step, b, b, stroke, q="id%d" % (c + 1), label=str(v))
            pg.text(xc + b + 0.8, y + v * step + b / 2 - 1.6, str(v), 8)
    y += 10 * step + 10
    heads = ["Instämmer helt", "Instämmer", "Tveksam", "Tar avstånd", "Nej"]
    gx, gs = 100, rng.uniform(18, 21)
    for i, h in enumerate(heads):
        pg.text(gx + i * gs + b / 2 - pg.d.textlength(h, font=font(6)) / S / 2, y, h, 6)
    y += 7
    for r, t in enumerate(["Jag trivs på jobbet", "Chefen lyssnar", "Lönen är rimlig"]):
        pg.text(20, y, t, 9)
        pg.texts["s%d" % (r + 1)] = t
        for i in range(5):
            pg.box(gx + i * gs, y, b, b, stroke, q="s%d" % (r + 1), label=heads[i])
        y += b + 5
    return pg, "digits.tif", "1"


FORMS = {"census": census, "sheet": sheet, "qrform": qrform, "exam": exam, "digits": digits}


# ---------------------------------------------------------------- scanning


def scan(pg, mode, rng, skew=None):
    """The page as a scanner would give it: skew, blur, noise, then grey or 1-bit."""
    img = pg.img
    deg = rng.uniform(-0.5, 0.5) if skew is None else skew
    if VARY and skew is None:
        deg = VARY["skew"]
    W, H = img.size
    img = img.rotate(deg, resample=Image.BICUBIC, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.0)))
    a = np.asarray(img).astype(float)
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    a = a * rng.uniform(0.9, 0.97) + 255 * 0.03 + nrng.normal(0, 6, a.shape)
    if mode == "1":
        # a 1-bit threshold set too light: thin outlines break into pieces
        a = np.where(a < rng.uniform(95, 110) + nrng.normal(0, 25, a.shape), 0, 255)
    a = np.clip(a, 0, 255).astype(np.uint8)
    out = Image.fromarray(a)
    # the truth moves with the skew: rotate about the page centre
    t = math.radians(-deg)
    cx, cy = pg.w / 2, pg.h / 2

    def move(x, y):
        dx, dy = x - cx, y - cy
        return cx + dx * math.cos(t) - dy * math.sin(t), cy + dx * math.sin(t) + dy * math.cos(t)

    return (out.convert("1") if mode == "1" else out), move


def save(img, path):
    if path.endswith(".tif"):
        img.save(path, compression="group4" if img.mode == "1" else "tiff_lzw", dpi=(DPI, DPI))
    else:
        img.save(path, dpi=(DPI, DPI))


def cmd_make(args):
    os.makedirs(args.out, exist_ok=True)
    if args.vary:
        print("varied look: %s" % json.dumps(set_vary(args.seed), sort_keys=True))
    for name, fn in FORMS.items():
        rng = random.Random("%s-%d" % (name, args.seed))
        pg, fname, mode = fn(rng)
        img, move = scan(pg, mode, rng)
        save(img, os.path.join(args.out, fname))
        truth = {"form": name, "file": fname, "w": pg.w, "h": pg.h, "boxes": [], "combs": [], "marks": []}
        for b in pg.boxes:
            cx, cy = move(b["x"] + b["w"] / 2, b["y"] + b["h"] / 2)
            truth["boxes"].append({"cx": cx, "cy": cy, "w": b["w"], "h": b["h"], "shape": b["shape"],
                                   "q": b.get("q"), "label": b.get("label")})
        truth["texts"] = pg.texts
        for c in pg.combs:
            cx, cy = move(c["x"] + c["w"] / 2, c["y"] + c["h"] / 2)
            truth["combs"].append({"cx": cx, "cy": cy, "w": c["w"], "h": c["h"], "n": c["n"]})
        for m in pg.marks:
            x, y = move(m["x"], m["y"])
            truth["marks"].append({"x": x, "y": y, "kind": m["kind"], "size": m["size"]})
        with open(os.path.join(args.out, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(truth, f, indent=1)
        pg.img.save(os.path.join(args.out, name + "-master.png"), dpi=(DPI, DPI))
        print("%s: %s, %d boxes, %d combs, %d marks" % (name, fname, len(pg.boxes), len(pg.combs), len(pg.marks)))
    return 0


def fill_choices(pg, frng, per_box):
    """The boxes a respondent marks: with per_box, each box alone with that chance (a test of
    many marks per question); else as a person answers: in each question one box (84%),
    none (8%) or two (8%, a double that must go to review unless the draft says multi)."""
    if per_box is not None:
        return [bi for bi in range(len(pg.boxes)) if frng.random() < per_box]
    by_q = {}
    for bi, b in enumerate(pg.boxes):
        by_q.setdefault(b.get("q") or "box%d" % bi, []).append(bi)
    chosen = []
    for q in sorted(by_q):
        r = frng.random()
        n = 0 if r < 0.08 else 2 if r > 0.92 and len(by_q[q]) > 1 else 1
        chosen += frng.sample(by_q[q], n)
    return sorted(chosen)


def cmd_fill(args):
    """Copies of each blank with some boxes filled (a solid dot or cross), scanned again."""
    os.makedirs(args.out, exist_ok=True)
    if args.vary:
        set_vary(args.seed)
    rows = []
    for name, fn in FORMS.items():
        if args.forms and name not in args.forms.split(","):
            continue
        for k in range(args.count):
            rng = random.Random("%s-%d" % (name, args.seed))
            pg, fname, mode = fn(rng)  # the same blank, drawn again
            frng = random.Random("%s-%d-fill-%d" % (name, args.seed, k))
            for bi in fill_choices(pg, frng, args.per_box):
                b = pg.boxes[bi]
                x0, y0, x1, y1 = b["x"] * S, b["y"] * S, (b["x"] + b["w"]) * S, (b["y"] + b["h"]) * S
                if frng.random() < 0.5:
                    pg.d.line([x0 + 4, y0 + 4, x1 - 4, y1 - 4], fill=0, width=int(0.5 * S))
                    pg.d.line([x0 + 4, y1 - 4, x1 - 4, y0 + 4], fill=0, width=int(0.5 * S))
                else:
                    pg.d.ellipse([x0 + 3, y0 + 3, x1 - 3, y1 - 3], fill=0)
                rows.append((name, k, bi))
            for c in (args.cover_mark.split(",") if args.cover_mark else []):  # corner marks taped over
                m = pg.marks[int(c) % len(pg.marks)]
                r = (m["size"] / 2 + 3) * S
                pg.d.rectangle([m["x"] * S - r, m["y"] * S - r, m["x"] * S + r, m["y"] * S + r], fill=255)
            img, _ = scan(pg, mode if mode == "1" else "g", frng, skew=frng.uniform(-1.0, 1.0))
            if args.cut:  # the scanner cut the sheet's bottom off: boxes there are not on the scan
                img = img.crop((0, 0, img.size[0], int(img.size[1] * (1 - args.cut))))
            save(img, os.path.join(args.out, "%s-%02d.%s" % (name, k, "tif" if mode == "1" else "png")))
    with open(os.path.join(args.out, "answers.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f)
    return 0


def cmd_read(args):
    """Marked boxes of the filled copies (fill) against the answers `omr scan` gave (marks.csv's
    in_answer: a box withdrawn as a correction is not in the answer). Per blank: boxes decided
    right, wrong, to review; and by question: those with one mark (review is needless there),
    and doubles (two marks: review, or both kept by a multi-choice draft)."""
    import csv
    answers = json.load(open(os.path.join(args.scans, "answers.json"), encoding="utf-8"))
    marked = {(f, k, bi) for f, k, bi in answers}
    decided = {}
    for row in csv.DictReader(open(os.path.join(args.out, "marks.csv"), encoding="utf-8")):
        base = os.path.basename(row["file"]).rsplit(".", 1)[0]
        # a box of a question sent to review is the operator's to decide: neither right nor wrong
        decided[(base, row["question"], row["value"])] = (
            "review" if row.get("in_answer") == "review" else row.get("in_answer") == "1")
    total = right = missing = review = 0
    qsum = {"one": [0, 0, 0], "two": [0, 0, 0], "none": [0, 0, 0]}  # decided right, review, wrong
    for form in FORMS:
        if args.forms and form not in args.forms.split(","):
            continue
        T = json.load(open(os.path.join(args.truth, form + ".json"), encoding="utf-8"))
        geom = json.loads(subprocess.run([args.omr, "template", "geometry", os.path.join(args.truth, form + ".cfg")],
                                         capture_output=True, text=True, check=True).stdout)
        got = [(b["x"] + b["w"] / 2, b["y"] + b["h"] / 2, b["question"], b["value"]) for b in geom["pages"][0]["boxes"]]
        f_tot = f_wrong = f_rev = 0
        for k in range(args.count):
            base = "%s-%02d" % (form, k)
            wrong = to_review = 0
            per_q = {}
            for bi, t in enumerate(T["boxes"]):
                g = min(got, key=lambda g: math.hypot(g[0] - t["cx"], g[1] - t["cy"]))
                if math.hypot(g[0] - t["cx"], g[1] - t["cy"]) > 1.2:
                    continue  # a box the draft does not have (counted by score)
                d = decided.get((base, g[2], g[3]))
                if d is None:
                    missing += 1
                    continue
                total += 1
                f_tot += 1
                m = (form, k, bi) in marked
                q = per_q.setdefault(t.get("q") or "box%d" % bi, [0, 0, 0])  # marks, review boxes, wrong boxes
                q[0] += m
                if d == "review":
                    to_review += 1
                    q[1] += 1
                elif d == m:
                    right += 1
                else:
                    wrong += 1
                    q[2] += 1
                    print("  %s: box %d of %s (draft %s = %s) %s, read %s" %
                          (base, bi, t.get("q"), g[2], g[3], "marked" if m else "blank", "in the answer" if d else "not"))
            for n_marks, n_rev, n_wrong in per_q.values():
                s = qsum["none" if n_marks == 0 else "one" if n_marks == 1 else "two"]
                s[2 if n_wrong else 1 if n_rev else 0] += 1
            review += to_review
            f_wrong += wrong
            f_rev += to_review
            print("%s: %d boxes wrong, %d to review" % (base, wrong, to_review))
        print("%s: %d boxes: %d decided, %d to review, %d wrong" % (form, f_tot, f_tot - f_rev, f_rev, f_wrong))
    print("read through the drafts: %d of %d boxes decided right (%.2f%%), %d wrong, %d to review, "
          "%d boxes of pages not read" %
          (right, total, 100.0 * right / max(1, total), total - right - review, review, missing))
    for kind, (r_, v_, w_) in qsum.items():
        print("questions with %s: %d decided right, %d to review, %d wrong" %
              ({"one": "one mark", "two": "two or more marks", "none": "no mark"}[kind], r_, v_, w_))
    return 0 if right == total and missing == 0 else 1


def match(truth, got, tol):
    used, found, worst = set(), 0, 0.0
    missed = []
    for t in truth:
        best, bi = 1e9, -1
        for i, g in enumerate(got):
            dd = math.hypot(g[0] - t[0], g[1] - t[1])
            if dd < best and i not in used:
                best, bi = dd, i
        if best < tol:
            found += 1
            used.add(bi)
            worst = max(worst, best)
        else:
            missed.append(t)
    spurious = [g for i, g in enumerate(got) if i not in used]
    return found, missed, spurious, worst


def cmd_score(args):
    T = json.load(open(os.path.join(args.truth, args.form + ".json"), encoding="utf-8"))
    check = subprocess.run([args.omr, "template", "check", args.template], capture_output=True, text=True)
    g = subprocess.run([args.omr, "template", "geometry", args.template], capture_output=True, text=True)
    if g.returncode != 0:
        print("%s: template geometry failed: %s" % (args.form, g.stderr.strip()))
        return 1
    geom = json.loads(g.stdout)
    p = geom["pages"][0]
    got = [(b["x"] + b["w"] / 2, b["y"] + b["h"] / 2) for b in p["boxes"]]
    truth = [(b["cx"], b["cy"]) for b in T["boxes"]]
    found, missed, spurious, worst = match(truth, got, 1.2)
    for t in missed:
        print("  missed box at (%.1f, %.1f)" % t)
    for s in spurious:
        print("  spurious box at (%.1f, %.1f)" % s)
    fields = [(f["x"] + f["w"] / 2, f["y"] + f["h"] / 2) for f in p.get("text", [])]
    cf, cm, _, _ = match([(c["cx"], c["cy"]) for c in T["combs"]], fields, 3.0)
    marks = []
    with open(args.template, encoding="utf-8") as f:
        text = f.read()
    import re
    mm = re.search(r"marks = \{ size = [0-9.]+; centres = \(([^;]*)\); \}", text)
    if mm:
        marks = [tuple(map(float, m)) for m in re.findall(r"\[([0-9.]+), ([0-9.]+)\]", mm.group(1))]
    mf, _, _, mworst = match([(m["x"], m["y"]) for m in T["marks"]], marks, 1.0)
    print("%s: boxes %d of %d found (%.1f%%), %d missed, %d spurious, worst %.2f mm; combs %d of %d as text "
          "fields; marks %d of %d (worst %.2f mm); template check %s" %
          (args.form, found, len(truth), 100.0 * found / max(1, len(truth)), len(missed), len(spurious), worst,
           cf, len(T["combs"]), mf, len(T["marks"]), mworst, "passes" if check.returncode == 0 else
           "FAILS: " + check.stdout.strip() + check.stderr.strip()))
    grouping(T, text)
    ok = found >= 0.98 * len(truth) and len(spurious) <= 2 and check.returncode == 0
    return 0 if ok else 1


def unquote(t):
    """A libconfig string's text: the escapes discover_escape writes undone."""
    import re
    esc = {"n": "\n", "r": "\r", "t": "\t"}
    return re.sub(r"\\(x[0-9a-fA-F]{2}|.)",
                  lambda m: chr(int(m.group(1)[1:], 16)) if len(m.group(1)) == 3 else esc.get(m.group(1), m.group(1)), t)


def draft_boxes(text, page=1):
    """The draft's boxes on `page` with their question's id and text, and their label."""
    import re
    out, qid, qtext, at = [], None, None, 1
    str_ = r'"((?:[^"\\]|\\.)*)"'
    pat = re.compile(r"\{ id = " + str_ + r"; type = \"[a-z]*\"; text = " + str_ + r";|\{ value = " + str_ +
                     r"; label = " + str_ + r"; x = ([0-9.]+); y = ([0-9.]+); w = ([0-9.]+); h = ([0-9.]+); \}|"
                     r"\{ page = ([0-9]+);")
    for m in pat.finditer(text):
        if m.group(9):
            at = int(m.group(9))
            continue
        if at != page:
            continue
        if m.group(1) is not None:
            qid, qtext = m.group(1), unquote(m.group(2))
        elif m.group(3) is not None:
            x, y, w, h = (float(m.group(i)) for i in range(5, 9))
            out.append({"q": qid, "text": qtext, "label": unquote(m.group(4)), "c": (x + w / 2, y + h / 2)})
    return out


def norm(t):
    return " ".join((t or "").replace("\u2212", "-").replace("\u2013", "-").casefold().split())


def grouping(T, text):
    """Questions grouped right, labels and question texts read right, against the truth's."""
    import difflib
    got = draft_boxes(text)
    pairs = {}
    used = set()
    for ti, t in enumerate(T["boxes"]):
        best, bi = 1.2, -1
        for i, g in enumerate(got):
            d = math.hypot(g["c"][0] - t["cx"], g["c"][1] - t["cy"])
            if d < best and i not in used:
                best, bi = d, i
        if bi >= 0:
            used.add(bi)
            pairs[ti] = bi
    truth_of = {gi: ti for ti, gi in pairs.items()}
    qs = {}
    for ti, t in enumerate(T["boxes"]):
        if t.get("q"):
            qs.setdefault(t["q"], []).append(ti)
    right = 0
    wrong = []
    texts_right = texts_n = 0
    for q, members in qs.items():
        drafts = {got[pairs[ti]]["q"] for ti in members if ti in pairs}
        ok = len(drafts) == 1 and all(ti in pairs for ti in members)
        if ok:
            dq = drafts.pop()
            mine = [i for i, g in enumerate(got) if g["q"] == dq]
            ok = all(i in truth_of and T["boxes"][truth_of[i]].get("q") == q for i in mine)
        right += ok
        if not ok:
            wrong.append(q)
        want = T.get("texts", {}).get(q)
        if want:
            texts_n += 1
            first = [got[pairs[ti]] for ti in members if ti in pairs]
            if first and difflib.SequenceMatcher(None, norm(first[0]["text"]), norm(want)).ratio() >= 0.8:
                texts_right += 1
    labelled = [(ti, t) for ti, t in enumerate(T["boxes"]) if t.get("label")]
    labels_right = sum(1 for ti, t in labelled if ti in pairs and norm(got[pairs[ti]]["label"]) == norm(t["label"]))
    print("  questions grouped right %d of %d%s; labels read right %d of %d; question texts %d of %d" %
          (right, len(qs), (" (wrong: " + ", ".join(wrong[:8]) + ("..." if len(wrong) > 8 else "") + ")") if wrong
           else "", labels_right, len(labelled), texts_right, texts_n))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--out", required=True)
    m.add_argument("--vary", action="store_true", help="fonts, weights, strokes, leaders, dpi and skew from the seed")
    f = sub.add_parser("fill")
    f.add_argument("--seed", type=int, default=1)
    f.add_argument("--count", type=int, default=3)
    f.add_argument("--truth", required=False)
    f.add_argument("--out", required=True)
    f.add_argument("--forms", help="only these forms (comma-separated)")
    f.add_argument("--vary", action="store_true", help="as make --vary (the same seed)")
    f.add_argument("--per-box", type=float, help="mark each box alone with this chance (e.g. 0.3) instead of "
                   "answering each question as a person does")
    f.add_argument("--cut", type=float, default=0, help="cut this share of the page's bottom off every scan")
    f.add_argument("--cover-mark", help="hide these corner marks (0-3, comma-separated) on every copy")
    s = sub.add_parser("score")
    s.add_argument("--truth", required=True)
    s.add_argument("--form", required=True)
    s.add_argument("--template", required=True)
    s.add_argument("--omr", default="build/omr")
    r = sub.add_parser("read")
    r.add_argument("--truth", required=True)
    r.add_argument("--scans", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--count", type=int, default=3)
    r.add_argument("--forms", help="only these forms (comma-separated)")
    r.add_argument("--omr", default="build/omr")
    a = ap.parse_args()
    return {"make": cmd_make, "fill": cmd_fill, "score": cmd_score, "read": cmd_read}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
