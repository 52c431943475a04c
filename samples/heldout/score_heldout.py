#!/usr/bin/env python3
"""score_heldout.py - compares `omr scan` output with the held-out set's truth.

Usage:
  python3 samples/heldout/score_heldout.py --truth DIR --out SCANDIR [--examples N]

DIR is what make_heldout.py wrote (truth.csv, comments_truth.csv, codes.txt,
pages.csv); SCANDIR is `omr scan --out` (records.csv, marks.csv, review.csv,
rejects.csv). Prints: forms, login codes read, answers auto-accepted, wrong
auto-accepted answers (with examples and their marks.csv rows), truly
ambiguous answers flagged, forms in review; then the same per mark style
(truth.csv's behaviour) and per page fault, so that a failure can be traced to
what made it. Only the standard library is used.
"""

import argparse
import csv
import os
import sys
from collections import defaultdict


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def pct(a, b):
    return "%.1f%%" % (100.0 * a / b) if b else "-"


def main():
    ap = argparse.ArgumentParser(description="Score omr scan output against the held-out truth.")
    ap.add_argument("--truth", required=True, help="folder written by make_heldout.py")
    ap.add_argument("--out", required=True, help="folder written by omr scan --out")
    ap.add_argument("--examples", type=int, default=12, help="examples of each failure to print (default 12)")
    args = ap.parse_args()
    try:
        truth = read_csv(os.path.join(args.truth, "truth.csv"))
        comments_truth = read_csv(os.path.join(args.truth, "comments_truth.csv"))
        records = read_csv(os.path.join(args.out, "records.csv"))
        marks = read_csv(os.path.join(args.out, "marks.csv"))
    except OSError as e:
        sys.exit("score_heldout.py: %s" % e)
    pages = []
    if os.path.exists(os.path.join(args.truth, "pages.csv")):
        pages = read_csv(os.path.join(args.truth, "pages.csv"))
    rejects = []
    if os.path.exists(os.path.join(args.out, "rejects.csv")):
        rejects = read_csv(os.path.join(args.out, "rejects.csv"))

    codes = sorted({t["code"] for t in truth})
    rec = {r["code"]: r for r in records}
    marks_of = defaultdict(list)
    for m in marks:
        marks_of[(m["code"], m["question"])].append(m)
    page_of = {}  # (code, page) -> pages.csv row
    for p in pages:
        page_of[(p["code"], p["page"])] = p
    qpage = {}
    for m in marks:
        qpage[m["question"]] = m["page"]

    def read_value(r, t):
        q = t["question"]
        if q in r:
            return r[q]
        opts = sorted((k for k in r if k.startswith(q + ".")), key=lambda k: k[len(q) + 1 :])
        return " ".join(k[len(q) + 1 :] for k in opts if r[k] == "1")

    def same(a, b):
        return sorted(a.split()) == sorted(b.split())

    near = next((k for k in ("ink_near", "ink_near_mm2") if marks and k in marks[0]), None)

    def marks_text(code, q):
        rows = marks_of.get((code, q), [])
        return " | ".join(
            "%s:%s f=%s e=%s n=%s s=%s" % (m["value"], m["decision"], m["fill"], m["extent"],
                                           m.get(near, "?") if near else "?", m.get("shift_mm", "?"))
            for m in rows
        )

    def where(code, q):
        p = page_of.get((code, qpage.get(q, "")))
        if not p:
            return ""
        return "%s#%s %sdpi %s ink=%s [%s]" % (p["file"], p["file_page"], p["dpi"], p["mode"], p["ink"], p["faults"])

    n_q = accepted = wrong = amb_total = amb_flagged = clear_review = 0
    wrong_ex, amb_missed, clear_rev_ex = [], [], []
    per_beh = defaultdict(lambda: [0, 0, 0, 0])  # n, auto-accepted, wrong, review
    per_fault = defaultdict(lambda: [0, 0])  # clear answers on pages with the fault, wrong
    forms_with_amb = set()
    for t in truth:
        if t["ambiguous"] == "1":
            forms_with_amb.add(t["code"])
        r = rec.get(t["code"])
        if r is None:
            continue
        n_q += 1
        q = t["question"]
        review = q in r["review_items"].split()
        got = read_value(r, t)
        b = per_beh[t["behaviour"]]
        b[0] += 1
        if t["ambiguous"] == "1":
            amb_total += 1
            if review:
                amb_flagged += 1
                b[3] += 1
            else:
                accepted += 1
                b[1] += 1
                amb_missed.append((t, got))
            continue
        p = page_of.get((t["code"], qpage.get(q, "")))
        faults = p["faults"].split() if p else []
        keys = {f.split("@")[0].rstrip("0123456789.%") for f in faults} or {"none"}
        if p:
            keys |= {"dpi" + p["dpi"], p["mode"], "ink_" + p["ink"], os.path.splitext(p["file"])[1]}
        if review:
            clear_review += 1
            b[3] += 1
            clear_rev_ex.append((t, got))
            continue
        accepted += 1
        b[1] += 1
        bad = not same(got, t["truth"])
        for k in keys:
            per_fault[k][0] += 1
            per_fault[k][1] += bad
        if bad:
            wrong += 1
            b[2] += 1
            wrong_ex.append((t, got))

    read = [c for c in codes if c in rec]
    unknown = [r["code"] for r in records if r["code"] not in set(codes)]
    in_review = [c for c in read if rec[c]["status"] == "review"]
    needless = [c for c in in_review if c not in forms_with_amb]
    # ... and in review for nothing a person is needed for: every review
    # item a question whose truth is clear (a comment's writing is a
    # person's to transcribe): omr-samples score's forms_review_needless
    clear_q = {(t["code"], t["question"]) for t in truth if t["ambiguous"] != "1"}
    needless_items = [c for c in in_review if rec[c]["review_items"].split() and
                      all((c, i) in clear_q for i in rec[c]["review_items"].split())]
    print("held-out set: %s   scan output: %s" % (args.truth, args.out))
    print("forms:                    %d" % len(codes))
    print("codes read:               %d/%d (%s)%s" % (len(read), len(codes), pct(len(read), len(codes)),
                                                      "; unknown codes in records: " + " ".join(unknown) if unknown else ""))
    print("answers auto-accepted:    %d/%d questions of read forms (%s)" % (accepted, n_q, pct(accepted, n_q)))
    print("wrong auto-accepted:      %d of %d clear answers auto-accepted (%s)" % (wrong, accepted - len(amb_missed),
                                                                             pct(wrong, accepted - len(amb_missed))))
    print("ambiguous flagged:        %d/%d (%s); %d truly ambiguous answers auto-accepted"
          % (amb_flagged, amb_total, pct(amb_flagged, amb_total), len(amb_missed)))
    print("clear answers to review:  %d" % clear_review)
    print("forms in review:          %d/%d (%s); %d of them with no truly ambiguous answer"
          % (len(in_review), len(read), pct(len(in_review), len(read)), len(needless)))
    print("forms in review needlessly: %d/%d (%s): every review item a clear answer%s"
          % (len(needless_items), len(read), pct(len(needless_items), len(read)),
             "".join(" " + c for c in needless_items[:12])))
    kinds = defaultdict(int)
    for r in rejects:
        kinds[r["kind"] + ": " + r["reason"]] += 1
    print("rejected pages:           %d%s" % (len(rejects), "".join("\n  %3d  %s" % (n, k) for k, n in sorted(kinds.items()))))

    # comments
    ct = {c["code"]: c for c in comments_truth}
    hw = [c for c in read if ct.get(c, {}).get("kind") == "handwritten"]
    seen = [c for c in hw if rec[c].get("comment") or "comment" in rec[c]["review_items"].split()]
    ghost = [c for c in read if ct.get(c, {}).get("kind") == "none" and
             (rec[c].get("comment") or "comment" in rec[c]["review_items"].split())]
    print("handwritten comments:     %d found (text or review) of %d; %d found where none was written"
          % (len(seen), len(hw), len(ghost)))

    print("\nper behaviour (mark style):   n  auto  wrong  review")
    for k in sorted(per_beh):
        n, a, w, rv = per_beh[k]
        print("  %-22s %5d %5d %6d %7d" % (k, n, a, w, rv))
    print("\nclear answers auto-accepted, by page property:   n  wrong")
    for k in sorted(per_fault):
        n, w = per_fault[k]
        print("  %-30s %6d %6d" % (k, n, w))

    def show(title, items):
        if not items:
            return
        print("\n%s (%d; up to %d shown):" % (title, len(items), args.examples))
        for t, got in items[: args.examples]:
            print("  %s %s truth=%r read=%r behaviour=%s" % (t["code"], t["question"], t["truth"], got, t["behaviour"]))
            print("      marks: %s" % marks_text(t["code"], t["question"]))
            w = where(t["code"], t["question"])
            if w:
                print("      page:  %s" % w)

    show("wrong auto-accepted answers", wrong_ex)
    show("truly ambiguous answers auto-accepted", amb_missed)
    show("clear answers sent to review", clear_rev_ex)


if __name__ == "__main__":
    main()
