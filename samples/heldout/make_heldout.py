#!/usr/bin/env python3
"""make_heldout.py - a held-out test set of filled and degraded ekb-2024 scans.

The project's own sample generator (samples/generator/, C with cairo and
OpenCV) draws the marks and the scanner faults that the recogniser was tuned
on. This script makes scans the other way round, with different tools, so that
accuracy can also be measured on images nobody tuned for:

  * the print file comes from `omr render ... --format pdf`, and every page is
    rasterised by poppler's `pdftoppm` at 150, 240 or 400 dpi, grey or colour;
  * marks are drawn with Pillow's ImageDraw, in styles a cairo generator does
    not make: 1 mm felt-tip crosses, an X made of two separate arcs, check
    marks from bezier-like polylines, single strokes through the box (/ | -),
    heavy scribbles over 40-70 % of the box, red and green ink (colour scans
    only), very light pencil crosses (grey 190-210), and truly ambiguous
    cases (two boxes in a single-choice question, a mark half-way between two
    boxes, a circle around the label only, an X struck through by a line);
    a handwritten comment in a handwriting TTF on about 20 % of forms;
  * pages are degraded like phones, sheet feeders and folded letters: a
    perspective warp (corners moved by up to 1.5 % of the page), uneven light
    (gradient or vignette, up to 25 % darker), paper texture, a fold line with
    a brightness step, a punched hole or a staple clear of the fiducials and
    the QR code, optics blur and sensor noise, turns of 90/180/270 degrees;
  * they are saved as RGB JPEG (quality 40-70), grey PNG, multi-page TIFF
    (LZW or JPEG) and multi-page PDF written by Pillow.

Usage:
  python3 samples/heldout/make_heldout.py --omr build/omr --count 60 --seed 1 --out DIR

Writes DIR/codes.txt, DIR/forms.pdf (the print file), DIR/scans/ (the scans:
give this folder to `omr scan`), DIR/truth.csv, DIR/comments_truth.csv and
DIR/pages.csv (which file and page holds which form page, and how it was
degraded). The CSV formats are described in samples/heldout/README.md. The
same --seed gives the same files. One page is processed at a time (a
multi-page TIFF or PDF holds its few pages until it is written).

Needs Debian's python3, python3-pil, python3-numpy and poppler-utils.
"""

import os
import sys

try:
    import numpy as np
    from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
except ImportError:  # e.g. a pyenv python3 first on PATH: use Debian's, which has them
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath(
        "/usr/bin/python3"
    ):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("make_heldout.py needs Pillow and numpy (Debian: apt-get install python3-pil python3-numpy)")

import argparse
import csv
import json
import math
import random
import shutil
import string
import subprocess
import tempfile
import time

TEMPLATE = "ekb-2024"
OUTLINE_MM = 0.35  # render.c draws box outlines inside the box rectangle
FIDUCIAL_CLEAR_MM = 2.5  # artefacts keep this far from fiducials and the QR code

HAND_FONTS = [  # Debian fonts-dkg-handwriting, fonts-breip, fonts-femkeklaver; font size in mm
    ("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf", 6.5, 8.0),
    ("/usr/share/fonts/truetype/fifthhorseman/dkgIt.ttf", 6.5, 8.0),
    ("/usr/share/fonts/truetype/breip/Breip.ttf", 7.0, 8.5),
    ("/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf", 6.0, 7.5),  # has no å: see draw_comment
]

# Comments of the kind people write on this questionnaire (not the generator's list).
SENTENCES = [
    "Jag har fått vänta länge på att få prata med någon.",
    "Handläggaren var snäll men jag förstod inte beslutet.",
    "Bra bemötande på kontoret i Skärholmen.",
    "Det är svårt att veta vem man ska ringa.",
    "Jag vill ha svar på mina mejl snabbare.",
    "Min handläggare har hjälpt mig mycket i år.",
    "Breven är för krångliga att läsa.",
    "Jag fick inget beslut på sex veckor.",
    "Tack för hjälpen med hyran i våras.",
    "Ni borde ha tolk när man behöver det.",
    "Det känns som att ingen lyssnar på mig.",
    "Bättre nu än förra året.",
    "Jag byter handläggare hela tiden.",
    "Svårt att lämna in kvitton på nätet.",
    "Personalen är trevlig och hjälpsam.",
    "Jag vet inte hur man överklagar.",
    "Mer tid för varje besök skulle hjälpa.",
    "Telefontiden är alldeles för kort.",
]

# ---------------------------------------------------------------- small helpers


def solve_perspective(dst, src):
    """Coefficients for Image.transform(PERSPECTIVE): output point (x, y) in
    `dst` maps to input point in `src` (four corresponding corners each)."""
    a, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return [float(c) for c in np.linalg.solve(np.array(a, float), np.array(b, float))]


def bez(p0, c, p1, n=16):
    """Points of the quadratic bezier p0 -> p1 with control point c."""
    out = []
    for i in range(n + 1):
        t = i / n
        out.append(
            (
                (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * c[0] + t * t * p1[0],
                (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * c[1] + t * t * p1[1],
            )
        )
    return out


def densify(pts, step=0.25):
    out = [pts[0]]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        d = math.hypot(x1 - x0, y1 - y0)
        k = max(1, int(d / step))
        for i in range(1, k + 1):
            out.append((x0 + (x1 - x0) * i / k, y0 + (y1 - y0) * i / k))
    return out


def wobble(pts, rng, amp):
    """A hand's smooth sideways wobble: two sines of random phase along the path."""
    pts = densify(pts)
    if amp <= 0 or len(pts) < 3:
        return pts
    p1, p2 = rng.uniform(0, 6.28), rng.uniform(0, 6.28)
    f1, f2 = rng.uniform(0.4, 0.9), rng.uniform(1.2, 2.2)
    out, s = [], 0.0
    for i, (x, y) in enumerate(pts):
        j0, j1 = max(0, i - 1), min(len(pts) - 1, i + 1)
        dx, dy = pts[j1][0] - pts[j0][0], pts[j1][1] - pts[j0][1]
        d = math.hypot(dx, dy) or 1.0
        if i:
            s += math.hypot(x - pts[i - 1][0], y - pts[i - 1][1])
        o = amp * (0.7 * math.sin(f1 * s + p1) + 0.3 * math.sin(f2 * s + p2))
        out.append((x - dy / d * o, y + dx / d * o))
    return out


def rot(pts, cx, cy, deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in pts]


# ---------------------------------------------------------------- the layout


class Layout:
    """The template's geometry (from `omr template geometry`), in mm."""

    def __init__(self, geom):
        self.template = geom["template"]
        self.questions = geom["questions"]
        self.qtype = {q["id"]: q["type"] for q in self.questions}
        self.pages = {}
        self.boxes = {}  # question -> list of (value, page, rect)
        for p in geom["pages"]:
            self.pages[p["page"]] = p
            for b in p["boxes"]:
                self.boxes.setdefault(b["question"], []).append(
                    (b["value"], p["page"], (b["x"], b["y"], b["w"], b["h"]))
                )
        self.page_numbers = sorted(self.pages)
        self.page_w = {n: p["width"] for n, p in self.pages.items()}
        self.page_h = {n: p["height"] for n, p in self.pages.items()}

    def interiors(self, page):
        out = []
        for b in self.pages[page]["boxes"]:
            out.append(
                (b["x"] + OUTLINE_MM, b["y"] + OUTLINE_MM, b["x"] + b["w"] - OUTLINE_MM, b["y"] + b["h"] - OUTLINE_MM)
            )
        return out

    def keep_out(self, page):
        """Rectangles (mm) that no scanner artefact may cover: fiducials
        (at 10 mm from every corner, 5 mm squares) and the QR code."""
        p = self.pages[page]
        W, H = p["width"], p["height"]
        c = FIDUCIAL_CLEAR_MM
        out = []
        for fx, fy in ((10, 10), (W - 10, 10), (10, H - 10), (W - 10, H - 10)):
            out.append((fx - 2.5 - c, fy - 2.5 - c, fx + 2.5 + c, fy + 2.5 + c))
        q = p["code"]
        out.append((q["x"] - c, q["y"] - c, q["x"] + q["w"] + c, q["y"] + q["h"] + 4.0 + c))  # + code text
        return out


def touches_interior(pts, half_w, interiors):
    for x, y in pts:
        for x0, y0, x1, y1 in interiors:
            if x0 - half_w < x < x1 + half_w and y0 - half_w < y < y1 + half_w:
                return True
    return False


def rects_overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ---------------------------------------------------------------- planning


STYLES = {  # style -> weight as a respondent's habit
    "cross": 15,
    "felt": 12,
    "arcs": 12,
    "check": 18,
    "slash": 7,
    "vbar": 5,
    "dash": 5,
    "scribble": 10,
}
INKS_COLOUR = {"black": 34, "blue": 34, "red": 10, "green": 7, "pencil": 9}
INKS_GREY = {"black": 43, "blue": 43, "pencil": 10}
P_BLANK = 0.08
P_DOUBLE, P_BETWEEN, P_STRUCK, P_CIRCLE = 0.021, 0.021, 0.02, 0.045


def wpick(rng, weights):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def make_codes(rng, n):
    alphabet = string.ascii_uppercase + string.digits
    codes, seen = [], set()
    while len(codes) < n:
        c = "".join(rng.choice(alphabet) for _ in range(8))
        if c not in seen:
            seen.add(c)
            codes.append(c)
    return codes


def plan_output(rng, n_forms):
    """How each form is scanned and saved: groups of forms per file."""
    plans, i = [], 0
    while i < n_forms:
        fmt = wpick(rng, {"jpeg": 35, "png": 30, "tiff": 25, "pdf": 10})
        forms = 1
        if fmt == "pdf":
            forms = min(n_forms - i, rng.choice([1, 2, 2]))
        if fmt == "jpeg":
            colour, dpi = True, rng.choice([150, 240, 240, 400])
        elif fmt == "png":
            colour, dpi = False, rng.choice([150, 240, 400])
        elif fmt == "tiff":
            colour = rng.random() < 0.5
            dpi = rng.choice([150, 240, 400])
        else:
            colour, dpi = rng.random() < 0.5, rng.choice([150, 240])
        plans.append(
            {
                "format": fmt,
                "forms": list(range(i, i + forms)),
                "colour": colour,
                "dpi": dpi,
                "tiff_compression": ("jpeg" if colour else rng.choice(["tiff_lzw", "jpeg"])) if fmt == "tiff" else "",
                "quality": rng.randint(40, 70),
                "reverse": rng.random() < 0.2,  # page 2 before page 1 in the file
                "phone": fmt == "jpeg" and rng.random() < 0.4,  # a phone photo: stronger warp, no dpi tag
            }
        )
        i += forms
    return plans


def neighbours(layout, q, k):
    """Indices of the boxes of question q next to box k in its row or column."""
    boxes = layout.boxes[q]
    out = []
    for j in (k - 1, k + 1):
        if 0 <= j < len(boxes):
            a, b = boxes[k][2], boxes[j][2]
            if abs(a[1] - b[1]) < 0.1 or abs(a[0] - b[0]) < 0.1:
                out.append(j)
    return out


def plan_form(rng, layout, code, colour):
    """What the respondent answers and how: one row per question (the truth)."""
    ink = wpick(rng, INKS_COLOUR if colour else INKS_GREY)
    habit = wpick(rng, STYLES)
    form = {"code": code, "ink": ink, "habit": habit, "answers": {}, "comment": None}
    form["pen_w"] = rng.uniform(0.35, 0.6)
    form["pencil_grey"] = rng.randint(190, 210)
    chosen_value = {}
    for q in layout.questions:
        qid, qtype = q["id"], q["type"]
        boxes = layout.boxes[qid]
        values = [b[0] for b in boxes]
        style = habit if rng.random() < 0.7 else wpick(rng, STYLES)
        a = {"boxes": [], "style": style, "truth": [], "ambiguous": 0, "behaviour": ""}
        form["answers"][qid] = a
        page = boxes[0][1]
        routed_past = qid == "q4a1" and chosen_value.get("q4a") != "1"
        routed_past |= qid == "q5r" and chosen_value.get("q5") != "1"
        if qtype == "multi":
            if routed_past:
                m = 0 if rng.random() < 0.9 else rng.choice([1, 2])
            else:
                m = rng.choices([0, 1, 2, 3], weights=[10, 50, 28, 12])[0]
            if m == 0:
                a["behaviour"] = "skipped" if routed_past else "blank"
                continue
            idx = sorted(rng.sample(range(len(values)), m))
            a["boxes"] = idx
            a["truth"] = [values[i] for i in idx]
            r = rng.random()
            if r < P_CIRCLE:
                a["kind"] = "circle"
                a["special"] = rng.choice(idx)
                a["ambiguous"] = 1
            elif r < P_CIRCLE + P_STRUCK:
                a["kind"] = "struck"
                a["special"] = rng.choice(idx)
                a["ambiguous"] = 1
            else:
                a["kind"] = "mark"
            a["behaviour"] = behaviour_word(a, ink)
            continue
        # single choice and scale
        if routed_past and rng.random() < 0.88:
            a["behaviour"] = "skipped"
            continue
        r = rng.random()
        can_circle = page != 1  # page 1's labels are shared column heads
        kinds = [("blank", P_BLANK), ("double", P_DOUBLE), ("between", P_BETWEEN), ("struck", P_STRUCK)]
        if can_circle:
            kinds.append(("circle", P_CIRCLE))
        kind, acc = "mark", 0.0
        for k, p in kinds:
            acc += p
            if r < acc:
                kind = k
                break
        if kind == "blank":
            a["behaviour"] = "blank"
            continue
        if qtype == "scale":  # returns lean to the favourable end
            num = [float(v) for v in values]
            lo, hi = min(num), max(num)
            w = [0.5 + 1.5 * (v - lo) / (hi - lo) for v in num]
            k = rng.choices(range(len(values)), weights=w)[0]
        else:
            k = rng.randrange(len(values))
        a["kind"] = kind
        a["boxes"] = [k]
        a["truth"] = [values[k]]
        if kind in ("double", "between"):
            nb = neighbours(layout, qid, k)
            if kind == "double":
                j = rng.choice([i for i in range(len(values)) if i != k])
            else:
                j = rng.choice(nb) if nb else None
                if j is None:
                    kind = a["kind"] = "struck"
            if kind in ("double", "between"):
                a["second"] = j
                a["truth"] = [values[i] for i in sorted((k, j))]
        if kind != "mark":
            a["ambiguous"] = 1
        if kind == "between":
            a["boxes"] = []
        a["behaviour"] = behaviour_word(a, ink)
        chosen_value[qid] = values[k] if kind in ("mark", "struck", "circle") else None
    if rng.random() < 0.2:
        n = rng.choice([1, 1, 2, 2, 3])
        form["comment"] = {
            "sentences": rng.sample(SENTENCES, n),
            "font": rng.randrange(len(HAND_FONTS)),
        }
    return form


def behaviour_word(a, ink):
    kind = a.get("kind", "mark")
    if kind == "circle":
        return "circle_label"
    if kind in ("double", "between", "struck"):
        return kind
    if ink == "pencil":
        return "pencil"
    if ink in ("red", "green"):
        return a["style"] + "_" + ink
    return a["style"]


# ---------------------------------------------------------------- drawing marks


class Pen:
    def __init__(self, draw, s, colour, grey):
        self.draw, self.s, self.colour, self.grey = draw, s, colour, grey

    def fill(self):
        if self.grey:
            r, g, b = self.colour
            return int(round(0.299 * r + 0.587 * g + 0.114 * b))
        return self.colour

    def stroke(self, pts, width_mm, rng, amp=0.08):
        pts = wobble(pts, rng, amp)
        s = self.s
        px = [(x * s, y * s) for x, y in pts]
        w = max(1, int(round(width_mm * s)))
        f = self.fill()
        self.draw.line(px, fill=f, width=w, joint="curve")
        r = w / 2.0
        for x, y in (px[0], px[-1]):
            self.draw.ellipse([x - r, y - r, x + r, y + r], fill=f)
        return pts

    def coverage(self, rect):
        """Share of the mm rectangle that holds ink on the layer so far."""
        s = self.s
        box = (int(rect[0] * s), int(rect[1] * s), int(math.ceil(rect[2] * s)), int(math.ceil(rect[3] * s)))
        a = np.asarray(self.draw._image.crop(box).convert("L"))
        return float((a < 250).mean()) if a.size else 1.0


def ink_colour(form, rng):
    ink = form["ink"]
    if ink == "black":
        g = rng.randint(15, 45)
        return (g, g, g + 5)
    if ink == "blue":
        return (rng.randint(20, 45), rng.randint(40, 70), rng.randint(140, 190))
    if ink == "red":
        return (rng.randint(190, 220), rng.randint(20, 45), rng.randint(25, 50))
    if ink == "green":
        return (rng.randint(20, 50), rng.randint(130, 155), rng.randint(50, 80))
    g = form["pencil_grey"]  # very light pencil
    return (g, g, g)


def draw_mark(pen, rng, style, rect, width):
    """One answer mark in box `rect` (mm); returns the list of drawn paths."""
    x, y, w, h = rect
    cx, cy = x + w / 2 + rng.uniform(-0.4, 0.4), y + h / 2 + rng.uniform(-0.4, 0.4)
    ang = rng.uniform(-8, 8)
    paths = []
    if style in ("cross", "felt", "pencil"):
        d = w * rng.uniform(0.32, 0.5) if style != "felt" else w * rng.uniform(0.36, 0.52)
        wd = rng.uniform(0.9, 1.1) if style == "felt" else width
        a = [(-d, -d * rng.uniform(0.85, 1.1)), (d, d)]
        b = [(d * rng.uniform(0.85, 1.1), -d), (-d, d * rng.uniform(0.9, 1.1))]
        paths.append(pen.stroke(rot(bez(a[0], (0, 0), a[1]), cx, cy, ang), wd, rng))
        paths.append(pen.stroke(rot(bez(b[0], (0, 0), b[1]), cx, cy, ang), wd, rng))
    elif style == "arcs":  # an X of two separate arcs, bowed in opposite directions
        d = w * rng.uniform(0.35, 0.5)
        bow = rng.uniform(0.6, 1.3)
        paths.append(pen.stroke(rot(bez((-d, -d), (bow, -bow), (d, d)), cx, cy, ang), width, rng))
        paths.append(
            pen.stroke(rot(bez((d, -d), (bow * 0.8, bow * 0.8), (-d, d)), cx + rng.uniform(-0.3, 0.3), cy, ang), width, rng)
        )
    elif style == "check":
        sc = w * rng.uniform(0.85, 1.15)
        p0 = (-0.42 * sc, -0.02 * sc)
        p1 = (-0.08 * sc, 0.36 * sc)
        p2 = (0.5 * sc, -0.62 * sc)
        down = bez(p0, (-0.28 * sc, 0.2 * sc), p1, 10)
        up = bez(p1, (0.1 * sc, -0.05 * sc), p2, 16)
        paths.append(pen.stroke(rot(down + up[1:], cx, cy, ang), width, rng))
    elif style == "slash":
        d = w * rng.uniform(0.45, 0.7)
        paths.append(pen.stroke(rot(bez((-d, d), (0.3, 0.3), (d, -d)), cx, cy, ang), width * 1.1, rng))
    elif style == "vbar":
        d = h * rng.uniform(0.5, 0.75)
        paths.append(pen.stroke(rot([(0, -d), (0.2, d)], cx, cy, ang / 2), width * 1.1, rng))
    elif style == "dash":
        d = w * rng.uniform(0.6, 0.9)
        paths.append(pen.stroke(rot([(-d, 0), (d, 0.2)], cx, cy, ang / 2), width * 1.1, rng))
    elif style == "scribble":  # heavy back-and-forth until 40-70 % of the interior is ink
        inner = w - 2 * OUTLINE_MM
        ix0, iy0 = x + OUTLINE_MM, y + OUTLINE_MM
        target = rng.uniform(0.4, 0.7)
        lw = rng.uniform(0.45, 0.7)
        # the patch the hand moves over: most of the box, off-centre
        pw = inner * rng.uniform(0.65, 1.0)
        ph = inner * rng.uniform(0.65, 1.0)
        ox = ix0 + rng.uniform(-0.3, inner - pw + 0.3)
        oy = iy0 + rng.uniform(-0.3, inner - ph + 0.3)
        for _ in range(12):
            if pen.coverage((ix0, iy0, ix0 + inner, iy0 + inner)) >= target:
                break
            vertical = rng.random() < 0.5
            n = rng.randint(3, 5)
            pts = []
            for j in range(n + 1):
                t = j / n
                lo_hi = (0.0, 1.0) if j % 2 == 0 else (1.0, 0.0)
                e = lo_hi[0] + rng.uniform(-0.08, 0.08)
                if vertical:
                    pts.append((ox + pw * t + rng.uniform(-0.2, 0.2), oy + ph * e))
                else:
                    pts.append((ox + pw * e, oy + ph * t + rng.uniform(-0.2, 0.2)))
            paths.append(pen.stroke(pts, lw, rng, amp=0.05))
    return paths


def draw_circle(pen, rng, cx, cy, a, b, width):
    start = rng.uniform(0, 6.28)
    n = 48
    span = 2 * math.pi * rng.uniform(1.05, 1.15)
    pts = []
    for i in range(n + 1):
        t = start + span * i / n
        grow = 1 + 0.06 * i / n
        pts.append((cx + a * grow * math.cos(t), cy + b * math.sin(t)))
    return pen.stroke(pts, width, rng, amp=0.1)


def label_box(clean, s, rect, above):
    """The printed label of a box, found in the clean page (mm rectangle), or
    None: the ink to its right in its row (labels right), or the number just
    above it (q6)."""
    x, y, w, h = rect
    arr = clean
    H, W = arr.shape
    if above:
        x0, x1, y0, y1 = x - 3, x + w + 3, y - 7, y - 0.8
    else:
        x0, x1, y0, y1 = x + w + 0.8, x + w + 90, y - 0.3, y + h + 0.3
    X0, X1 = max(0, int(x0 * s)), min(W, int(x1 * s))
    Y0, Y1 = max(0, int(y0 * s)), min(H, int(y1 * s))
    sub = arr[Y0:Y1, X0:X1] < 128
    cols = np.nonzero(sub.any(axis=0))[0]
    if cols.size == 0:
        return None
    if above:
        c0, c1 = cols[0], cols[-1]
    else:  # the first word group: stop at a gap of more than 3.5 mm (the next box or label)
        c0 = c1 = cols[0]
        for c in cols[1:]:
            if c - c1 > 3.5 * s:
                break
            c1 = c
    rows = np.nonzero(sub[:, c0 : c1 + 1].any(axis=1))[0]
    return (
        (X0 + c0) / s,
        (Y0 + rows[0]) / s,
        (X0 + c1 + 1) / s,
        (Y0 + rows[-1] + 1) / s,
    )


def fill_page(page_img, clean, layout, form, page, s, grey, rng):
    """Draws the marks and the comment of `form` that belong on `page`. Ink is
    drawn on a white layer that is multiplied onto the page, like ink on paper."""
    layer = Image.new(page_img.mode, page_img.size, 255 if grey else (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    colour = ink_colour(form, rng)
    pen = Pen(draw, s, colour, grey)
    width = form["pen_w"]
    interiors = layout.interiors(page)
    for q in layout.questions:
        qid = q["id"]
        boxes = layout.boxes[qid]
        if boxes[0][1] != page:
            continue
        a = form["answers"][qid]
        kind = a.get("kind")
        if not kind:
            continue
        style = "pencil" if form["ink"] == "pencil" else a["style"]
        if form["ink"] == "pencil":
            width = rng.uniform(0.4, 0.6)
        special = a.get("special", a["boxes"][0] if a["boxes"] else None)
        for k in a["boxes"]:
            if kind in ("circle", "struck") and k == special:
                continue
            draw_mark(pen, rng, style, boxes[k][2], width)
        if kind == "double":
            draw_mark(pen, rng, style, boxes[a["second"]][2], width)
        elif kind == "struck":  # an X with a line through it: taken back, or not?
            x, y, w, h = boxes[special][2]
            draw_mark(pen, rng, style if style in ("cross", "felt", "arcs", "pencil") else "cross", boxes[special][2], width)
            ext = rng.uniform(1.0, 3.0)
            yy = y + h / 2 + rng.uniform(-0.6, 0.6)
            pen.stroke([(x - ext, yy), (x + w + ext, yy + rng.uniform(-0.5, 0.5))], width * 1.1, rng)
        elif kind == "between":
            draw_between(pen, rng, a, boxes, interiors, width)
        elif kind == "circle":
            lab = label_box(clean, s, boxes[special][2], above=(q["type"] == "scale"))
            if lab is None:
                lab = (boxes[special][2][0] + 6.8, boxes[special][2][1], boxes[special][2][0] + 10, boxes[special][2][3])
            cx, cy = (lab[0] + lab[2]) / 2, (lab[1] + lab[3]) / 2
            for pad in (1.6, 1.2, 0.9, 0.6, 0.4):
                aa = (lab[2] - lab[0]) / 2 + pad + 0.4
                bb = (lab[3] - lab[1]) / 2 + pad
                state = rng.getstate()
                pts = [
                    (cx + aa * math.cos(t / 30 * math.pi), cy + bb * math.sin(t / 30 * math.pi)) for t in range(60)
                ]
                if not touches_interior(pts, width / 2 + 0.3, interiors):
                    rng.setstate(state)
                    draw_circle(pen, rng, cx, cy, aa, bb, width)
                    break
    if form["comment"] and page == max(layout.page_numbers):
        form["comment"]["text"] = draw_comment(layer, layout, form, page, s, grey, rng)
    del draw
    out = ImageChops.multiply(page_img, layer)
    layer.close()
    return out


def draw_between(pen, rng, a, boxes, interiors, width):
    """A cross half-way between box k and its neighbour, touching neither interior."""
    k = [i for i, b in enumerate(boxes) if b[0] == a["truth"][0] or b[0] == a["truth"][1]]
    r1, r2 = boxes[k[0]][2], boxes[k[1]][2]
    cx = (r1[0] + r1[2] / 2 + r2[0] + r2[2] / 2) / 2
    cy = (r1[1] + r1[3] / 2 + r2[1] + r2[3] / 2) / 2
    horizontal = abs(r1[1] - r2[1]) < 0.1
    gap = (abs(r2[0] - r1[0]) - r1[2]) if horizontal else (abs(r2[1] - r1[1]) - r1[3])
    wide = rng.random() < 0.5  # reaching to within 0.6-1.8 mm of both boxes, or a compact cross
    for tries in range(8):
        if gap < 5:  # rows 3 mm apart (q4c, q5r): the cross fills the gap between the outlines
            margin = rng.uniform(0.0, 0.2) + width / 2 + 0.1 * tries
        else:
            margin = rng.uniform(0.6, 1.8) + width / 2 + 0.3 * tries
        if gap - 2 * margin < 0.8:
            continue
        span = min(10.0 if wide else rng.uniform(3.5, 5.5), gap - 2 * margin)  # across the gap
        other = rng.uniform(3.5, 5.0)  # along the boxes' row or column
        if horizontal:
            dx, dy = span / 2, other / 2
        else:
            dx, dy = other / 2, span / 2
        p1 = [(cx - dx, cy - dy), (cx + dx, cy + dy)]
        p2 = [(cx + dx, cy - dy), (cx - dx, cy + dy)]
        if not touches_interior(densify(p1) + densify(p2), width / 2 + 0.2, interiors):
            pen.stroke(p1, width, rng, amp=0.03)
            pen.stroke(p2, width, rng, amp=0.03)
            return
    # no room: a small dot-like tick in the middle of the gap
    pen.stroke([(cx - 0.4, cy), (cx + 0.4, cy)], width, rng, amp=0)


def draw_comment(layer, layout, form, page, s, grey, rng):
    """Handwriting in the comment field: words of a handwriting TTF with a
    wandering baseline and a slight slant per word. Returns the text written."""
    field = None
    for t in layout.pages[page]["text"]:
        if t["field"] == "comment":
            field = t
    if field is None:
        return ""
    words = " ".join(form["comment"]["sentences"]).split()
    fi = form["comment"]["font"]
    while True:  # a font without a glyph the text needs (femkeklaver has no å) gives way to the next
        path, lo, hi = HAND_FONTS[fi]
        size_mm = rng.uniform(lo, hi)
        font = ImageFont.truetype(path, max(8, int(round(size_mm * s))))
        if all(font.getmask(ch).getbbox() for ch in set("".join(words))) or fi == 0:
            break
        fi = (fi + 1) % len(HAND_FONTS)
    colour = ink_colour(form, rng) if form["ink"] != "pencil" else (120, 120, 125)
    if grey:
        colour = int(round(0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]))
    x0, y0 = field["x"] + rng.uniform(3, 6), field["y"] + rng.uniform(4, 7)
    x1 = field["x"] + field["w"] - 4
    line_h = size_mm * rng.uniform(1.1, 1.35)
    slope = rng.uniform(-0.02, 0.02)
    written = []
    x, y = x0, y0
    for word in words:
        wmm = font.getlength(word) / s
        if x > x0 and x + wmm > x1:
            x, y = x0 + rng.uniform(-1, 1.5), y + line_h
            if y + line_h > field["y"] + field["h"] - 2:
                break
        bbox = font.getbbox(word)
        pad = 4
        mask = Image.new("L", (bbox[2] + 2 * pad, bbox[3] + 2 * pad), 0)
        ImageDraw.Draw(mask).text((pad, pad), word, font=font, fill=255)
        mask = mask.rotate(rng.uniform(-3, 3), resample=Image.BICUBIC, expand=True)
        yy = y + (x - x0) * slope + rng.uniform(-0.4, 0.4)
        layer.paste(colour, (int(x * s), int(yy * s)), mask)
        written.append(word)
        x += wmm + font.getlength(" ") / s * rng.uniform(0.9, 1.5)
    return " ".join(written)


# ---------------------------------------------------------------- degrading


def add_fold_hole_staple(img, layout, page, s, rng, log):
    """Physical faults of the sheet: a fold (a thin grey crease and a slight
    brightness step), and a punched hole or a staple near a corner."""
    W, H = layout.page_w[page], layout.page_h[page]
    if rng.random() < 0.45:  # folded in thirds or in half for the envelope
        arr = np.asarray(img).astype(np.float32)
        fy = rng.choice([H / 3, 2 * H / 3, H / 2]) + rng.uniform(-4, 4)
        tilt = rng.uniform(-0.01, 0.01)
        crease = rng.uniform(0.08, 0.2)  # how much darker the crease's middle is
        width_px = max(1.0, rng.uniform(0.12, 0.3) * s)
        step = rng.uniform(0.02, 0.06)
        ys = np.arange(arr.shape[0], dtype=np.float32)[:, None]
        xs = np.arange(arr.shape[1], dtype=np.float32)[None, :]
        d = ys - (fy * s + tilt * (xs - arr.shape[1] / 2))
        f = 1.0 - crease * np.exp(-((d / width_px) ** 2)) - step * (d > 0)
        del d
        arr *= f if arr.ndim == 2 else f[:, :, None]
        del f
        log.append("fold@%.0fmm" % fy)
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), img.mode)
        del arr
    else:
        img = img.copy()
    r = rng.random()
    keep = layout.keep_out(page)
    grey = img.mode == "L"

    def c(v):
        return v if grey else (v, v, v)

    draw = ImageDraw.Draw(img)
    if r < 0.25:  # a punched hole near a corner, along an edge
        for _ in range(20):
            rad = 2.75
            corner = rng.randrange(4)
            along = rng.uniform(18, 40)
            inset = rng.uniform(5, 9)
            left, top = corner in (0, 2), corner in (0, 1)
            if rng.random() < 0.5:  # along the side edge
                hx = inset if left else W - inset
                hy = along if top else H - along
            else:  # along the top or bottom edge
                hx = along if left else W - along
                hy = inset if top else H - inset
            rect = (hx - rad - 0.6, hy - rad - 0.6, hx + rad + 0.6, hy + rad + 0.6)
            if any(rects_overlap(rect, k) for k in keep):
                continue
            behind = rng.choice([rng.randint(215, 245), rng.randint(40, 90)])  # lid, or a dark backing
            sh = rng.uniform(0.3, 0.6)
            draw.ellipse([(hx - rad + sh) * s, (hy - rad + sh) * s, (hx + rad + sh) * s, (hy + rad + sh) * s], fill=c(110))
            draw.ellipse([(hx - rad) * s, (hy - rad) * s, (hx + rad) * s, (hy + rad) * s], fill=c(behind))
            log.append("hole@%.0f,%.0f" % (hx, hy))
            break
    elif r < 0.45:  # a staple near a corner
        for _ in range(20):
            corner = rng.randrange(4)
            left, top = corner in (0, 2), corner in (0, 1)
            L = rng.uniform(10, 13)
            ang = rng.uniform(-20, 20) + (0 if rng.random() < 0.5 else 90)
            cx = rng.uniform(3, 7) if rng.random() < 0.5 else rng.uniform(16, 32)
            cy = rng.uniform(16, 32) if cx < 8 else rng.uniform(3, 7)
            if not left:
                cx = W - cx
            if not top:
                cy = H - cy
            dx, dy = math.cos(math.radians(ang)) * L / 2, math.sin(math.radians(ang)) * L / 2
            rect = (min(cx - dx, cx + dx) - 1, min(cy - dy, cy + dy) - 1, max(cx - dx, cx + dx) + 1, max(cy - dy, cy + dy) + 1)
            if rect[0] < 1 or rect[1] < 1 or rect[2] > W - 1 or rect[3] > H - 1:
                continue
            if any(rects_overlap(rect, k) for k in keep):
                continue
            so = 0.35
            draw.line([((cx - dx + so) * s, (cy - dy + so) * s), ((cx + dx + so) * s, (cy + dy + so) * s)],
                      fill=c(rng.randint(70, 110)), width=max(1, int(0.9 * s)))
            draw.line([((cx - dx) * s, (cy - dy) * s), ((cx + dx) * s, (cy + dy) * s)],
                      fill=c(rng.randint(140, 185)), width=max(1, int(0.6 * s)))
            log.append("staple@%.0f,%.0f" % (cx, cy))
            break
    del draw
    return img


def degrade(img, layout, page, s, rng, nrng, plan, log):
    """Capture faults: perspective, optics blur, uneven light, paper texture,
    sensor noise."""
    w, h = img.size
    grey = img.mode == "L"
    # perspective: each corner moved by up to 1.5 % of the page (phone: more often near the limit)
    lim = 0.015
    amt = rng.uniform(0.3, 1.0) if plan["phone"] else rng.uniform(0.0, 0.6)
    if rng.random() < 0.75 or plan["phone"]:
        src = [(0, 0), (w, 0), (w, h), (0, h)]
        dst = [(x + rng.uniform(-1, 1) * lim * amt * w, y + rng.uniform(-1, 1) * lim * amt * h) for x, y in src]
        coeffs = solve_perspective(dst, src)
        bg = rng.randint(35, 80) if plan["phone"] else rng.randint(200, 240)
        img = img.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=bg if grey else (bg, bg, bg))
        log.append("perspective%.1f%%" % (lim * amt * 100))
    # optics blur
    img = img.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.04, 0.09) * s))
    # uneven light (gradient or vignette, down to 0.75) times paper texture; sensor noise
    darkest = rng.uniform(0.0, 0.25)
    ys = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    if rng.random() < 0.5:
        ang = rng.uniform(0, 2 * math.pi)
        g = (xs * math.cos(ang) + ys * math.sin(ang)) / 1.42  # -1..1
        light = 1.0 - darkest * (g + 1) / 2
        log.append("gradient%.0f%%" % (darkest * 100))
    else:
        ox, oy = rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)
        rr = ((xs - ox) ** 2 + (ys - oy) ** 2) / 2.6
        light = 1.0 - darkest * np.clip(rr, 0, 1) ** 1.5
        log.append("vignette%.0f%%" % (darkest * 100))
    # paper: fibres (about 0.4 mm) and cloudiness (about 6 mm), each under 1 %
    for cell_mm, amp in ((0.4, rng.uniform(0.004, 0.009)), (6.0, rng.uniform(0.003, 0.008))):
        cell = max(1, int(cell_mm * s))
        tex = nrng.normal(0, 1, (h // cell + 2, w // cell + 2)).astype(np.float32)
        tex_img = Image.fromarray(tex, "F").resize((w // cell * cell + 2 * cell, h // cell * cell + 2 * cell),
                                                   Image.BICUBIC).crop((0, 0, w, h))
        light = light * (1.0 + amp * np.asarray(tex_img, dtype=np.float32))
        del tex_img, tex
    tint = (1.0, rng.uniform(0.985, 1.0), rng.uniform(0.95, 0.99))  # paper and lamp a little warm
    sigma = rng.uniform(1.5, 4.0)
    arr = np.asarray(img)
    out = np.empty_like(arr)
    for y0 in range(0, h, 512):
        part = arr[y0 : y0 + 512].astype(np.float32)
        lp = light[y0 : y0 + 512]
        if grey:
            part *= lp
        else:
            part *= lp[:, :, None] * np.array(tint, np.float32)
        part += nrng.normal(0, sigma, part.shape).astype(np.float32)
        out[y0 : y0 + 512] = np.clip(part, 0, 255).astype(np.uint8)
    del arr, light
    return Image.fromarray(out, img.mode)


# ---------------------------------------------------------------- main


def rasterise(pdf, page_no, dpi, colour, tmp):
    base = os.path.join(tmp, "r")
    cmd = ["pdftoppm", "-r", str(dpi), "-f", str(page_no), "-l", str(page_no), "-singlefile"]
    if not colour:
        cmd.append("-gray")
    subprocess.run(cmd + [pdf, base], check=True)
    path = base + (".ppm" if colour else ".pgm")
    with Image.open(path) as im:
        im.load()
        img = im.copy()
    os.unlink(path)
    return img


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--omr", default="build/omr", help="the omr program (default build/omr)")
    ap.add_argument("--count", type=int, default=60, help="number of forms (default 60)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--out", required=True, help="output folder (made; scans go to OUT/scans)")
    args = ap.parse_args()
    if args.count < 1:
        ap.error("--count must be at least 1")
    for tool in ("pdftoppm",):
        if not shutil.which(tool):
            sys.exit("make_heldout.py: %s not found (Debian: apt-get install poppler-utils)" % tool)
    for path, _, _ in HAND_FONTS:
        if not os.path.exists(path):
            sys.exit("make_heldout.py: font %s missing (Debian: fonts-dkg-handwriting fonts-breip fonts-femkeklaver)" % path)

    out = args.out
    scans = os.path.join(out, "scans")
    os.makedirs(scans, exist_ok=True)
    for name in os.listdir(scans):  # a fresh set each time
        os.unlink(os.path.join(scans, name))

    geom = json.loads(subprocess.run([args.omr, "template", "geometry", TEMPLATE], check=True,
                                     capture_output=True, text=True).stdout)
    layout = Layout(geom)
    rng = random.Random(args.seed)
    codes = make_codes(rng, args.count)
    with open(os.path.join(out, "codes.txt"), "w", encoding="utf-8") as f:
        f.write("# held-out ekb-2024 login codes, seed %d\n" % args.seed)
        f.write("".join(c + "\n" for c in codes))
    pdf = os.path.join(out, "forms.pdf")
    subprocess.run([args.omr, "render", TEMPLATE, "--codes", os.path.join(out, "codes.txt"), "--format", "pdf",
                    "--out", pdf], check=True, stdout=subprocess.DEVNULL)
    n_pages = len(layout.page_numbers)

    plans = plan_output(rng, args.count)
    forms = [None] * args.count
    plan_of = {}
    for p in plans:
        for i in p["forms"]:
            plan_of[i] = p
    for i, code in enumerate(codes):
        forms[i] = plan_form(random.Random("%d/form/%d" % (args.seed, i)), layout, code, plan_of[i]["colour"])

    manifest = []
    tmp = tempfile.mkdtemp(prefix="heldout-")
    try:
        for fi, plan in enumerate(plans):
            pages = []
            for i in plan["forms"]:
                order = list(layout.page_numbers)
                if plan["reverse"]:
                    order.reverse()
                for page in order:
                    prng = random.Random("%d/page/%d/%d" % (args.seed, i, page))
                    nrng = np.random.default_rng([args.seed, i, page])
                    s = plan["dpi"] / 25.4
                    img = rasterise(pdf, i * n_pages + page, plan["dpi"], plan["colour"], tmp)
                    clean = np.asarray(img.convert("L"))
                    img = fill_page(img, clean, layout, forms[i], page, s, not plan["colour"], prng)
                    del clean
                    log = []
                    img = add_fold_hole_staple(img, layout, page, s, prng, log)
                    img = degrade(img, layout, page, s, prng, nrng, plan, log)
                    turn = prng.choices([0, 90, 180, 270], weights=[70, 8, 14, 8])[0]
                    if turn:
                        img = img.transpose({90: Image.ROTATE_90, 180: Image.ROTATE_180, 270: Image.ROTATE_270}[turn])
                        log.append("turn%d" % turn)
                    entry = {"code": codes[i], "page": page, "dpi": plan["dpi"],
                             "mode": "RGB" if plan["colour"] else "L", "faults": " ".join(log)}
                    if plan["format"] in ("jpeg", "png"):
                        ext = "jpg" if plan["format"] == "jpeg" else "png"
                        prefix = "IMG_" if plan["phone"] else "scan_"
                        name = "%s%04d_%d.%s" % (prefix, fi + 1, len(pages) + 1, ext)
                        if plan["format"] == "jpeg":
                            kw = {"quality": plan["quality"]}
                            if not plan["phone"]:
                                kw["dpi"] = (plan["dpi"], plan["dpi"])
                            img.save(os.path.join(scans, name), "JPEG", **kw)
                        else:
                            img.save(os.path.join(scans, name), "PNG", dpi=(plan["dpi"], plan["dpi"]))
                        entry.update(file=name, file_page=1)
                        img.close()
                        pages.append(None)
                    else:
                        pages.append(img)
                        entry.update(file="", file_page=len(pages))
                    manifest.append(entry)
            if plan["format"] in ("tiff", "pdf"):
                ext = "tif" if plan["format"] == "tiff" else "pdf"
                name = "batch_%04d.%s" % (fi + 1, ext)
                path = os.path.join(scans, name)
                if plan["format"] == "tiff":
                    kw = {"compression": plan["tiff_compression"], "dpi": (plan["dpi"], plan["dpi"])}
                    if plan["tiff_compression"] == "jpeg":
                        kw["quality"] = plan["quality"]
                    pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:], **kw)
                else:
                    fixed = time.gmtime(1700000000 + args.seed)
                    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=float(plan["dpi"]),
                                  quality=plan["quality"], creationDate=fixed, modDate=fixed,
                                  producer="heldout", title="scan")
                for e in manifest[-len(pages):]:
                    e["file"] = name
                for im in pages:
                    im.close()
            print("%s: forms %d-%d done" % (plan["format"], plan["forms"][0] + 1, plan["forms"][-1] + 1), file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    with open(os.path.join(out, "truth.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "template", "question", "truth", "ambiguous", "behaviour"])
        for form in forms:
            for q in layout.questions:
                a = form["answers"][q["id"]]
                order = [b[0] for b in layout.boxes[q["id"]]]
                truth = sorted(a["truth"], key=order.index)
                w.writerow([form["code"], layout.template, q["id"], " ".join(truth), a["ambiguous"], a["behaviour"]])
    with open(os.path.join(out, "comments_truth.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "field", "kind", "text"])
        for form in forms:
            c = form["comment"]
            if c:
                w.writerow([form["code"], "comment", "handwritten", c.get("text", "")])
            else:
                w.writerow([form["code"], "comment", "none", ""])
    with open(os.path.join(out, "pages.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "file_page", "code", "page", "dpi", "mode", "ink", "faults"])
        ink = {form["code"]: form["ink"] for form in forms}
        for e in manifest:
            w.writerow([e["file"], e["file_page"], e["code"], e["page"], e["dpi"], e["mode"], ink[e["code"]], e["faults"]])
    print("%d forms, %d pages in %s" % (args.count, len(manifest), scans), file=sys.stderr)


if __name__ == "__main__":
    main()
