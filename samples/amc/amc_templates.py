#!/usr/bin/python3
"""Turn the AMC corpus's exported layouts into omr templates.

    amc_templates.py [--blank=layout|scan] CORPUS OUT [CASE ...]

CORPUS is ../shared/corpora/amc (each <case>/amc/ holds pages.csv, marks.csv,
boxes.csv and reading.csv, exported from AMC's layout.sqlite; pixels at 300
dpi, origin top-left). For every case and every copy whose pages are in the
scans it writes, under OUT/<case>/:

  amc-<case>-c<copy>.cfg         one omr template per AMC copy (one page per
                                 AMC page of that copy that a scan shows)
  amc-<case>-c<copy>-p<page>.png its "blank" (--blank=layout, the default): omr reads a foreign form through
                                 a blank copy, and the corpus has none (AMC's
                                 sujet.pdf needs LaTeX + AMC to build), so it is
                                 drawn from the layout: the four positioning
                                 dots, every box outline and the box's printed
                                 label (DejaVu Serif, beside or inside the box
                                 as the source's `insidebox` option says). The
                                 question and answer texts, the page-ID bar code
                                 and the name field are NOT on it (not in the
                                 layout).
                                 --blank=scan: the blank is made from the scan
                                 page itself (scanblank.py: mapped onto the layout
                                 through AMC's dots, box interiors wiped); one
                                 template per copy and scan (-s2 for a second scan
                                 of one copy).
  questions.csv                  template, page, amc_question, omr_question
  pages.csv                      template, copy, page, scan_file, file_page
                                 (which scan page AMC found to be which
                                 copy/page: omr cannot read AMC's binary page
                                 code, so the bench tells it which template
                                 a scan file belongs to)

Each AMC question (and each student-number digit column) is one omr question
of type "multi" (an AMC question may have several ticked boxes), its values the
AMC answer numbers (0 = the "none of these" box of completemulti).

Needs python3-pil (Debian) for the blank pages.
"""
import csv
import os
import re
import sys
from collections import defaultdict

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scanpages import scan_page  # noqa: E402
from scanblank import scan_blank  # noqa: E402

MM = 25.4 / 300.0  # layout px (300 dpi) -> mm
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

# Sources that print the answer letter inside the box (\usepackage[insidebox]).
# (numeric: separateanswersheet, whose boxes carry their digit or letter)
INSIDE_BOX = {"ballot", "expo", "numeric"}

# Cases AMC reads with --ignore-red (corpus README): the form prints its boxes
# and their letters in red (\AMCboxColor{red}) and red ink is not a mark. The
# template says dropout = "red"; the layout blank draws the boxes in red (so
# omr drops them from the blank as from the scan) and the scan blank is the
# scan's red channel (what omr's drop-out makes of the scan).
IGNORE_RED = {"ballot"}
RED_PRINT = (220, 30, 50)

# Cases whose AMC run cancels a blackened box (seuil_up < 1, corpus README).
FILL_IS_UNDO = {"multiple"}


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def omr_id(name, used):
    """AMC question name -> omr id (letters, digits, _ and -), unique."""
    s = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "q"
    if s[0] == "-":
        s = "q" + s
    base, k = s, 2
    while s in used and used[s] != name:
        s = "%s_%d" % (base, k)
        k += 1
    used[s] = name
    return s


def label_text(label):
    """The letters a box's label prints: LaTeX's control words print none
    (numeric's `cities` boxes carry `\\nobreakspace {}`, an empty label, which
    was drawn as the words "nobreakspace {}" across the boxes of the blank
    drawn from the layout, hiding their insides from omr)."""
    label = re.sub(r"\\[A-Za-z]+\s*(\{\})?", "", label)
    return label.replace("$", "").replace("\\", "").strip()


def scan_page_of(image, scan_files):
    """AMC's page image name -> (scan file, 1-based page in it)."""
    if image in scan_files:
        return image, 1
    m = re.match(r"^(.*\.pdf)-page-(\d+)-\d+\.png$", image)
    if m:
        return m.group(1), int(m.group(2))
    m = re.match(r"^(.*)_(\d{4})\.(tif|tiff)$", image)
    if m:
        # a multi-page TIFF that AMC split: verbatims_0000.tif = verbatims.tif page 1
        return m.group(1) + "." + m.group(3), int(m.group(2)) + 1
    return image, 1


def draw_labels(d, boxes, inside, ink=0):
    for b in boxes:
        x0, x1, y0, y1 = (float(b[k]) for k in ("xmin_px", "xmax_px", "ymin_px", "ymax_px"))
        text = label_text(b["label"])
        if not text:
            continue
        size = int((y1 - y0) * (0.7 if inside else 0.8))
        font = ImageFont.truetype(FONT, size)
        tw = d.textlength(text, font=font)
        tx = (x0 + x1) / 2 - tw / 2 if inside else x1 + 4  # AMC sets the label right against the box
        d.text((tx, (y0 + y1) / 2), text, fill=ink, font=font, anchor="lm")


def layout_blank(page, marks, boxes, inside, red=False):
    w, h = int(round(float(page["width_px"]))), int(round(float(page["height_px"])))
    im = Image.new("RGB" if red else "L", (w, h), (255, 255, 255) if red else 255)
    black, box = ((0, 0, 0), RED_PRINT) if red else (0, 0)
    d = ImageDraw.Draw(im)
    r = float(page["mark_diameter_px"]) / 2
    for m in marks:
        x, y = float(m["x_px"]), float(m["y_px"])
        d.ellipse([x - r, y - r, x + r, y + r], fill=black)
    for b in boxes:
        x0, x1, y0, y1 = (float(b[k]) for k in ("xmin_px", "xmax_px", "ymin_px", "ymax_px"))
        d.rectangle([x0, y0, x1, y1], outline=box, width=2)
    draw_labels(d, boxes, inside, box)
    return im


def fmt(v):
    return "%.2f" % v


def write_case(corpus, out, case, blank):
    src = os.path.join(corpus, case, "amc")
    pages = read_csv(os.path.join(src, "pages.csv"))
    marks = read_csv(os.path.join(src, "marks.csv"))
    boxes = read_csv(os.path.join(src, "boxes.csv"))
    reading = read_csv(os.path.join(src, "reading.csv"))
    inside = case in INSIDE_BOX
    scan_files = set(os.listdir(os.path.join(corpus, case, "scans")))
    os.makedirs(os.path.join(out, case), exist_ok=True)

    scan_pages = defaultdict(set)  # (copy, page) -> {(file, file_page)}
    for r in reading:
        scan_pages[(r["copy"], r["page"])].add(scan_page_of(r["scan_page_image"], scan_files))

    by_copy = defaultdict(list)
    for p in pages:
        by_copy[p["copy"]].append(p)
    # one template per copy; with blanks made from the scans, one per copy and
    # scan (two scans of one copy each get their own blank)
    units = []
    for copy, cpages in sorted(by_copy.items(), key=lambda kv: int(kv[0])):
        cpages.sort(key=lambda p: int(p["page"]))
        tid = "amc-%s-c%s" % (re.sub(r"[^A-Za-z0-9-]", "-", case), copy)
        if blank == "scan":
            n = max(len(scan_pages[(copy, p["page"])]) for p in cpages)
            for k in range(n):
                sel = {p["page"]: [sorted(scan_pages[(copy, p["page"])])[k]] for p in cpages}
                units.append((tid + ("-s%d" % (k + 1) if k else ""), copy, cpages, sel))
        else:
            units.append((tid, copy, cpages, {p["page"]: sorted(scan_pages[(copy, p["page"])])
                                              for p in cpages}))
    qrows, prows = [], []
    for tid, copy, cpages, sel in units:
        pw, ph = float(cpages[0]["width_px"]) * MM, float(cpages[0]["height_px"]) * MM
        used = {}
        refs, page_blocks = [], []
        cmarks = None
        for n, p in enumerate(cpages, 1):
            pm = sorted((m for m in marks if m["copy"] == copy and m["page"] == p["page"]),
                        key=lambda m: int(m["corner"]))
            pb = [b for b in boxes if b["copy"] == copy and b["page"] == p["page"]]
            ref = "%s-p%s.png" % (tid, p["page"])
            im = None
            if blank == "scan":
                f, fp = sel[p["page"]][0]
                scan = scan_page(os.path.join(corpus, case, "scans", f), fp)
                if case in IGNORE_RED and scan.mode == "RGB":
                    scan = scan.getchannel("R")  # the scan as omr's red drop-out sees it
                im = scan_blank(scan, p, pm, pb, inside, lambda d, b: draw_labels(d, [b], True))
                if im is not None and scan_blank.last_perm != (0, 1, 2, 3):
                    print("%s page %s: %s#%d is %s" % (tid, p["page"], f, fp, {
                        (2, 3, 0, 1): "upside down", (3, 2, 1, 0): "a mirror image (flipped top to bottom)",
                        (1, 0, 3, 2): "a mirror image (flipped left to right)"}[scan_blank.last_perm]))
                if im is None:
                    print("%s page %s: the four dots not found on %s#%d; blank drawn from the layout"
                          % (tid, p["page"], f, fp))
            if im is None:
                im = layout_blank(p, pm, pb, inside, case in IGNORE_RED)
            im.save(os.path.join(out, case, ref), dpi=(300, 300))
            refs.append(ref)
            if cmarks is None:
                cmarks = pm
                msize = float(p["mark_diameter_px"]) * MM
            questions = defaultdict(list)
            order = []
            for b in pb:
                if b["question"] not in questions:
                    order.append(b["question"])
                questions[b["question"]].append(b)
            qtext = []
            for qname in order:
                qid = omr_id(qname, used)
                qrows.append({"template": tid, "copy": copy, "page": p["page"], "omr_page": n,
                              "amc_question": qname, "omr_question": qid})
                bs = sorted(questions[qname], key=lambda b: int(b["answer"]))
                y = min(float(b["ymin_px"]) for b in bs) * MM
                lines = []
                for b in bs:
                    x0, x1, y0, y1 = (float(b[k]) * MM for k in ("xmin_px", "xmax_px", "ymin_px", "ymax_px"))
                    lab = label_text(b["label"])
                    lab_s = '; label = "%s"' % lab.replace('"', "'") if lab and not inside else ""
                    lines.append('          { value = "%s"%s; x = %s; y = %s; w = %s; h = %s; }'
                                 % (b["answer"], lab_s, fmt(x0), fmt(y0), fmt(x1 - x0), fmt(y1 - y0)))
                labels = "right" if any(label_text(b["label"]) for b in bs) and not inside else "none"
                qtext.append('      { id = "%s"; type = "multi"; text = "%s"; labels = "%s";\n'
                             '        x = 5.0; y = %s; w = 40.0;\n        boxes = (\n%s ); }'
                             % (qid, qname.replace('"', "'"), labels, fmt(y), ",\n".join(lines)))
            page_blocks.append("  { page = %d;\n    questions = (\n%s );\n  }" % (n, ",\n".join(qtext)))
            for f, fp in sel[p["page"]]:
                prows.append({"template": tid, "copy": copy, "page": p["page"], "omr_page": n,
                              "scan_file": f, "file_page": fp})
        centres = ", ".join("[%s, %s]" % (fmt(float(m["x_px"]) * MM), fmt(float(m["y_px"]) * MM))
                            for m in cmarks)
        cfg = ['# omr template for AMC case "%s", copy %s, made by samples/amc/amc_templates.py' % (case, copy),
               '# from the corpus layout (boxes.csv, marks.csv, pages.csv). Do not edit by hand.',
               'id = "%s";' % tid,
               'title = "AMC %s copy %s";' % (case, copy),
               "page_width = %s; page_height = %s;" % (fmt(pw), fmt(ph)),
               'registration = "marks";',
               "marks = { size = %s; centres = (%s); };" % (fmt(msize), centres),
               'identity = { kind = "none"; };',
               # AMC's rule: a box darker than seuil_up is "cancelled", and only
               # `multiple` sets it below 1 (crosses and blackened boxes); every
               # other case counts any box darker than seuil as ticked
               'corrections = "%s";' % ("fill-is-undo" if case in FILL_IS_UNDO else "none"),
               ] + (['dropout = "red";  # AMC: --ignore-red'] if case in IGNORE_RED else []) + [
               "reference = [%s];" % ", ".join('"%s"' % r for r in refs),
               "pages = (", ",\n".join(page_blocks), ");", ""]
        with open(os.path.join(out, case, tid + ".cfg"), "w") as f:
            f.write("\n".join(cfg))
    for name, rows in (("questions.csv", qrows), ("pages.csv", prows)):
        with open(os.path.join(out, case, name), "w", newline="") as f:
            wr = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            wr.writeheader()
            wr.writerows(rows)
    return len(units)


def main():
    args = sys.argv[1:]
    blank = "layout"
    if args[:1] and args[0].startswith("--blank="):
        blank = args.pop(0).split("=", 1)[1]
    if len(args) < 2 or blank not in ("layout", "scan"):
        sys.exit(__doc__)
    corpus, out = args[0], args[1]
    cases = args[2:] or sorted(c for c in os.listdir(corpus)
                                   if os.path.isfile(os.path.join(corpus, c, "amc", "boxes.csv")))
    for c in cases:
        n = write_case(corpus, out, c, blank)
        print("%s: %d template%s" % (c, n, "" if n == 1 else "s"))
    skipped = sorted(c for c in os.listdir(corpus) if os.path.isdir(os.path.join(corpus, c))
                     and not os.path.isfile(os.path.join(corpus, c, "amc", "boxes.csv")))
    if skipped and not args[2:]:
        print("no layout in the corpus (not converted): " + ", ".join(skipped))


if __name__ == "__main__":
    main()
