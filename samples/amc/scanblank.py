"""A blank page made from the scan itself (the `--blank scan` mode).

The corpus has no blank copy of any AMC sheet, and a blank drawn from the
layout alone has too little print for omr to find the page by (it needs the
page's text). So: find AMC's four positioning dots on the scan (dark discs of
the layout's diameter near where the layout puts them, scaled by the scan's
resolution), map the scan onto the layout's 300 dpi page through them, and
wipe the inside of every answer box (0.25 mm inside its edge, the printed
outline stays); for sources that print the letter inside the box, the inside
of the palest box with the same letter on the page is copied back into each. What is left is the page's print plus any ink
outside the boxes (names, crosses running over the edge, notes), which omr
then takes for print: its "ink near a box" test sees less in this mode."""
import numpy as np
from PIL import Image, ImageDraw


def _blobs(a, thr):
    """Connected dark regions of a small array: list of (area, cx, cy, w, h)."""
    dark = a < thr
    seen = np.zeros(dark.shape, bool)
    out = []
    H, W = dark.shape
    ys, xs = np.nonzero(dark)
    for y0, x0 in zip(ys, xs):
        if seen[y0, x0]:
            continue
        stack = [(y0, x0)]
        seen[y0, x0] = True
        pts = []
        while stack:
            y, x = stack.pop()
            pts.append((y, x))
            for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                ny, nx = y + dy, x + dx
                if 0 <= ny < H and 0 <= nx < W and dark[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
            if len(pts) > 20000:
                break
        p = np.array(pts)
        out.append((len(pts), p[:, 1].mean(), p[:, 0].mean(), np.ptp(p[:, 1]) + 1, np.ptp(p[:, 0]) + 1))
    return out


def find_dots(scan, marks, diameter_px, page_width_px, page_height_px):
    """Centres of the four dots on the scan (scan px), or None. The scale is
    taken from the page's width on the scan, not from its resolution tag
    (some tags are wrong: numeric's 300 dpi TIFFs are 211 dpi A4 pages)."""
    g = np.asarray(scan.convert("L"))
    s = scan.size[0] / page_width_px
    d = diameter_px * s
    r = int(35 / 25.4 * 300 * s)  # search 35 mm around the prediction
    # a page of another size (a US letter form on A4 paper) sits centred
    oy = (scan.size[1] - page_height_px * s) / 2
    found = []
    for m in marks:
        px, py = float(m["x_px"]) * s, float(m["y_px"]) * s + oy
        x0, y0 = max(0, int(px) - r), max(0, int(py) - r)
        win = g[y0:int(py) + r, x0:int(px) + r]
        best = None
        for area, cx, cy, w, h in _blobs(win, 128):
            if not (0.7 * d < w < 1.4 * d and 0.7 * d < h < 1.4 * d):
                continue
            if area < 0.6 * np.pi * d * d / 4 or not 0.8 < w / h < 1.25:
                continue
            if not 0.65 < area / (w * h) < 0.9:
                continue  # a disc fills pi/4 of its square; a filled box all of it
            dist = np.hypot(cx + x0 - px, cy + y0 - py)
            if best is None or dist < best[0]:
                best = (dist, cx + x0, cy + y0)
        if best is None:
            return None
        found.append((best[1], best[2]))
    return found


def homography(src, dst):
    A = []
    for (x, y), (u, v) in zip(src, dst):
        A.append([x, y, 1, 0, 0, 0, -u * x, -u * y, -u])
        A.append([0, 0, 0, x, y, 1, -v * x, -v * y, -v])
    _, _, vt = np.linalg.svd(np.array(A, float))
    h = vt[-1].reshape(3, 3)
    return h / h[2, 2]


def scan_blank(scan, page, marks, boxes, inside_labels, draw_label=None):
    """The blank page (PIL 'L', layout size at 300 dpi) made from `scan`, or None."""
    dots = find_dots(scan, marks, float(page["mark_diameter_px"]), float(page["width_px"]),
                     float(page["height_px"]))
    if dots is None:
        return None
    # the four dots are a rectangle: they fit the page upright, turned 180
    # degrees, or mirrored (multiple/image_3.tif is a mirror image of its page).
    # The right one puts the layout's box outlines on the scan's print.
    g = np.asarray(scan.convert("L"), dtype=float)
    src = [(float(m["x_px"]), float(m["y_px"])) for m in marks]
    best = None
    for perm in ((0, 1, 2, 3), (2, 3, 0, 1), (3, 2, 1, 0), (1, 0, 3, 2)):
        hh = homography(src, [dots[i] for i in perm])
        pts = []
        for b in boxes:
            x0, x1, y0, y1 = (float(b[k]) for k in ("xmin_px", "xmax_px", "ymin_px", "ymax_px"))
            for t in np.linspace(0.15, 0.85, 6):
                pts += [(x0 + t * (x1 - x0), y0), (x0 + t * (x1 - x0), y1),
                        (x0, y0 + t * (y1 - y0)), (x1, y0 + t * (y1 - y0))]
        p = np.array(pts).T
        q = hh @ np.vstack([p, np.ones(p.shape[1])])
        qx, qy = q[0] / q[2], q[1] / q[2]
        ok = (qx >= 1) & (qy >= 1) & (qx < g.shape[1] - 1) & (qy < g.shape[0] - 1)
        if not ok.any():
            continue
        xi, yi = qx[ok].astype(int), qy[ok].astype(int)
        # the darkest pixel within one pixel: outlines are thin
        v = np.minimum.reduce([g[yi + dy, xi + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
        score = v.mean()
        if best is None or score < best[0]:
            best = (score, hh, perm)
    h = best[1]
    scan_blank.last_perm = best[2]
    w, ht = int(round(float(page["width_px"]))), int(round(float(page["height_px"])))
    coeffs = tuple((h / h[2, 2]).flatten()[:8])
    im = scan.convert("L").transform((w, ht), Image.PERSPECTIVE, coeffs, Image.BILINEAR, fillcolor=255)
    d = ImageDraw.Draw(im)
    inset = 0.25 / 25.4 * 300
    rects = []
    for b in boxes:
        x0, x1, y0, y1 = (float(b[k]) for k in ("xmin_px", "xmax_px", "ymin_px", "ymax_px"))
        rects.append((int(round(x0 + inset)), int(round(y0 + inset)), int(round(x1 - inset)),
                      int(round(y1 - inset))))
    # a letter printed inside the box: the print of the palest box with the same
    # letter on this page (the one nobody marked) is put back into every box
    patches = {}
    if inside_labels:
        a = np.asarray(im)
        groups = {}
        for b, r in zip(boxes, rects):
            groups.setdefault(b["label"], []).append(r)
        for label, rs in groups.items():
            if not label.strip():
                continue
            w0 = min(r[2] - r[0] for r in rs)
            h0 = min(r[3] - r[1] for r in rs)
            ink = [(a[r[1]:r[1] + h0, r[0]:r[0] + w0] < 128).mean() for r in rs]
            best = rs[int(np.argmin(ink))]
            if len(rs) >= 2 and min(ink) < 0.3:
                patches[label] = im.crop((best[0], best[1], best[0] + w0, best[1] + h0))
            # else: a letter on one box only, or on boxes all marked: nothing
            # to copy it from; it is drawn (DejaVu) from the layout instead
    for b, r in zip(boxes, rects):
        d.rectangle(list(r), fill=255)
    for b, r in zip(boxes, rects):
        if b["label"] in patches:
            im.paste(patches[b["label"]], (r[0], r[1]))
        elif inside_labels and draw_label:
            draw_label(d, b)
    return im
