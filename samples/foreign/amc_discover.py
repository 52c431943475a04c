#!/usr/bin/env python3
"""amc_discover.py - `omr template new` on the AMC corpus scans taken as blanks, against AMC's
layout (amc/boxes.csv, px at 300 dpi): found / missed / spurious per page, through an
affine map fitted between the draft's corner marks and AMC's. The scans are filled copies,
so filled boxes count as missed. Usage: amc_discover.py [CORPUS] (OMR_BIN=build/omr)."""
import csv, json, math, os, re, subprocess, sys, glob
import tempfile
import numpy as np
OMR = os.environ.get("OMR_BIN", "build/omr")
root = sys.argv[1] if len(sys.argv) > 1 else "../shared/corpora/amc"
def amc(case):
    boxes, marks = {}, {}
    for r in csv.DictReader(open(f"{root}/{case}/amc/boxes.csv")):
        k = (r["copy"], r["page"])
        x0, x1, y0, y1 = (float(r[c]) * 25.4 / 300 for c in ("xmin_px", "xmax_px", "ymin_px", "ymax_px"))
        boxes.setdefault(k, []).append(((x0 + x1) / 2, (y0 + y1) / 2))
    for r in csv.DictReader(open(f"{root}/{case}/amc/marks.csv")):
        marks.setdefault((r["copy"], r["page"]), []).append((float(r["x_px"]) * 25.4 / 300, float(r["y_px"]) * 25.4 / 300))
    return boxes, marks
def quad(pts):
    cx = sum(p[0] for p in pts) / len(pts); cy = sum(p[1] for p in pts) / len(pts)
    return {(p[0] > cx) + 2 * (p[1] > cy): p for p in pts}
TMP = tempfile.mkdtemp()
tot = [0, 0, 0]
for case in sorted(os.listdir(root)):
    if not os.path.exists(f"{root}/{case}/amc/boxes.csv"):
        continue
    boxes, marks = amc(case)
    for scan in sorted(glob.glob(f"{root}/{case}/scans/*")):
        cfg = f"{TMP}/{case}-{os.path.basename(scan)}.cfg"
        out = subprocess.run([OMR, "template", "new", "--from", scan, "--out", cfg], capture_output=True, text=True)
        if out.returncode != 0:
            print(case, os.path.basename(scan), "template new failed:", out.stderr.strip()[:200]); continue
        chk = subprocess.run([OMR, "template", "check", cfg], capture_output=True, text=True).returncode == 0
        g = subprocess.run([OMR, "template", "geometry", cfg], capture_output=True, text=True)
        if g.returncode != 0:
            print(case, os.path.basename(scan), "geometry failed", g.stderr.strip()[:200]); continue
        geom = json.loads(g.stdout)
        text = open(cfg).read()
        mm = re.search(r"marks = \{ size = [0-9.]+; centres = \(([^;]*)\); \}", text)
        ours = [tuple(map(float, m)) for m in re.findall(r"\[([0-9.]+), ([0-9.]+)\]", mm.group(1))] if mm else []
        for p in geom["pages"]:
            got = [(b["x"] + b["w"] / 2, b["y"] + b["h"] / 2) for b in p["boxes"]]
            best = None
            for k in boxes:
                if k not in marks or len(ours) < 3:
                    continue
                qa, qo = quad(marks[k]), quad(ours)
                common = [c for c in qo if c in qa]
                if len(common) < 3:
                    continue
                A = np.array([[qo[c][0], qo[c][1], 1] for c in common]); B = np.array([qa[c] for c in common])
                M, *_ = np.linalg.lstsq(A, B, rcond=None)
                mapped = [tuple(np.array([x, y, 1]) @ M) for x, y in got]
                truth = boxes[k]; used = set(); found = 0
                for t in truth:
                    d = [(math.hypot(m[0] - t[0], m[1] - t[1]), i) for i, m in enumerate(mapped) if i not in used]
                    if d:
                        dd, i = min(d)
                        if dd < 1.5:
                            found += 1; used.add(i)
                res = (found, len(truth), len(mapped) - len(used), k)
                if best is None or res[0] > best[0]:
                    best = res
            if best is None:
                print(f"{case} {os.path.basename(scan)} p{p['page']}: {len(got)} boxes found, no corner marks to compare through (check {'passes' if chk else 'FAILS'})")
                continue
            tot[0] += best[0]; tot[1] += best[1]; tot[2] += best[2]
            print(f"{case} {os.path.basename(scan)} p{p['page']} (copy {best[3][0]} page {best[3][1]}): {best[0]} of {best[1]} found, {best[1]-best[0]} missed, {best[2]} spurious; check {'passes' if chk else 'FAILS'}")
print("total: %d of %d found, %d spurious" % tuple(tot))
