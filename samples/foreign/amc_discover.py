#!/usr/bin/env python3
"""amc_discover.py - `omr template new` on the AMC corpus scans taken as blanks, against AMC's
layout (amc/boxes.csv, px at 300 dpi): found / missed / spurious per page, through an
affine map fitted between the draft's corner marks and AMC's. The scans are filled copies,
so filled boxes count as missed. Usage: amc_discover.py [CORPUS] (OMR_BIN=build/omr)."""
import csv, json, math, os, re, subprocess, sys, glob
import tempfile
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_blanks import draft_boxes, norm  # noqa: E402
OMR = os.environ.get("OMR_BIN", "build/omr")
root = sys.argv[1] if len(sys.argv) > 1 else "../shared/corpora/amc"
def amc(case):
    boxes, marks = {}, {}
    for r in csv.DictReader(open(f"{root}/{case}/amc/boxes.csv")):
        k = (r["copy"], r["page"])
        x0, x1, y0, y1 = (float(r[c]) * 25.4 / 300 for c in ("xmin_px", "xmax_px", "ymin_px", "ymax_px"))
        boxes.setdefault(k, []).append(((x0 + x1) / 2, (y0 + y1) / 2, r["question"], r["label"]))
    for r in csv.DictReader(open(f"{root}/{case}/amc/marks.csv")):
        marks.setdefault((r["copy"], r["page"]), []).append((float(r["x_px"]) * 25.4 / 300, float(r["y_px"]) * 25.4 / 300))
    return boxes, marks
def quad(pts):
    cx = sum(p[0] for p in pts) / len(pts); cy = sum(p[1] for p in pts) / len(pts)
    return {(p[0] > cx) + 2 * (p[1] > cy): p for p in pts}
def grouped(truth, mapped, drafts):
    """Questions grouped right and labels read right, of the boxes found. AMC's question is split
    by columns where its labels repeat (a number coded digit by digit: a column per digit). The
    scans are filled copies, so a group counts as right when the boxes of it that were found are
    one draft question and that question holds no other box."""
    label = lambda t: t.replace("$", "").replace("\\,", "").strip()
    groups = {}
    for i, t in enumerate(truth):
        groups.setdefault(t[2], []).append(i)
    key = {}
    for q, members in groups.items():
        labels = [label(truth[i][3]) for i in members]
        if all(labels) and len(set(labels)) < len(labels):  # by columns or by rows, whichever makes labels unique
            for axis in (0, 1):
                vs = sorted(set(round(truth[i][axis], 1) for i in members))
                lines = []
                for v in vs:
                    if not lines or v - lines[-1][-1] > 1.5:
                        lines.append([])
                    lines[-1].append(v)
                at = {i: min(range(len(lines)), key=lambda c: abs(lines[c][0] - truth[i][axis])) for i in members}
                ok = all(len({label(truth[i][3]) for i in members if at[i] == c}) ==
                         sum(1 for i in members if at[i] == c) for c in range(len(lines)))
                if ok or axis == 1:
                    for i in members:
                        key[i] = (q, axis, at[i])
                    break
        else:
            for i in members:
                key[i] = (q, 0)
    pair = {}
    used = set()
    for i, t in enumerate(truth):
        d = [(math.hypot(m[0] - t[0], m[1] - t[1]), j) for j, m in enumerate(mapped) if j not in used]
        if d:
            dd, j = min(d)
            if dd < 1.5:
                pair[i] = j; used.add(j)
    back = {j: i for i, j in pair.items()}
    right = total = 0
    for k in set(key.values()):
        members = [i for i in key if key[i] == k and i in pair]
        if not members:
            continue
        total += 1
        qs = {drafts[pair[i]]["q"] for i in members if pair[i] < len(drafts)}
        if len(qs) == 1:
            dq = qs.pop()
            mine = [j for j, b in enumerate(drafts) if b["q"] == dq]
            right += all(j in back and key[back[j]] == k for j in mine)
    labelled = [i for i in pair if label(truth[i][3])]
    lab_right = sum(1 for i in labelled if pair[i] < len(drafts) and norm(drafts[pair[i]]["label"]) == norm(label(truth[i][3])))
    return right, total, lab_right, len(labelled)
TMP = tempfile.mkdtemp()
tot = [0, 0, 0]
gtot = [0, 0, 0, 0]
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
                res = (found, len(truth), len(mapped) - len(used), k, mapped)
                if best is None or res[0] > best[0]:
                    best = res
            if best is None:
                print(f"{case} {os.path.basename(scan)} p{p['page']}: {len(got)} boxes found, no corner marks to compare through (check {'passes' if chk else 'FAILS'})")
                continue
            tot[0] += best[0]; tot[1] += best[1]; tot[2] += best[2]
            g = grouped(boxes[best[3]], best[4], draft_boxes(text, p["page"]))
            for i in range(4):
                gtot[i] += g[i]
            print(f"{case} {os.path.basename(scan)} p{p['page']} (copy {best[3][0]} page {best[3][1]}): {best[0]} of {best[1]} found, {best[1]-best[0]} missed, {best[2]} spurious; check {'passes' if chk else 'FAILS'}; "
                  f"questions grouped right {g[0]} of {g[1]}; labels read right {g[2]} of {g[3]}")
print("total: %d of %d found, %d spurious" % tuple(tot))
print("questions grouped right %d of %d (of those with a box found); labels read right %d of %d" % tuple(gtot))
