#!/usr/bin/env python3
"""make_foreign.py - forms that omr did not print, filled, printed and scanned in simulation.

Two questionnaires are laid out here with Pillow (not with `omr render`), in
styles omr does not print:

  * kund-2025 (A4, 2 pages): square check boxes (4.5 mm), solid round corner
    marks, a Code 128 barcode "KU<8 digits><page>" instead of a QR code, a
    matrix of scale questions with column heads, vertical and horizontal
    option lists with labels to the right, a multiple choice in two columns,
    a comment field;
  * bib-2025 (US Letter, 2 pages): round bubbles (5 mm), L-shaped corner
    marks, no code at all (pages are known by their look and paired by scan
    order).

`make` writes for each form its blank copy (blank PDF for kund, 300 dpi PNG
for bib: what a person would give `omr template new --from`), the template a
person would end with after editing what `omr template new` wrote (same
geometry, real ids and values), the layout as JSON (for scoring discovery),
and N filled forms: answers drawn as crosses, ticks, fills, scribbles,
slashes, light pencil, in black, blue, red and green, with truly ambiguous
ones (a dot, two boxes in a single choice, a circle around a label, a cross
between two boxes). Then each page is "printed and scanned": sometimes
printed "fit to page" (94-97 %), scanned in grey or colour at 150-300 dpi
with skew, blur, uneven light and noise, photocopied (hard contrast, 1-bit),
turned 90/180/270 degrees, or photographed with a phone (perspective, a dark
table around the page, no resolution tag). Files: PNG, JPEG, multi-page TIFF.

`score` compares `omr scan` output with the truth: wrong auto-accepted
answers, truly ambiguous answers flagged, forms and pages found.

Usage:
  make_foreign.py make --count 40 --seed 1 --out DIR
  make_foreign.py score --truth DIR --out SCANDIR
  make_foreign.py discover --truth DIR --template T.cfg --form kund-2025
      (found / missed / spurious boxes of a template made by omr template new)

Needs Debian's python3-pil, python3-numpy and zint (the barcode).
"""

import os
import sys

try:
    import numpy as np
    from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
except ImportError:
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("make_foreign.py needs Pillow and numpy (Debian: apt-get install python3-pil python3-numpy)")

import argparse
import csv
import json
import math
import random
import shutil
import subprocess
import tempfile
from collections import defaultdict

DPI = 300  # the master resolution forms are drawn and filled at
FONT_DIR = "/usr/share/fonts/truetype/dejavu/"

# ---------------------------------------------------------------- layouts


def kund_layout():
    """kund-2025: A4, square boxes, round marks, Code 128."""
    L = {"id": "kund-2025", "title": "Kundenkät 2025 - Stadsbiblioteket", "w": 210.0, "h": 297.0,
         "font": "DejaVuSerif.ttf", "bold": "DejaVuSerif-Bold.ttf", "shape": "square", "box": 4.5,
         "marks": {"shape": "disc", "size": 6.0, "centres": [(14, 14), (196, 14), (14, 283), (196, 283)]},
         "barcode": {"x": 120.0, "y": 265.0, "w": 48.0, "h": 9.0}, "pages": {1: [], 2: []},
         "texts": {1: [], 2: []}, "fields": []}
    T = L["texts"]
    q = []

    def add(page, qid, qtype, text, boxes, labels):
        q.append({"id": qid, "type": qtype, "text": text, "page": page, "boxes": boxes, "labels": labels})

    T[1] += [(25, 22, "Kundenkät 2025 - Stadsbiblioteket", 15, True),
             (25, 33, "Kryssa i den ruta som passar bäst. Använd kulspetspenna.", 9.5, False),
             (25, 38.5, "Har du kryssat fel: fyll rutan helt och kryssa i rätt ruta.", 9.5, False),
             (25, 50, "A. Ditt besök", 11.5, True)]
    heads = ["Instämmer inte alls", "", "", "", "Instämmer helt"]
    cols = [120.0, 134.0, 148.0, 162.0, 176.0]
    for i, h in enumerate(["1", "2", "3", "4", "5"]):
        T[1].append((cols[i] + 0.9, 59.5, h, 9, True))
    T[1].append((112, 54, "Instämmer inte alls", 7, False))
    T[1].append((164, 54, "Instämmer helt", 7, False))
    items = ["Personalen var hjälpsam", "Det var lätt att hitta", "Öppettiderna passar mig",
             "Lokalen är trivsam", "Utbudet av böcker är bra", "Datorerna fungerar"]
    for i, it in enumerate(items):
        y = 66.0 + 9.0 * i
        T[1].append((25, y + 0.3, it, 10, False))
        add(1, "q%d" % (i + 1), "scale", it, [(str(k + 1), cols[k], y) for k in range(5)], "none")
    T[1].append((25, 124, "B. Hur ofta besöker du biblioteket?", 11, True))
    opts = ["Varje vecka", "Varje månad", "Några gånger om året", "Mer sällan"]
    bx = []
    for k, o in enumerate(opts):
        y = 132.0 + 8.0 * k
        T[1].append((37, y + 0.2, o, 10, False))
        bx.append((str(k + 1), 30.0, y))
    add(1, "q7", "single", "Hur ofta besöker du biblioteket?", bx, "right")
    T[1].append((25, 170, "C. Hittade du det du sökte?", 11, True))
    bx = []
    for k, (o, x) in enumerate([("Ja", 30.0), ("Delvis", 70.0), ("Nej", 110.0)]):
        T[1].append((x + 7, 178.2, o, 10, False))
        bx.append((str(k + 1), x, 178.0))
    add(1, "q8", "single", "Hittade du det du sökte?", bx, "right")
    T[1].append((25, 192, "D. Vad lånade du i dag? (flera svar möjliga)", 11, True))
    opts = ["Romaner", "Facklitteratur", "Tidskrifter", "Ljudböcker", "Film"]
    bx = []
    for k, o in enumerate(opts):
        y = 200.0 + 8.0 * k
        T[1].append((37, y + 0.2, o, 10, False))
        bx.append(("%c" % (ord("a") + k), 30.0, y))
    add(1, "q9", "multi", "Vad lånade du i dag?", bx, "right")
    T[1].append((25, 262, "Vänd blad", 9, False))

    T[2] += [(25, 25, "E. Hur nöjd är du med ...", 11.5, True)]
    cols2 = [130.0, 146.0, 162.0, 178.0]
    for i, h in enumerate(["Mycket", "Ganska", "Inte så", "Inte alls"]):
        T[2].append((cols2[i] - 3.5, 33, h, 7.5, False))
    items = ["... barnavdelningen", "... evenemangen", "... webbplatsen", "... e-böckerna"]
    for i, it in enumerate(items):
        y = 40.0 + 9.0 * i
        T[2].append((25, y + 0.3, it, 10, False))
        add(2, "q%d" % (10 + i), "scale", "Hur nöjd är du med " + it[4:], [(str(4 - k), cols2[k], y) for k in range(4)],
            "none")
    T[2].append((25, 82, "F. Vilka tjänster använder du? (flera svar möjliga)", 11, True))
    opts = ["Boklån", "Läsplatser", "Wifi", "Skrivare", "Språkcafé", "Läxhjälp"]
    bx = []
    for k, o in enumerate(opts):
        x = 30.0 if k < 3 else 110.0
        y = 90.0 + 8.0 * (k % 3)
        T[2].append((x + 7, y + 0.2, o, 10, False))
        bx.append(("%c" % (ord("a") + k), x, y))
    add(2, "q14", "multi", "Vilka tjänster använder du?", bx, "right")
    T[2].append((25, 120, "G. Din ålder", 11, True))
    opts = ["Under 20 år", "20-39 år", "40-64 år", "65 år eller äldre"]
    bx = []
    for k, o in enumerate(opts):
        y = 128.0 + 8.0 * k
        T[2].append((37, y + 0.2, o, 10, False))
        bx.append((str(k + 1), 30.0, y))
    add(2, "q15", "single", "Din ålder", bx, "right")
    T[2].append((25, 168, "H. Övriga synpunkter", 11, True))
    L["fields"].append({"id": "comment", "page": 2, "x": 25.0, "y": 175.0, "w": 160.0, "h": 60.0})
    T[2].append((25, 242, "Tack för din medverkan! Lämna enkäten i lådan vid entrén.", 9.5, False))
    L["questions"] = q
    return L


def bib_layout():
    """bib-2025: US Letter, bubbles, L-shaped corner marks, no code."""
    L = {"id": "bib-2025", "title": "Library Services Survey", "w": 215.9, "h": 279.4,
         "font": "DejaVuSansCondensed.ttf", "bold": "DejaVuSansCondensed-Bold.ttf", "shape": "bubble", "box": 5.0,
         "marks": {"shape": "L", "size": 9.0, "arm": 9.0, "thick": 1.8,
                   "corners": [(9, 9, 1, 1), (206.9, 9, -1, 1), (9, 270.4, 1, -1), (206.9, 270.4, -1, -1)]},
         "barcode": None, "pages": {1: [], 2: []}, "texts": {1: [], 2: []}, "fields": []}
    # centre of gravity of an L of arm a and thickness t, from its corner
    a, t = 9.0, 1.8
    g = (a * t * a / 2 + (a - t) * t * t / 2) / (a * t + (a - t) * t)
    L["marks"]["centres"] = [(x + sx * g, y + sy * g) for x, y, sx, sy in L["marks"]["corners"]]
    T = L["texts"]
    q = []

    def add(page, qid, qtype, text, boxes, labels):
        q.append({"id": qid, "type": qtype, "text": text, "page": page, "boxes": boxes, "labels": labels})

    T[1] += [(22, 20, "Library Services Survey 2025", 16, True),
             (22, 30, "Fill in one bubble per line, like this:", 9.5, False),
             (22, 35, "Please use a dark pen or pencil. Do not fold this sheet.", 9.5, False),
             (22, 46, "Part 1. How much do you agree?", 11.5, True)]
    cols = [112.0, 126.0, 140.0, 154.0, 168.0]
    for i, h in enumerate(["SD", "D", "N", "A", "SA"]):
        T[1].append((cols[i] + 0.5, 54, h, 8.5, True))
    items = ["The staff were friendly", "I found what I came for", "The opening hours suit me",
             "The reading room is quiet", "The catalogue is easy to use", "Printing is easy",
             "The building is accessible", "I would recommend the library"]
    for i, it in enumerate(items):
        y = 61.0 + 9.0 * i
        T[1].append((22, y + 0.4, "%d. %s" % (i + 1, it), 10, False))
        add(1, "q%d" % (i + 1), "scale", it, [(str(k + 1), cols[k], y) for k in range(5)], "none")
    T[1].append((22, 140, "Part 2. How did you get here today?", 11.5, True))
    opts = ["On foot", "By bicycle", "By bus or train", "By car"]
    bx = []
    for k, o in enumerate(opts):
        y = 148.0 + 8.5 * k
        T[1].append((31, y + 0.4, o, 10, False))
        bx.append((str(k + 1), 23.0, y))
    add(1, "q9", "single", "How did you get here today?", bx, "right")
    T[1].append((22, 190, "Please continue on the next page.", 9.5, False))

    T[2] += [(22, 20, "Part 3. How often do you use ...", 11.5, True)]
    cols2 = [130.0, 150.0, 170.0]
    for i, h in enumerate(["Often", "Sometimes", "Never"]):
        T[2].append((cols2[i] - 2, 28, h, 8, False))
    items = ["... the e-book service", "... the study rooms", "... the children's corner", "... the events"]
    for i, it in enumerate(items):
        y = 35.0 + 9.0 * i
        T[2].append((22, y + 0.4, it, 10, False))
        add(2, "q%d" % (10 + i), "single", "How often do you use " + it[4:], [(str(k + 1), cols2[k], y) for k in range(3)],
            "none")
    T[2].append((22, 78, "Part 4. Would you take part in a longer interview?", 11.5, True))
    bx = []
    for k, (o, x) in enumerate([("Yes", 23.0), ("No", 60.0), ("Maybe", 97.0), ("Not sure", 140.0)]):
        T[2].append((x + 8, 86.4, o, 10, False))
        bx.append((str(k + 1), x, 86.0))
    add(2, "q14", "single", "Would you take part in a longer interview?", bx, "right")
    T[2].append((22, 100, "Part 5. Which of these do you own? (mark all that apply)", 11.5, True))
    opts = ["Library card", "E-reader", "Tablet", "Laptop", "Smartphone"]
    bx = []
    for k, o in enumerate(opts):
        y = 108.0 + 8.5 * k
        T[2].append((31, y + 0.4, o, 10, False))
        bx.append(("%c" % (ord("a") + k), 23.0, y))
    add(2, "q15", "multi", "Which of these do you own?", bx, "right")
    T[2].append((22, 160, "Thank you!", 11, True))
    L["questions"] = q
    return L


LAYOUTS = {"kund-2025": kund_layout, "bib-2025": bib_layout}

# ---------------------------------------------------------------- drawing the blank form


def font(L, size_pt, bold=False):
    return ImageFont.truetype(FONT_DIR + (L["bold"] if bold else L["font"]), int(round(size_pt * DPI / 72)))


def code128_modules(text):
    """Bars of a Code 128 symbol as a list of 0/1 modules, from zint."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "c.png")
        subprocess.run(["zint", "-b", "20", "-d", text, "--notext", "--scale=0.5", "--height=4", "-o", path],
                       check=True, stdout=subprocess.DEVNULL)
        with Image.open(path) as im:
            row = np.asarray(im.convert("L"))[1]
    return [1 if v < 128 else 0 for v in row]


def draw_blank(L, page, code=None):
    """The page as printed, RGB at DPI; `code` fills the barcode (kund)."""
    s = DPI / 25.4
    W, H = int(round(L["w"] * s)), int(round(L["h"] * s))
    img = Image.new("RGB", (W, H), (255, 255, 255))
    d = ImageDraw.Draw(img)
    for x, y, text, size, bold in L["texts"][page]:
        d.text((x * s, y * s), text, font=font(L, size, bold), fill=(0, 0, 0))
    line = max(1, int(round(0.3 * s)))
    for q in L["questions"]:
        if q["page"] != page:
            continue
        for _, x, y in q["boxes"]:
            b = L["box"]
            if L["shape"] == "square":
                d.rectangle([x * s, y * s, (x + b) * s - 1, (y + b) * s - 1], outline=(0, 0, 0), width=line)
            else:
                d.ellipse([x * s, y * s, (x + b) * s - 1, (y + b) * s - 1], outline=(0, 0, 0), width=line)
    for f in L["fields"]:
        if f["page"] == page:
            d.rectangle([f["x"] * s, f["y"] * s, (f["x"] + f["w"]) * s, (f["y"] + f["h"]) * s], outline=(0, 0, 0),
                        width=line)
    m = L["marks"]
    if m["shape"] == "disc":
        r = m["size"] / 2
        for cx, cy in m["centres"]:
            d.ellipse([(cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s], fill=(0, 0, 0))
    else:
        a, t = m["arm"], m["thick"]
        for x, y, sx, sy in m["corners"]:
            x2, y2 = x + sx * a, y + sy * t
            d.rectangle([min(x, x2) * s, min(y, y2) * s, max(x, x2) * s, max(y, y2) * s], fill=(0, 0, 0))
            x2, y2 = x + sx * t, y + sy * a
            d.rectangle([min(x, x2) * s, min(y, y2) * s, max(x, x2) * s, max(y, y2) * s], fill=(0, 0, 0))
    if page == 1 and L["id"] == "bib-2025":  # the example bubble in the instructions
        d.ellipse([88 * s, 29.5 * s, 92 * s, 33.5 * s], fill=(0, 0, 0))
    bc = L["barcode"]
    if bc and code:
        text = "KU%s%d" % (code, page)
        mods = code128_modules(text)
        mw = bc["w"] / len(mods)
        for i, v in enumerate(mods):
            if v:
                d.rectangle([(bc["x"] + i * mw) * s, bc["y"] * s, (bc["x"] + (i + 1) * mw) * s - 1,
                             (bc["y"] + bc["h"]) * s], fill=(0, 0, 0))
        d.text(((bc["x"] + 8) * s, (bc["y"] + bc["h"] + 0.8) * s), text, font=font(L, 8), fill=(0, 0, 0))
    return img


# ---------------------------------------------------------------- filling


STYLES = {"cross": 30, "check": 20, "fill": 12, "scribble": 8, "slash": 8, "felt": 10}
INKS = {"black": 35, "blue": 35, "red": 8, "green": 6, "pencil": 16}
P_BLANK, P_DOT, P_DOUBLE, P_CIRCLE, P_BETWEEN = 0.08, 0.015, 0.02, 0.02, 0.015


def ink_rgb(ink, rng):
    if ink == "black":
        g = rng.randint(15, 45)
        return (g, g, g + 5)
    if ink == "blue":
        return (rng.randint(20, 45), rng.randint(40, 70), rng.randint(140, 190))
    if ink == "red":
        return (rng.randint(190, 220), rng.randint(20, 45), rng.randint(25, 50))
    if ink == "green":
        return (rng.randint(20, 50), rng.randint(130, 155), rng.randint(50, 80))
    g = rng.randint(120, 165)  # pencil
    return (g, g, g)


def stroke(d, pts, width_mm, colour, rng):
    s = DPI / 25.4
    out = []
    for i, (x, y) in enumerate(pts):
        out.append(((x + rng.uniform(-0.04, 0.04)) * s, (y + rng.uniform(-0.04, 0.04)) * s))
    w = max(1, int(round(width_mm * s)))
    d.line(out, fill=colour, width=w, joint="curve")
    r = w / 2
    for x, y in (out[0], out[-1]):
        d.ellipse([x - r, y - r, x + r, y + r], fill=colour)


def curve(p0, c, p1, n=12):
    return [((1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * c[0] + t * t * p1[0],
             (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * c[1] + t * t * p1[1]) for t in (i / n for i in range(n + 1))]


def rot(pts, cx, cy, deg):
    c, sn = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return [(cx + x * c - y * sn, cy + x * sn + y * c) for x, y in pts]


def draw_mark(d, rng, style, L, x, y, colour, width):
    b = L["box"]
    cx, cy = x + b / 2 + rng.uniform(-0.3, 0.3), y + b / 2 + rng.uniform(-0.3, 0.3)
    ang = rng.uniform(-10, 10)
    if style in ("cross", "felt"):
        h = b * rng.uniform(0.33, 0.5)
        w = rng.uniform(0.8, 1.1) if style == "felt" else width
        stroke(d, rot(curve((-h, -h), (0.2, -0.2), (h, h)), cx, cy, ang), w, colour, rng)
        stroke(d, rot(curve((h, -h), (-0.2, -0.2), (-h, h)), cx, cy, ang), w, colour, rng)
    elif style == "check":
        sc = b * rng.uniform(0.85, 1.1)
        pts = curve((-0.4 * sc, 0), (-0.25 * sc, 0.2 * sc), (-0.08 * sc, 0.35 * sc), 6)
        pts += curve((-0.08 * sc, 0.35 * sc), (0.1 * sc, -0.05 * sc), (0.45 * sc, -0.55 * sc), 10)[1:]
        stroke(d, rot(pts, cx, cy, ang), width, colour, rng)
    elif style == "slash":
        h = b * rng.uniform(0.4, 0.6)
        stroke(d, rot([(-h, h), (h, -h)], cx, cy, ang), width * 1.2, colour, rng)
    elif style == "fill":
        s = DPI / 25.4
        m = 0.1
        if L["shape"] == "square":
            d.rectangle([(x + m) * s, (y + m) * s, (x + b - m) * s, (y + b - m) * s], fill=colour)
        else:  # a filled bubble, a little over its edge
            o = rng.uniform(-0.1, 0.4)
            d.ellipse([(x - o) * s, (y - o) * s, (x + b + o) * s, (y + b + o) * s], fill=colour)
    elif style == "scribble":  # back and forth over half to two thirds of the box, not a fill
        n = rng.randint(3, 4)
        for k in range(n):
            yy = y + 1.0 + (b - 2.0) * k / (n - 1)
            stroke(d, [(x + 0.8, yy + rng.uniform(-0.2, 0.2)), (x + b - 0.8, yy + rng.uniform(0.2, 0.6))], 0.45, colour, rng)


def label_end(L, q, k):
    """x where the label of box k ends (labels right), roughly."""
    _, x, y = q["boxes"][k]
    for tx, ty, text, size, bold in L["texts"][q["page"]]:
        if abs(ty - y) < 1.5 and tx > x and tx - x < 10:
            f = font(L, size, bold)
            return tx, tx + f.getlength(text) / (DPI / 25.4)
    return x + L["box"] + 2, x + L["box"] + 12


def plan_and_fill(L, pages, rng, colour_ok):
    """Draws one respondent's answers on the blank page images; returns truth rows."""
    ink = rng.choices(list(INKS), weights=list(INKS.values()))[0]
    if not colour_ok and ink in ("red", "green"):
        ink = "blue"
    habit = rng.choices(list(STYLES), weights=list(STYLES.values()))[0]
    col = ink_rgb(ink, rng)
    width = rng.uniform(0.55, 0.8) if ink == "pencil" else rng.uniform(0.35, 0.6)
    draws = {p: ImageDraw.Draw(img) for p, img in pages.items()}
    truth = []
    for q in L["questions"]:
        d = draws[q["page"]]
        boxes = q["boxes"]
        values = [v for v, _, _ in boxes]
        style = habit if rng.random() < 0.75 else rng.choices(list(STYLES), weights=list(STYLES.values()))[0]
        if style == "scribble" and L["shape"] == "bubble":
            style = "fill"
        row = {"question": q["id"], "truth": "", "ambiguous": 0, "behaviour": "blank"}
        if q["type"] == "multi":
            n = rng.choices([0, 1, 2, 3], weights=[10, 45, 30, 15])[0]
            idx = sorted(rng.sample(range(len(values)), n))
            for k in idx:
                draw_mark(d, rng, style, L, boxes[k][1], boxes[k][2], col, width)
            row["truth"] = " ".join(values[k] for k in idx)
            row["behaviour"] = style if n else "blank"
            if rng.random() < P_DOT * 2:
                free = [k for k in range(len(values)) if k not in idx]
                if free:
                    k = rng.choice(free)
                    _, x, y = boxes[k]
                    b = L["box"]
                    s = DPI / 25.4
                    r = rng.uniform(0.4, 0.6)
                    cx, cy = x + b / 2 + rng.uniform(-0.5, 0.5), y + b / 2 + rng.uniform(-0.5, 0.5)
                    d.ellipse([(cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s], fill=col)
                    row["ambiguous"] = 1
                    row["behaviour"] = "dot"
            truth.append(row)
            continue
        r = rng.random()
        if r < P_BLANK:
            truth.append(row)
            continue
        k = rng.randrange(len(values))
        row["truth"] = values[k]
        row["behaviour"] = style
        r = rng.random()
        _, x, y = boxes[k]
        b = L["box"]
        s = DPI / 25.4
        if r < P_DOT:
            rr = rng.uniform(0.4, 0.6)
            cx, cy = x + b / 2 + rng.uniform(-0.5, 0.5), y + b / 2 + rng.uniform(-0.5, 0.5)
            d.ellipse([(cx - rr) * s, (cy - rr) * s, (cx + rr) * s, (cy + rr) * s], fill=col)
            row.update(ambiguous=1, behaviour="dot")
        elif r < P_DOT + P_DOUBLE:
            j = rng.choice([i for i in range(len(values)) if i != k])
            draw_mark(d, rng, style, L, x, y, col, width)
            draw_mark(d, rng, style, L, boxes[j][1], boxes[j][2], col, width)
            row.update(ambiguous=1, behaviour="double", truth=" ".join(sorted([values[k], values[j]], key=values.index)))
        elif r < P_DOT + P_DOUBLE + P_CIRCLE and q["labels"] == "right":
            x0, x1 = label_end(L, q, k)
            cx, cy = (x0 + x1) / 2, y + b / 2
            a, bb = (x1 - x0) / 2 + 1.5, 3.0
            pts = [(cx + a * math.cos(t / 24 * math.pi * 2.1), cy + bb * math.sin(t / 24 * math.pi * 2.1)) for t in range(25)]
            stroke(d, pts, width, col, rng)
            row.update(ambiguous=1, behaviour="circle_label")
        elif r < P_DOT + P_DOUBLE + P_CIRCLE + P_BETWEEN and len(values) > 1:
            j = k + 1 if k + 1 < len(values) else k - 1
            x2, y2 = boxes[j][1], boxes[j][2]
            cx, cy = (x + x2) / 2 + b / 2, (y + y2) / 2 + b / 2
            gap = max(abs(x2 - x), abs(y2 - y)) - b
            h = min(2.0, gap / 2 - 0.8)
            if h > 0.7:
                stroke(d, [(cx - h, cy - h), (cx + h, cy + h)], width, col, rng)
                stroke(d, [(cx + h, cy - h), (cx - h, cy + h)], width, col, rng)
                row.update(ambiguous=1, behaviour="between", truth=" ".join(sorted([values[k], values[j]], key=values.index)))
            else:
                draw_mark(d, rng, style, L, x, y, col, width)
        else:
            draw_mark(d, rng, style, L, x, y, col, width)
        if ink == "pencil" and row["behaviour"] not in ("dot", "double", "circle_label", "between"):
            row["behaviour"] = "pencil_" + style
        truth.append(row)
    for f in L["fields"]:
        if rng.random() < 0.25:
            d = draws[f["page"]]
            fnt = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf", int(4.5 * DPI / 25.4))
            d.text(((f["x"] + 5) * DPI / 25.4, (f["y"] + 6) * DPI / 25.4), "Fler ljudböcker tack!", font=fnt, fill=col)
    return truth, ink


# ---------------------------------------------------------------- printing and scanning


def solve_perspective(dst, src):
    a, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return [float(c) for c in np.linalg.solve(np.array(a, float), np.array(b, float))]


def light_and_noise(img, rng, nrng, darkest, sigma):
    w, h = img.size
    ys = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    ang = rng.uniform(0, 2 * math.pi)
    g = (xs * math.cos(ang) + ys * math.sin(ang)) / 1.42
    light = 1.0 - darkest * (g + 1) / 2
    arr = np.asarray(img).astype(np.float32)
    arr *= light if arr.ndim == 2 else light[:, :, None]
    arr += nrng.normal(0, sigma, arr.shape).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), img.mode)


def print_and_scan(img, plan, rng, nrng, log):
    """A filled page (RGB at DPI) through a printer and a scanner or a phone."""
    W, H = img.size
    if plan["fit"]:  # printed "fit to page": the form shrunk onto the sheet
        f = rng.uniform(0.94, 0.97)
        small = img.resize((int(W * f), int(H * f)), Image.LANCZOS)
        sheet = Image.new("RGB", (W, H), (255, 255, 255))
        sheet.paste(small, ((W - small.width) // 2 + rng.randint(-20, 20), (H - small.height) // 2 + rng.randint(-20, 20)))
        img = sheet
        log.append("fit%.0f%%" % (f * 100))
    if plan["kind"] == "phone":
        # a photo: the sheet on a dark table, in perspective, no resolution tag
        fw, fh = 2400, 3200
        scale = rng.uniform(0.78, 0.9) * fh / H
        pw, ph = W * scale, H * scale
        x0, y0 = (fw - pw) / 2 + rng.uniform(-80, 80), (fh - ph) / 2 + rng.uniform(-80, 80)
        j = rng.uniform(0.02, 0.05)
        dst = [(x0 + rng.uniform(-j, j) * pw, y0 + rng.uniform(-j, j) * ph),
               (x0 + pw + rng.uniform(-j, j) * pw, y0 + rng.uniform(-j, j) * ph),
               (x0 + pw + rng.uniform(-j, j) * pw, y0 + ph + rng.uniform(-j, j) * ph),
               (x0 + rng.uniform(-j, j) * pw, y0 + ph + rng.uniform(-j, j) * ph)]
        coeffs = solve_perspective(dst, [(0, 0), (W, 0), (W, H), (0, H)])
        bg = (rng.randint(50, 90), rng.randint(40, 70), rng.randint(30, 55))
        photo = img.transform((fw, fh), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=bg)
        photo = photo.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.6, 1.2)))
        photo = light_and_noise(photo, rng, nrng, rng.uniform(0.1, 0.3), rng.uniform(2, 5))
        log.append("phone%.1f%%" % (j * 100))
        return photo, 0
    dpi = plan["dpi"]
    # scanner: a little skew and offset on the glass, optics blur
    ang = rng.uniform(-1.2, 1.2)
    img = img.rotate(ang, resample=Image.BICUBIC, translate=(rng.randint(-30, 30), rng.randint(-30, 30)),
                     fillcolor=(255, 255, 255))
    log.append("skew%.1f" % ang)
    img = img.resize((int(W * dpi / DPI), int(H * dpi / DPI)), Image.LANCZOS)
    img = img.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.3, 0.7)))
    if not plan["colour"]:
        img = img.convert("L")
    img = light_and_noise(img, rng, nrng, rng.uniform(0.0, 0.15), rng.uniform(1.5, 3.5))
    if plan["kind"] == "copy":  # a photocopy: hard contrast, darker grey, then 1-bit
        arr = np.asarray(img.convert("L")).astype(np.float32)
        arr = np.clip((arr - 60) * 1.5, 0, 255)
        img = Image.fromarray(arr.astype(np.uint8), "L").point(lambda v: 255 if v > 150 else 0).convert("1")
        log.append("photocopy")
    return img, dpi


def plan_files(rng, forms):
    plans, i = [], 0
    while i < len(forms):
        kind = rng.choices(["scan", "colour", "copy", "phone", "tiff"], weights=[30, 25, 10, 20, 15])[0]
        n = 1
        if kind == "tiff":
            n = min(len(forms) - i, rng.choice([1, 2, 3]))
        p = {"kind": kind, "forms": forms[i:i + n], "colour": kind in ("colour", "phone"),
             "dpi": rng.choice([150, 200, 300]) if kind != "copy" else 300,
             "fit": rng.random() < 0.25, "reverse": kind == "tiff" and rng.random() < 0.3}
        plans.append(p)
        i += n
    return plans


def write_template(L, path, reference):
    """The template a person ends with: real ids, types and values."""
    out = ['# %s: a form omr did not print (made by samples/foreign/make_foreign.py)' % L["id"],
           'id = "%s";' % L["id"], 'title = "%s";' % L["title"],
           "page_width = %.1f; page_height = %.1f;" % (L["w"], L["h"]), "box_size = %.1f;" % L["box"],
           'reference = "%s";' % reference]
    m = L["marks"]
    out.append('registration = "marks";')
    out.append("marks = { size = %.1f; centres = (%s); };" % (
        m["size"], ", ".join("[%.2f, %.2f]" % c for c in m["centres"])))
    if L["barcode"]:
        bc = L["barcode"]
        out.append('identity = { kind = "code128"; pattern = "^KU([0-9]{8})([0-9])$"; fields = ["code", "page"];')
        out.append("             x = %.1f; y = %.1f; w = %.1f; h = %.1f; };" % (bc["x"], bc["y"], bc["w"], bc["h"]))
    else:
        out.append('identity = { kind = "none"; };')
    out.append("pages = (")
    pages = []
    for p in (1, 2):
        qs = []
        for q in L["questions"]:
            if q["page"] != p:
                continue
            bx = ", ".join('{ value = "%s"; label = "%s"; x = %.2f; y = %.2f; }' % (v, v, x, y) for v, x, y in q["boxes"])
            qs.append('      { id = "%s"; type = "%s"; text = "%s"; y = %.2f; labels = "%s";\n        boxes = ( %s ); }'
                      % (q["id"], q["type"], q["text"].replace('"', "'"), q["boxes"][0][2], q["labels"], bx))
        fs = ['      { id = "%s"; x = %.1f; y = %.1f; w = %.1f; h = %.1f; }' % (f["id"], f["x"], f["y"], f["w"], f["h"])
              for f in L["fields"] if f["page"] == p]
        page = "  { page = %d;\n    questions = (\n%s );" % (p, ",\n".join(qs))
        if fs:
            page += "\n    text_fields = (\n%s );" % ",\n".join(fs)
        pages.append(page + " }")
    out.append(",\n".join(pages))
    out.append(");")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def make_codes(rng, n):
    seen = set()
    while len(seen) < n:
        seen.add("%08d" % rng.randrange(10 ** 8))
    return sorted(seen, key=lambda c: rng.random())


def cmd_make(args):
    out = args.out
    scans = os.path.join(out, "scans")
    os.makedirs(scans, exist_ok=True)
    for name in os.listdir(scans):
        os.unlink(os.path.join(scans, name))
    rng = random.Random(args.seed)
    layouts = {k: f() for k, f in LAYOUTS.items()}
    # the blank copies and the templates
    kund, bib = layouts["kund-2025"], layouts["bib-2025"]
    blank = [draw_blank(kund, p) for p in (1, 2)]
    blank[0].save(os.path.join(out, "kund-2025-blank.pdf"), "PDF", save_all=True, append_images=blank[1:],
                  resolution=float(DPI))
    for p in (1, 2):
        draw_blank(bib, p).convert("L").save(os.path.join(out, "bib-2025-blank-p%d.png" % p), dpi=(DPI, DPI))
    write_template(kund, os.path.join(out, "kund-2025.cfg"), "kund-2025-blank.pdf")
    write_template(bib, os.path.join(out, "bib-2025.cfg"), "bib-2025-blank-p1.png")
    # bib's template names one file per page
    path = os.path.join(out, "bib-2025.cfg")
    text = open(path, encoding="utf-8").read().replace('reference = "bib-2025-blank-p1.png";',
                                                       'reference = ["bib-2025-blank-p1.png", "bib-2025-blank-p2.png"];')
    open(path, "w", encoding="utf-8").write(text)
    with open(os.path.join(out, "layouts.json"), "w", encoding="utf-8") as f:
        json.dump(layouts, f, indent=1)

    forms = []
    codes = make_codes(rng, args.count)
    for i in range(args.count):
        lid = "kund-2025" if i % 2 == 0 else "bib-2025"
        forms.append({"n": i, "layout": lid, "code": codes[i] if lid == "kund-2025" else ""})
    plans = plan_files(rng, forms)
    truth_rows, pages_rows = [], []
    for fi, plan in enumerate(plans):
        images = []
        for form in plan["forms"]:
            L = layouts[form["layout"]]
            frng = random.Random("%d/form/%d" % (args.seed, form["n"]))
            pages = {p: draw_blank(L, p, form["code"] or None) for p in (1, 2)}
            truth, ink = plan_and_fill(L, pages, frng, plan["colour"])
            form_id = form["code"] or "form%03d" % form["n"]
            for t in truth:
                truth_rows.append({"form": form_id, "template": L["id"], **t})
            order = [2, 1] if plan["reverse"] else [1, 2]
            for p in order:
                prng = random.Random("%d/page/%d/%d" % (args.seed, form["n"], p))
                nrng = np.random.default_rng([args.seed, form["n"], p])
                log = []
                img, dpi = print_and_scan(pages[p], plan, prng, nrng, log)
                turn = prng.choices([0, 90, 180, 270], weights=[65, 12, 13, 10])[0]
                if turn:
                    img = img.transpose({90: Image.ROTATE_90, 180: Image.ROTATE_180, 270: Image.ROTATE_270}[turn])
                    log.append("turn%d" % turn)
                images.append((img, dpi, {"form": form_id, "template": L["id"], "page": p, "ink": ink,
                                          "kind": plan["kind"], "faults": " ".join(log)}))
        if plan["kind"] == "tiff":
            name = "batch_%04d.tif" % (fi + 1)
            first = images[0][0]
            first.save(os.path.join(scans, name), "TIFF", save_all=True, append_images=[im for im, _, _ in images[1:]],
                       compression="tiff_lzw", dpi=(images[0][1], images[0][1]))
            for k, (_, _, meta) in enumerate(images):
                pages_rows.append({"file": name, "file_page": k + 1, **meta})
        else:
            for k, (img, dpi, meta) in enumerate(images):
                if plan["kind"] == "phone":
                    name = "IMG_%04d_%d.jpg" % (fi + 1, k + 1)
                    img.save(os.path.join(scans, name), "JPEG", quality=rng.randint(70, 88))
                elif plan["kind"] == "colour":
                    name = "scan_%04d_%d.jpg" % (fi + 1, k + 1)
                    img.save(os.path.join(scans, name), "JPEG", quality=rng.randint(75, 90), dpi=(dpi, dpi))
                else:
                    name = "scan_%04d_%d.png" % (fi + 1, k + 1)
                    img.save(os.path.join(scans, name), "PNG", dpi=(dpi, dpi))
                pages_rows.append({"file": name, "file_page": 1, **meta})
        print("file %d/%d (%s)" % (fi + 1, len(plans), plan["kind"]), file=sys.stderr)
    with open(os.path.join(out, "truth.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["form", "template", "question", "truth", "ambiguous", "behaviour"])
        w.writeheader()
        w.writerows(truth_rows)
    with open(os.path.join(out, "pages.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["file", "file_page", "form", "template", "page", "ink", "kind", "faults"])
        w.writeheader()
        w.writerows(pages_rows)
    print("%d forms, %d pages in %s" % (args.count, len(pages_rows), scans), file=sys.stderr)


# ---------------------------------------------------------------- scoring


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def cmd_score(args):
    truth = read_csv(os.path.join(args.truth, "truth.csv"))
    pages = read_csv(os.path.join(args.truth, "pages.csv"))
    records = read_csv(os.path.join(args.out, "records.csv"))
    rejects = read_csv(os.path.join(args.out, "rejects.csv")) if os.path.exists(os.path.join(args.out, "rejects.csv")) else []
    layouts = json.load(open(os.path.join(args.truth, "layouts.json"), encoding="utf-8"))
    qtype = {(lid, q["id"]): q["type"] for lid, L in layouts.items() for q in L["questions"]}
    qvalues = {(lid, q["id"]): [b[0] for b in q["boxes"]] for lid, L in layouts.items() for q in L["questions"]}
    form_of_page = {(p["file"], str(p["file_page"])): p["form"] for p in pages}
    by_form = defaultdict(dict)
    for t in truth:
        by_form[t["form"]][t["question"]] = t
    n_auto = n_wrong = n_amb = n_amb_flagged = n_answers = n_review_needless = 0
    forms_found, wrong = set(), []
    mixed = 0
    for r in records:
        srcs = [s.rsplit("#", 1) for s in r.get("sources", "").split(";") if s]
        owners = {form_of_page.get((os.path.basename(f), p)) for f, p in srcs}
        owners.discard(None)
        if len(owners) != 1:
            mixed += 1
            continue
        form = owners.pop()
        forms_found.add(form)
        review = set(r.get("review_items", "").split())
        lid = r["template"]
        for qid, t in by_form[form].items():
            n_answers += 1
            if qtype[(lid, qid)] == "multi":
                got = " ".join(v for v in qvalues[(lid, qid)] if r.get("%s.%s" % (qid, v)) == "1")
            else:
                got = r.get(qid, "")
            if t["ambiguous"] == "1":
                n_amb += 1
                n_amb_flagged += qid in review
                continue
            if qid in review:
                n_review_needless += 1
                continue
            n_auto += 1
            if got != t["truth"]:
                n_wrong += 1
                wrong.append((form, lid, qid, t["truth"], got, t["behaviour"]))
    n_forms = len(by_form)
    print("forms: %d made, %d read into a record, %d records mixing pages of two forms" % (n_forms, len(forms_found), mixed))
    print("pages rejected: %d" % sum(1 for x in rejects if x.get("kind") == "error"))
    for x in rejects:
        if x.get("kind") == "error":
            print("  reject: %s#%s %s" % (x["file"], x["page"], x["reason"][:150]))
    print("answers: %d; auto-accepted %d; wrong_auto %d" % (n_answers, n_auto, n_wrong))
    print("share_ambiguous_flagged %.3f (%d of %d)" % (n_amb_flagged / n_amb if n_amb else 1.0, n_amb_flagged, n_amb))
    print("unambiguous answers sent to review: %d (%.1f%%)" % (n_review_needless, 100.0 * n_review_needless / max(1, n_answers - n_amb)))
    for w in wrong[:20]:
        print("  wrong: form %s %s %s truth=%r read=%r (%s)" % w)
    return 0 if n_wrong == 0 and n_amb_flagged == n_amb and len(forms_found) == n_forms and not mixed else 1


# ---------------------------------------------------------------- discovery


def cmd_discover(args):
    """Found / missed / spurious boxes of a discovered template against the layout."""
    layouts = json.load(open(os.path.join(args.truth, "layouts.json"), encoding="utf-8"))
    L = layouts[args.form]
    geom = json.loads(subprocess.run([args.omr, "template", "geometry", args.template], check=True,
                                     capture_output=True, text=True).stdout)
    found = missed = spurious = 0
    worst = 0.0
    for p in geom["pages"]:
        truth = [(x, y) for q in L["questions"] if q["page"] == p["page"] for _, x, y in q["boxes"]]
        got = [(b["x"], b["y"], b["w"]) for b in p["boxes"]]
        used = set()
        for tx, ty in truth:
            best, bi = 1e9, -1
            for i, (x, y, w) in enumerate(got):
                dd = math.hypot(x - tx, y - ty)
                if dd < best and i not in used:
                    best, bi = dd, i
            if best < 1.0:
                found += 1
                used.add(bi)
                worst = max(worst, best)
            else:
                missed += 1
                print("  missed: page %d box at (%.1f, %.1f)" % (p["page"], tx, ty))
        for i, (x, y, w) in enumerate(got):
            if i not in used:
                spurious += 1
                print("  spurious: page %d (%.1f, %.1f) %.1f mm" % (p["page"], x, y, w))
    print("%s: %d boxes found, %d missed, %d spurious (worst position error %.2f mm)" % (args.form, found, missed, spurious, worst))
    return 0 if missed == 0 and spurious == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--count", type=int, default=40)
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--out", required=True)
    s = sub.add_parser("score")
    s.add_argument("--truth", required=True)
    s.add_argument("--out", required=True)
    d = sub.add_parser("discover")
    d.add_argument("--truth", required=True)
    d.add_argument("--template", required=True)
    d.add_argument("--form", required=True)
    d.add_argument("--omr", default="build/omr")
    args = ap.parse_args()
    if args.cmd == "make":
        if not shutil.which("zint"):
            sys.exit("make_foreign.py: zint not found (Debian: apt-get install zint)")
        cmd_make(args)
        return 0
    if args.cmd == "score":
        return cmd_score(args)
    return cmd_discover(args)


if __name__ == "__main__":
    sys.exit(main())
