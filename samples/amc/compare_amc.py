#!/usr/bin/python3
"""Compare omr's reading of the AMC corpus with AMC's own, box by box.

    compare_amc.py --corpus CORPUS --bench OUT

OUT is what bench_amc.sh made: OUT/templates/<case>/{pages,questions}.csv and
OUT/scans/<case>/<template>/{marks,records,rejects}.csv. Prints a table per
case and writes OUT/boxes.csv (every box: AMC and omr side by side) and
OUT/disagreements.csv (the boxes where they differ, or that omr sent to review).

AMC's decision is recomputed from reading.csv's dark_share with the case's own
test parameters (seuil, seuil_up; README of the corpus): ticked when
dark_share >= seuil, "cancelled" (not ticked) when dark_share > seuil_up.
omr's reading of a box is its final value in records.csv (`<question>.<value>`
= 1: ticked; for a multi-choice question: a marked box, or a solid one with no
cross beside it); a box "in review" is one whose question is in review_items.
"""
import argparse
import csv
import os
import re
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from amc_templates import scan_page_of  # noqa: E402

# (seuil, seuil_up) per case, from the corpus README's parameter table
PARAMS = {
    "allowempty": (0.5, 1.0), "answer-score-0": (0.25, 1.0), "ballot": (0.5, 1.0),
    "codegrid": (0.15, 1.0), "csv-ab-completemulti": (0.5, 1.0), "expo": (0.5, 1.0),
    "modulo": (0.5, 1.0), "multicol_dims": (0.5, 1.0), "multiple": (0.15, 0.7),
    "numeric": (0.5, 1.0), "survey": (0.4, 1.0), "topics_allowempty": (0.15, 1.0),
    "verbatim": (0.15, 1.0), "version-id": (0.5, 1.0),
}


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def amc_decision(dark, case):
    seuil, seuil_up = PARAMS[case]
    if dark > seuil_up:
        return "cancelled"
    return "ticked" if dark >= seuil else "empty"


def letters_to_answers(s):
    return {0 if c == "0" else ord(c) - ord("A") + 1 for c in s}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--bench", required=True)
    a = ap.parse_args()

    all_cases = sorted(c for c in os.listdir(a.corpus) if os.path.isdir(os.path.join(a.corpus, c)))
    tdir = os.path.join(a.bench, "templates")
    box_rows, dis_rows, table, expected_lines, notes = [], [], [], [], []
    for case in all_cases:
        if not os.path.isdir(os.path.join(tdir, case)):
            why = ("no layout in the corpus" if not os.path.exists(os.path.join(a.corpus, case, "amc"))
                   else "not run")
            table.append((case, why))
            continue
        scan_files = set(os.listdir(os.path.join(a.corpus, case, "scans")))
        pages = read_csv(os.path.join(tdir, case, "pages.csv"))
        qmap = {(q["template"], q["page"], q["amc_question"]): q["omr_question"]
                for q in read_csv(os.path.join(tdir, case, "questions.csv"))}
        tmpl_of = {(p["copy"], p["page"], p["scan_file"], int(p["file_page"])): (p["template"], int(p["omr_page"]))
                   for p in pages}
        reading = read_csv(os.path.join(a.corpus, case, "amc", "reading.csv"))

        # omr's outputs, per template run: box rows and records by (file, file_page)
        omr_box = {}   # (tid, file, file_page, omr_page, q, v) -> marks row
        omr_rec = {}   # (tid, file, file_page, omr_page) -> records row
        rejected = {}  # (tid, file, file_page) -> reason
        for tid in sorted({p["template"] for p in pages}):
            run = os.path.join(a.bench, "scans", case, tid)
            recs = {r["return"] + "/" + r["code"]: r for r in read_csv(os.path.join(run, "records.csv"))}
            for m in read_csv(os.path.join(run, "marks.csv")):
                f = os.path.basename(m["file"])
                key = (tid, f, int(m["file_page"]), int(m["page"]))
                omr_box[key + (m["question"], m["value"])] = m
                omr_rec[key] = recs.get(m["return"] + "/" + m["code"])
            for r in read_csv(os.path.join(run, "rejects.csv")):
                rejected[(tid, os.path.basename(r["file"]), int(r["page"] or 0))] = r["reason"]

        c = Counter()
        pages_seen = {}
        mismatch_param = 0
        for r in reading:
            dark = float(r["dark_share"])
            amc = amc_decision(dark, case)
            if amc != r["amc_decision"]:
                mismatch_param += 1
            f, fp = scan_page_of(r["scan_page_image"], scan_files)
            tid, opage = tmpl_of[(r["copy"], r["page"], f, fp)]
            q = qmap[(tid, r["page"], r["question"])]
            pkey = (tid, f, fp, opage)
            pg = (f, fp)
            if pg not in pages_seen:
                if any(k[:4] == pkey for k in omr_box):
                    pages_seen[pg] = "read"
                else:
                    other = [k[3] for k in omr_box if k[:3] == pkey[:3]]
                    pages_seen[pg] = ("read as page %d" % other[0] if other else
                                      "lost: " + rejected.get((tid, f, fp), "no row in any output"))
            m = omr_box.get(pkey + (q, r["answer"]))
            row = {"case": case, "file": f, "file_page": fp, "copy": r["copy"], "page": r["page"],
                   "question": r["question"], "answer": r["answer"], "dark_share": r["dark_share"],
                   "amc": amc}
            if not m:
                row.update(omr="lost")
                box_rows.append(row)
                c["lost"] += 1
                continue
            rec = omr_rec.get(pkey) or {}
            value = rec.get("%s.%s" % (q, r["answer"]), "")
            review = q in (rec.get("review_items") or "").split()
            reason = ""
            for part in (rec.get("review_reasons") or "").split("; "):
                if part.startswith(q + ":"):
                    reason = part[len(q) + 1:].strip()
            omr = "ticked" if value == "1" else "empty"
            row.update(omr=omr, decision=m["decision"], fill=m["fill"], extent=m["extent"],
                       ink_near_mm2=m["ink_near_mm2"], shift_mm=m["shift_mm"],
                       review=int(review), reason=reason, template=tid, omr_question=q)
            box_rows.append(row)
            c["compared"] += 1
            at, ot = amc == "ticked", omr == "ticked"
            c[("both ticked" if at and ot else "both empty" if not at and not ot
               else "omr only" if ot else "amc only")] += 1
            if amc == "cancelled":
                c["amc cancelled"] += 1
            if review:
                c["review"] += 1
                if "beside" in reason:
                    c["review near"] += 1
            if m["decision"] == "unsure":
                c["unsure"] += 1
            if at != ot:
                c["silent" if not review else "disagree in review"] += 1
            if at != ot or review or m["decision"] == "unsure":
                dis_rows.append(row)

        read = sum(1 for v in pages_seen.values() if v == "read")
        for pg, v in sorted(pages_seen.items()):
            if v != "read":
                notes.append("%s: %s#%d %s" % (case, pg[0], pg[1], v))
        if mismatch_param:
            notes.append("%s: %d boxes where the corpus's amc_decision differs from seuil/seuil_up"
                         % (case, mismatch_param))
        table.append((case, read, len(pages_seen) - read, c))

        # the test's own statement of ticked boxes
        for e in read_csv(os.path.join(a.corpus, case, "expected.csv")):
            if e["kind"] != "ticked":
                continue
            want = letters_to_answers(e["expected"])
            got_o, got_a, rev = set(), set(), False
            for b in box_rows:
                if b["case"] == case and b["copy"] == e["copy"] and b["question"] == e["question"]:
                    if b.get("omr") == "ticked":
                        got_o.add(int(b["answer"]))
                    if b["amc"] == "ticked":
                        got_a.add(int(b["answer"]))
                    rev |= bool(b.get("review"))
            fmt = lambda s: "".join(sorted("0" if x == 0 else chr(64 + x) for x in s)) or "-"
            expected_lines.append("%-22s copy %s %-8s expected %-4s AMC %-4s %s omr %-4s %s%s"
                                  % (case, e["copy"], e["question"], e["expected"], fmt(got_a),
                                     "ok   " if got_a == want else "WRONG", fmt(got_o),
                                     "ok" if got_o == want else "WRONG",
                                     " (in review)" if rev else ""))

    hdr = ("case", "pages read", "lost", "boxes", "both ticked", "both empty", "omr only", "AMC only",
           "of which silent", "boxes in review", "(ink beside)", "unsure boxes")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    tot = Counter()
    tp = [0, 0]
    for row in table:
        if len(row) == 2:
            print("| %s | not run: %s |%s" % (row[0], row[1], " |" * (len(hdr) - 2)))
            continue
        case, read, lost, c = row
        tot.update(c)
        tp[0] += read
        tp[1] += lost
        print("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |"
              % (case, read, lost, c["compared"], c["both ticked"], c["both empty"], c["omr only"],
                 c["amc only"], c["silent"], c["review"], c["review near"], c["unsure"]))
    c = tot
    print("| **all** | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |"
          % (tp[0], tp[1], c["compared"], c["both ticked"], c["both empty"], c["omr only"],
             c["amc only"], c["silent"], c["review"], c["review near"], c["unsure"]))
    if c["compared"]:
        agree = c["both ticked"] + c["both empty"]
        print("\nagreement %d / %d boxes (%.1f%%); AMC 'cancelled' (darker than seuil_up): %d"
              % (agree, c["compared"], 100.0 * agree / c["compared"], c["amc cancelled"]))
    if expected_lines:
        print("\nticked boxes stated by the AMC tests (expected.csv):")
        for line in expected_lines:
            print("  " + line)
        print("  survey                 copy 1 (4 questions): not run, no layout in the corpus")
    if notes:
        print("\nnotes:")
        for n in notes:
            print("  " + n)

    cols = ["case", "file", "file_page", "copy", "page", "question", "answer", "dark_share", "amc", "omr",
            "decision", "fill", "extent", "ink_near_mm2", "shift_mm", "review", "reason", "template",
            "omr_question"]
    for name, rows in (("boxes.csv", box_rows), ("disagreements.csv", dis_rows)):
        with open(os.path.join(a.bench, name), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    print("\nper box: %s\ndisagreements and review: %s"
          % (os.path.join(a.bench, "boxes.csv"), os.path.join(a.bench, "disagreements.csv")))


if __name__ == "__main__":
    main()
