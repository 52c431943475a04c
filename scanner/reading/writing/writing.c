/*
 * writing.c — writing in a text field, found as strokes (writing.h).
 *
 * The steps, on the field cut out at 8 px/mm:
 *   1. paper: the grey level of blank paper in 6 mm tiles (the 80th
 *      percentile: writing covers far less of a tile than that), joined
 *      bilinearly, so uneven lighting is not ink; a tile whose paper is
 *      nearer the print's black than the page's paper is no paper: the
 *      field is covered, and a person looks;
 *   2. ink: darkness = (paper - grey) / (paper - print black); a piece of ink
 *      needs a core of STRONG darkness and grows through WEAK (hysteresis:
 *      pencil keeps its whole line, noise does not start one);
 *   3. print: what the print mask marks, grown by PRINT_EXTRA_MM, is not ink;
 *   4. lines: long thin straight lines are taken out: a fold, a scratch, a
 *      rule the mask missed; writing they cross stays (lines.c);
 *   5. pieces: 8-connected ink; each one measured (area, outline, second
 *      moments) and called speck, blob, bar or letter stroke;
 *   6. words: letter strokes close on a line are grouped; see writing.h;
 *      a piece whose ink closes round a letter's counter (paper it
 *      encloses) is a word by itself, thin or bled thick.
 * A field with no word is looked at a second time, paler (pale_look):
 * light pencil whose darkest stroke never reaches STRONG, on paper of fine
 * grain, is found at thresholds past what the paper's grain and a thin
 * sheet's show-through reach; a word found so is pale through and through.
 * Every threshold is in millimetres or in darkness, so a 200 dpi and a
 * 300 dpi scan are read alike.
 */
#include "reading/writing/writing.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reading/ocr.h"
#include "reading/writing/lines.h"

#define TILE_MM 6.0          /* paper level measured per tile */
#define STRONG 0.25          /* darkness a piece of ink must reach somewhere */
#define WEAK 0.13            /* darkness a piece of ink grows through */
#define MIN_CONTRAST 60.0    /* paper - black at least this (a washed-out scan) */
#define PRINT_EXTRA_MM 0.3   /* the mask grown by this more: registration */
#define NO_MASK_EDGE_MM 1.0  /* without a mask: the field's outline band */
#define SPECK_MM2 0.15       /* pieces smaller than this are specks */
#define SPECK_MM 0.9         /* or shorter than this */
#define BLOB_STROKE_MM 1.6   /* strokes wider than this are smudges or shadows */
#define BAR_MM 6.0           /* a straight bar this long is not a letter */
#define GROUP_GAP_X_MM 3.0   /* letters of a word: at most this far apart sideways */
#define GROUP_GAP_Y_MM 1.5   /* and this far apart up and down */
#define WORD_MIN_MM 2.0      /* a word at least this wide */
#define CURSIVE_MIN_MM 3.0   /* one joined-up piece: at least this long */
#define CURSIVE_WINDING 1.8  /* and its stroke at least this many times its length */
#define SHORT_WORD_MIN_MM 2.0 /* or, winding SHORT_WORD_WINDING times its length, at least this long */
#define SHORT_WORD_WINDING 2.0
#define COMPACT_WINDING 1.3  /* or, for a compact piece (a short word whose letters */
#define COMPACT_SHAPE 0.4    /* ran together: its short side at least this share of its long), this */
#define WORD_CROSSINGS 3     /* or a line across its middle meets this many of its strokes */
#define MAX_LETTERS 4000     /* more letter strokes than this: plainly writing */
#define SMALL_BLOB_MM 2.0    /* blobs smaller than this may be part of a word */
#define BROKEN_SPREAD_MM 0.2 /* a word in pieces (1-bit scan): its spread across */
#define COUNTER_MIN_MM2 0.1  /* paper a letter's loop encloses (the counter of a, o, e, B) */
#define PALE_COUNTER 4.0     /* times that, enclosed by a pale stroke (a noisy band's holes are pixels) */
#define PALE_STRONG 0.15     /* the pale look (pale_look): its core's darkness at least */
#define PALE_WEAK 0.07       /* what it grows through at least */
#define PALE_NOISE 6.0       /* its core at least this many times the paper's grain */
#define PALE_DARK_SHARE 0.25 /* a pale word: less of its ink than this darker than STRONG */
#define PALE_CORE_MM2 0.3    /* a pale letter stroke's core (strong, not darker than STRONG) at least */
#define PALE_CORE_SHARE 0.08 /* ... and at least this share of its ink (a highlighter's band: 0.03) */
#define PALE_TALL_MM 12.0    /* ... and a letter's height at most (a cup's ring: 21-34 mm) */
enum { INK_PALE = 1, INK_DARK = 2 }; /* ink map: darker than the look's weak, and than STRONG too */

/* ---- 1. paper ---------------------------------------------------------------- */

/* Paper level at pixel (x, y): the tiles' levels joined bilinearly. The
 * weights of a column and of a row are worked out once per field
 * (paper_axis) and joined per pixel (paper_join), in the same float steps
 * as one call per pixel would take. */
typedef struct {
    int i0, i1;  /* the two tiles, clamped to the map */
    float a;     /* weight of i1 */
} paper_axis;

static paper_axis paper_axis_at(int pos, int tile, int n) {
    float f = (pos + 0.5f) / tile - 0.5f;
    int i0 = (int)floorf(f);
    paper_axis out = {i0, i0 + 1, f - i0};
    out.i0 = out.i0 < 0 ? 0 : out.i0 >= n ? n - 1 : out.i0;
    out.i1 = out.i1 < 0 ? 0 : out.i1 >= n ? n - 1 : out.i1;
    return out;
}

typedef struct {
    int nx, ny, tile;
    float *level;     /* nx * ny */
    float top;        /* the lightest tile's level */
    paper_axis *cols; /* each column's two tiles and weight */
    double grain;     /* the paper's noise, grey levels: the tiles' median of
                         1.4826 median absolute deviations (a standard
                         deviation's worth); 0 on a 1-bit scan's paper */
} paper_map;

static void paper_free(paper_map *p) {
    free(p->level);
    free(p->cols);
}

static int paper_measure(const omr_image *crop, int tile, paper_map *out) {
    out->tile = tile;
    out->top = 0;
    out->nx = (crop->width + tile - 1) / tile;
    out->ny = (crop->height + tile - 1) / tile;
    size_t tiles = (size_t)out->nx * (size_t)out->ny;
    out->level = malloc(tiles * sizeof *out->level);
    out->cols = malloc((size_t)crop->width * sizeof *out->cols);
    int *spread = malloc(tiles * sizeof *spread);
    if (!out->level || !out->cols || !spread) {
        free(spread);
        return 0;
    }
    for (int x = 0; x < crop->width; x++)
        out->cols[x] = paper_axis_at(x, tile, out->nx);
    for (int ty = 0; ty < out->ny; ty++)
        for (int tx = 0; tx < out->nx; tx++) {
            int hist[256] = {0}, n = 0;
            for (int y = ty * tile; y < (ty + 1) * tile && y < crop->height; y++)
                for (int x = tx * tile; x < (tx + 1) * tile && x < crop->width; x++) {
                    hist[omr_image_at(crop, x, y)]++;
                    n++;
                }
            int want = n - n * 8 / 10, seen = 0, v = 255; /* 80th percentile from below */
            for (v = 255; v > 0; v--) {
                seen += hist[v];
                if (seen >= want)
                    break;
            }
            out->level[ty * out->nx + tx] = (float)v;
            out->top = (float)v > out->top ? (float)v : out->top;
            int median = 255;
            for (seen = 0; median > 0 && (seen += hist[median]) < n / 2;)
                median--;
            int d = 0; /* the median absolute deviation from it */
            seen = hist[median];
            while (seen < n / 2 && d < 255) {
                d++;
                seen += (median - d >= 0 ? hist[median - d] : 0) + (median + d <= 255 ? hist[median + d] : 0);
            }
            spread[ty * out->nx + tx] = d;
        }
    qsort(spread, tiles, sizeof *spread, omr_cmp_int);
    out->grain = 1.4826 * spread[tiles / 2];
    free(spread);
    return 1;
}

static inline float paper_join(const paper_map *p, paper_axis col, paper_axis row) {
    const float *r0 = p->level + (size_t)row.i0 * p->nx, *r1 = p->level + (size_t)row.i1 * p->nx;
    float top = r0[col.i0] * (1 - col.a) + r0[col.i1] * col.a;
    float bottom = r1[col.i0] * (1 - col.a) + r1[col.i1] * col.a;
    return top * (1 - row.a) + bottom * row.a;
}

/* ---- 3. print ---------------------------------------------------------------- */

/* 1 where the crop shows the blank form's print (grown by `grow` px). */
static uint8_t *print_map(const omr_image *crop, omr_rect crop_mm, const print_mask *mask) {
    int w = crop->width, h = crop->height;
    double s = crop->dpi / 25.4;
    uint8_t *printed = calloc((size_t)w * (size_t)h, 1);
    uint8_t *rows = calloc((size_t)w * (size_t)h, 1);
    if (!printed || !rows) {
        free(printed);
        free(rows);
        return NULL;
    }
    if (!mask || !mask->printed) {
        int edge = (int)ceil(NO_MASK_EDGE_MM * s);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                printed[(size_t)y * w + x] = x < edge || y < edge || x >= w - edge || y >= h - edge;
        free(rows);
        return printed;
    }
    /* the mask cell of each column, once */
    int *cell_x = malloc((size_t)w * sizeof *cell_x);
    if (!cell_x) {
        free(printed);
        free(rows);
        return NULL;
    }
    for (int x = 0; x < w; x++)
        cell_x[x] = (int)floor((crop_mm.x + (x + 0.5) / s) / mask->pitch);
    for (int y = 0; y < h; y++) {
        int my = (int)floor((crop_mm.y + (y + 0.5) / s) / mask->pitch);
        if (my < 0 || my >= mask->height)
            continue;
        const uint8_t *mrow = mask->printed + (size_t)my * (size_t)mask->width;
        for (int x = 0; x < w; x++) {
            int mx = cell_x[x];
            if (mx >= 0 && mx < mask->width)
                rows[(size_t)y * w + x] = mrow[mx];
        }
    }
    free(cell_x);
    /* grown by PRINT_EXTRA_MM: along rows into `printed`, then along columns */
    int grow = (int)lround(PRINT_EXTRA_MM * s);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (rows[(size_t)y * w + x])
                for (int k = x - grow < 0 ? 0 : x - grow; k <= x + grow && k < w; k++)
                    printed[(size_t)y * w + k] = 1;
    memcpy(rows, printed, (size_t)w * (size_t)h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (rows[(size_t)y * w + x])
                for (int k = y - grow < 0 ? 0 : y - grow; k <= y + grow && k < h; k++)
                    printed[(size_t)k * w + x] = 1;
    free(rows);
    return printed;
}

/* ---- 5. pieces ----------------------------------------------------------------- */

typedef enum { PIECE_SPECK, PIECE_BLOB, PIECE_BAR, PIECE_LETTER } piece_kind;

typedef struct {
    int x0, y0, x1, y1;  /* bounding box, px */
    long n, boundary;    /* pixels, pixels on its outline */
    int strong;          /* reaches the look's strong darkness */
    long dark;           /* pixels darker than STRONG (a pale look's piece: few) */
    long pale_core;      /* pixels of its strong core no darker than STRONG */
    double sx, sy, sxx, syy, sxy;
    piece_kind kind;
    int curved;
    double winding;      /* stroke length over the piece's longest side */
    double solidity;     /* pixels over its convex hull's area (1: no notch) */
    int group;
} piece;

/* Calls the piece what it is; s is px per mm. */
static void piece_classify(piece *p, double s) {
    double n = (double)p->n, mx = p->sx / n, my = p->sy / n;
    double cxx = p->sxx / n - mx * mx, cyy = p->syy / n - my * my, cxy = p->sxy / n - mx * my;
    double tr = cxx + cyy, det = cxx * cyy - cxy * cxy;
    double disc = sqrt(fmax(tr * tr / 4 - det, 0));
    double major = sqrt(fmax(tr / 2 + disc, 0)) / s, minor = sqrt(fmax(tr / 2 - disc, 0)) / s;
    double area = n / (s * s);
    double wide = (p->x1 - p->x0 + 1) / s, tall = (p->y1 - p->y0 + 1) / s;
    double longest = wide > tall ? wide : tall;
    double stroke = p->boundary ? 2.0 * n / (s * (double)p->boundary) : longest;
    double length = 3.46 * major; /* a bar's length from its spread */
    /* a straight bar is as wide across as its stroke; a letter's curve or
     * a second stroke spreads it well beyond */
    p->curved = 3.46 * minor > 1.6 * stroke + 0.1;
    p->winding = longest > 0 ? area / stroke / longest : 0;
    if (area < SPECK_MM2 || longest < SPECK_MM)
        p->kind = PIECE_SPECK;
    else if (stroke > BLOB_STROKE_MM ||
             (major < 2 * minor && stroke > 1.6 * minor && n > 0.65 * wide * tall * s * s))
        p->kind = PIECE_BLOB; /* a filled dot, a smudge, a shadow (not a heavy, round letter) */
    else if ((!p->curved && length >= BAR_MM) || (length >= 40 && minor < 1.0))
        p->kind = PIECE_BAR;  /* a rule, a fold's piece, a staple, a scratch */
    else
        p->kind = PIECE_LETTER;
}

/* A solid piece of a short word's size, as a harsh 1-bit scan bleeds one
 * into a single blob: reaching STRONG, WORD_MIN_MM to BLED_WORD_WIDE_MAX_MM
 * wide, as tall as handwriting's letters (1.2-8 mm) and filling half its
 * box at least. Only such a piece may be a bled word (bled_word,
 * notched_word), so only such a piece has its solidity measured
 * (find_pieces). Large writing bleeds large: fresh seed 8440 --folds
 * --warp 1, 8T4EEEE7, "No" in letters 6.7 mm tall in the corner of a
 * speckled 200-dpi 1-bit comment field, one piece 6.8 x 6.7 mm notched
 * between its letters (solidity 0.77), past the 6 mm these bounds were,
 * missed silently. */
#define BLED_WORD_TALL_MIN_MM 1.2
#define BLED_WORD_TALL_MAX_MM 8.0
#define BLED_WORD_WIDE_MAX_MM 12.0
static int solid_word_box(int x0, int y0, int x1, int y1, long n, int strong, double s) {
    double wide = (x1 - x0 + 1) / s, tall = (y1 - y0 + 1) / s;
    return strong && wide >= WORD_MIN_MM && wide < BLED_WORD_WIDE_MAX_MM && tall >= BLED_WORD_TALL_MIN_MM &&
           tall <= BLED_WORD_TALL_MAX_MM && (double)n >= 0.5 * wide * tall * s * s;
}

static int solid_word_sized(const piece *p, double s) {
    return solid_word_box(p->x0, p->y0, p->x1, p->y1, p->n, p->strong, s);
}

/* Twice the signed area of triangle o, a, b (> 0: a left turn). */
static long turn(const int *o, const int *a, const int *b) {
    return (long)(a[0] - o[0]) * (b[1] - o[1]) - (long)(a[1] - o[1]) * (b[0] - o[0]);
}

/* The piece's pixels (labelled `id`) over the pixels a convex piece with
 * the same hull would hold: the hull of its pixel centres (Andrew's
 * monotone chain over each row's two ends), and by Pick's theorem about
 * area + perimeter / 2 + 1 pixels within it. A filled dot or a punched hole
 * of 2-6 mm comes to 0.93-0.98 (a digital disc loses a little on its
 * staircase); a short word bled into one piece keeps notches between its
 * letters and comes lower. 1 when out of memory (no notch claimed). */
static double piece_solidity(const piece *p, const int *label, int id, int w) {
    int rows = p->y1 - p->y0 + 1, np = 0;
    int (*pt)[2] = malloc((size_t)rows * 2 * sizeof *pt), (*hull)[2] = malloc(((size_t)rows * 4 + 1) * sizeof *hull);
    if (!pt || !hull) {
        free(pt);
        free(hull);
        return 1;
    }
    /* each row's left end, then (after them) each row's right end */
    for (int y = p->y0; y <= p->y1; y++)
        for (int x = p->x0; x <= p->x1; x++)
            if (label[(size_t)y * w + x] == id) {
                pt[np][0] = x, pt[np++][1] = y;
                break;
            }
    int lefts = np;
    for (int y = p->y0; y <= p->y1; y++)
        for (int x = p->x1; x >= p->x0; x--)
            if (label[(size_t)y * w + x] == id) {
                pt[np][0] = x, pt[np++][1] = y;
                break;
            }
    assert(np == 2 * lefts && lefts >= 1);
    /* by x, then y (insertion sort: a hundred points or so) */
    for (int i = 1; i < np; i++)
        for (int j = i; j > 0 && (pt[j][0] < pt[j - 1][0] || (pt[j][0] == pt[j - 1][0] && pt[j][1] < pt[j - 1][1]));
             j--) {
            int t0 = pt[j][0], t1 = pt[j][1];
            pt[j][0] = pt[j - 1][0], pt[j][1] = pt[j - 1][1];
            pt[j - 1][0] = t0, pt[j - 1][1] = t1;
        }
    int k = 0;
    for (int i = 0; i < np; i++) {
        while (k >= 2 && turn(hull[k - 2], hull[k - 1], pt[i]) <= 0)
            k--;
        hull[k][0] = pt[i][0], hull[k++][1] = pt[i][1];
    }
    for (int i = np - 2, lower = k + 1; i >= 0; i--) {
        while (k >= lower && turn(hull[k - 2], hull[k - 1], pt[i]) <= 0)
            k--;
        hull[k][0] = pt[i][0], hull[k++][1] = pt[i][1];
    }
    /* hull[k - 1] is hull[0] again */
    long twice = 0;
    double perimeter = 0;
    for (int i = 0; i + 1 < k; i++) {
        twice += (long)hull[i][0] * hull[i + 1][1] - (long)hull[i + 1][0] * hull[i][1];
        perimeter += hypot(hull[i + 1][0] - hull[i][0], hull[i + 1][1] - hull[i][1]);
    }
    free(pt);
    free(hull);
    double convex = fabs((double)twice) / 2 + perimeter / 2 + 1;
    return fmin(1.0, (double)p->n / convex);
}

/* Labels the 8-connected pieces of `ink` that reach the strong darkness
 * somewhere, or every piece when `keep_faint` (a pale look's: a word's
 * faintest letters join one with a core); s is px per mm (the solidity of
 * a solid piece of a word's size is measured). */
static piece *find_pieces(const uint8_t *ink, const uint8_t *strong, int w, int h, double s, int keep_faint,
                          size_t *count) {
    *count = 0;
    int *label = malloc((size_t)w * (size_t)h * sizeof *label);
    size_t *stack = malloc((size_t)w * (size_t)h * sizeof *stack);
    piece *pieces = NULL;
    size_t n = 0, cap = 0;
    if (!label || !stack) {
        free(label);
        free(stack);
        return NULL;
    }
    memset(label, 0xff, (size_t)w * (size_t)h * sizeof *label);
    int failed = 0;
    for (int y = 0; y < h && !failed; y++)
        for (int x = 0; x < w && !failed; x++) {
            size_t at = (size_t)y * w + x;
            if (!ink[at] || label[at] >= 0)
                continue;
            piece p = {x, y, x, y, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, PIECE_SPECK, 0, 0, 1, -1};
            size_t top = 0;
            stack[top++] = at;
            label[at] = (int)n;
            while (top) {
                size_t i = stack[--top];
                int px = (int)(i % (size_t)w), py = (int)(i / (size_t)w);
                p.n++;
                p.strong |= strong[i];
                p.dark += ink[i] == INK_DARK;
                p.pale_core += strong[i] && ink[i] == INK_PALE;
                p.sx += px;
                p.sy += py;
                p.sxx += (double)px * px;
                p.syy += (double)py * py;
                p.sxy += (double)px * py;
                p.x0 = px < p.x0 ? px : p.x0;
                p.x1 = px > p.x1 ? px : p.x1;
                p.y0 = py < p.y0 ? py : p.y0;
                p.y1 = py > p.y1 ? py : p.y1;
                int edge = px == 0 || py == 0 || px == w - 1 || py == h - 1 || !ink[i - 1] || !ink[i + 1] ||
                           !ink[i - (size_t)w] || !ink[i + (size_t)w];
                p.boundary += edge;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int qx = px + dx, qy = py + dy;
                        if (qx < 0 || qy < 0 || qx >= w || qy >= h)
                            continue;
                        size_t j = (size_t)qy * w + qx;
                        if (ink[j] && label[j] < 0) {
                            label[j] = (int)n;
                            stack[top++] = j;
                        }
                    }
            }
            if (!p.strong && !keep_faint)
                continue; /* faint all over: paper texture, a shadow's edge */
            if (solid_word_sized(&p, s))
                p.solidity = piece_solidity(&p, label, (int)n, w);
            if (!omr_grow_array((void **)&pieces, &cap, n + 1, sizeof *pieces)) {
                failed = 1;
                break;
            }
            pieces[n++] = p;
        }
    free(label);
    free(stack);
    if (failed) {
        free(pieces);
        return NULL;
    }
    *count = n;
    return pieces ? pieces : calloc(1, sizeof *pieces);
}

/* ---- 6. words ------------------------------------------------------------------ */

static int group_root(piece *p, int i) {
    while (p[i].group != i) {
        p[i].group = p[p[i].group].group;
        i = p[i].group;
    }
    return i;
}

static double gap_between(int a0, int a1, int b0, int b1) {
    if (a1 < b0)
        return b0 - a1 - 1;
    if (b1 < a0)
        return a0 - b1 - 1;
    return 0;
}

/* The largest paper the piece encloses, px: inside its box, the pixels
 * without ink that paper round the box cannot reach (4-connected), one
 * enclosed region at a time, counted only when at least half its rim is the
 * STRONG core of ink (a pen's line; the noisy band of a pale shadow encloses
 * bits of paper between faint pixels), or when it holds `pale_ok` pixels or
 * more (0: never; a pale pencil's loop, far larger than a noisy band's
 * holes). A letter's loop (the counter of a, o,
 * e, d, B) is one such region, also when a harsh scan has bled the letters of
 * a word into one thick piece; a speck, a filled dot, a tick or a bar
 * encloses none, a smudge's white specks are a pixel each. Returns -1 when
 * out of memory. */
static long enclosed_paper(const uint8_t *ink, const uint8_t *strong, int w, const piece *p, long pale_ok) {
    assert(p->x0 >= 0 && p->y0 >= 0 && p->x0 <= p->x1 && p->y0 <= p->y1 && p->x1 < w);
    int bw = p->x1 - p->x0 + 3, bh = p->y1 - p->y0 + 3; /* the box with a ring of paper */
    size_t nb = (size_t)bw * (size_t)bh;
    uint8_t *seen = malloc(nb); /* 0 paper not reached yet, 1 ink, 2 paper reached */
    size_t *stack = malloc(nb * sizeof *stack);
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return -1;
    }
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            int inside = x > 0 && y > 0 && x < bw - 1 && y < bh - 1;
            seen[(size_t)y * bw + x] = inside && ink[(size_t)(p->y0 + y - 1) * w + (p->x0 + x - 1)];
        }
    /* the paper outside first (from the ring's corner), then each enclosed region */
    assert(!seen[0]);
    long largest = 0;
    for (size_t start = 0; start < nb; start++) {
        if (seen[start])
            continue;
        long size = 0, rim = 0, rim_strong = 0;
        size_t top = 0;
        seen[start] = 2;
        stack[top++] = start;
        while (top) {
            size_t i = stack[--top];
            size++;
            int x = (int)(i % (size_t)bw), y = (int)(i / (size_t)bw);
            const int dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
            for (int k = 0; k < 4; k++) {
                int qx = x + dx[k], qy = y + dy[k];
                if (qx < 0 || qy < 0 || qx >= bw || qy >= bh)
                    continue;
                size_t j = (size_t)qy * bw + qx;
                if (seen[j] == 1) {
                    rim++;
                    rim_strong += strong[(size_t)(p->y0 + qy - 1) * w + (p->x0 + qx - 1)];
                } else if (!seen[j]) {
                    seen[j] = 2;
                    stack[top++] = j;
                }
            }
        }
        /* region 0 is the paper round the piece; a pale rim (a light
         * pencil's line) counts for a counter PALE_COUNTER times the least */
        if (start > 0 && (2 * rim_strong >= rim || (pale_ok && size >= pale_ok)))
            largest = size > largest ? size : largest;
    }
    free(seen);
    free(stack);
    return largest;
}

/* How many strokes a line across the middle of the piece meets: the median,
 * over the rows of its middle half, of the runs of its STRONG core (a pen's
 * line, not the noisy band of a pale shadow) along the row inside its box,
 * each at least MIN_RUN px. Handwriting's letters stand on repeated
 * downstrokes (n, m, u two or three, o and a two sides): a short word
 * joined into one piece crosses its middle three times and more; an arc, a
 * tick or a bar once or twice. */
#define MIN_RUN 2
static int middle_crossings(const uint8_t *strong, int w, const piece *p) {
    int tall = p->y1 - p->y0 + 1;
    int from = p->y0 + tall / 4, to = p->y1 - tall / 4;
    int counts[256], n = 0;
    for (int y = from; y <= to && n < 256; y++) {
        int runs = 0, in = 0;
        for (int x = p->x0; x <= p->x1; x++) {
            int on = strong[(size_t)y * (size_t)w + (size_t)x] != 0;
            in = on ? in + 1 : 0;
            runs += in == MIN_RUN;
        }
        counts[n++] = runs;
    }
    qsort(counts, (size_t)n, sizeof *counts, omr_cmp_int);
    return n ? counts[n / 2] : 0;
}

/* A blob shaped like a short word bled shut (seed 7801 FA3H27G2: "no."
 * written in a 200-dpi 1-bit comment field, one solid piece 3.9 x 2.4 mm
 * whose o kept a hole of a few pixels): a solid piece of a word's size,
 * 1.4 times as wide as tall. A filled dot or a punched hole is round, a
 * fold's shadow or a staple long; a smudge this shape goes to a person,
 * who reads what is there. */
#define BLED_WORD_ASPECT 1.4
static int bled_word(const piece *p, double s) {
    double wide = (p->x1 - p->x0 + 1) / s, tall = (p->y1 - p->y0 + 1) / s;
    return solid_word_sized(p, s) && wide >= BLED_WORD_ASPECT * tall;
}

/* A short word bled letter by letter (fresh seed 8381 7USZTFAM: "no."
 * written small in a 200-dpi 1-bit comment field, n and o each bled into
 * a solid blob 1.5-1.9 mm, 0.2 mm apart: no letter stroke, no piece a
 * word's width, missed silently): blobs side by side that together are
 * what bled_word asks of one piece (their box a word's size, half filled,
 * 1.4 times as wide as tall), standing as close as a word's letters: the
 * blobs' widths span BLED_LETTERS_SPAN of their box at least (there 0.95).
 * Filled dots dropped a dot's width apart span less; one dot is no group. */
#define BLED_LETTERS_SPAN 0.75
static int bled_letters(int blobs, int blob_px_wide, int x0, int y0, int x1, int y1, long n, int strong, double s) {
    double wide = (x1 - x0 + 1) / s, tall = (y1 - y0 + 1) / s;
    return blobs >= 2 && blob_px_wide >= BLED_LETTERS_SPAN * (x1 - x0 + 1) &&
           solid_word_box(x0, y0, x1, y1, n, strong, s) && wide >= BLED_WORD_ASPECT * tall;
}

/* A short word bled into one piece too squat for bled_word (seed 8303
 * M278SWMD: "Ja" in a corner of a 204-dpi fax's comment field, one piece
 * 3.8 x 3.1 mm, no counter left): a solid piece of a word's size notched
 * where its letters meet (solidity below NOTCHED_SOLIDITY; that piece
 * 0.87). A filled dot or a punched hole of its size is convex (0.93 and
 * up); a blot this irregular goes to a person, who reads what is there. */
#define NOTCHED_SOLIDITY 0.9
static int notched_word(const piece *p, double s) {
    return solid_word_sized(p, s) && p->solidity < NOTCHED_SOLIDITY;
}

/* A letter by itself: a curved, winding piece at least a word's least width
 * long whose ink closes round a letter's counter. What a harsh 1-bit
 * scan keeps of a short word: "Ja" with the thin J broken into specks keeps
 * the a (fresh seeds 6833 V9EY8MPT, 6029 W4D84A4F); "Bra" bled into one
 * piece too thick for a stroke keeps the a's counter, small because the
 * bleed has grown into it (6833 B8FMN245: 8 px). Specks, a tick, a bar, a
 * filled dot, a smudge, a shadow and crossing folds (their pale shadows'
 * noise is no pen line) close none. Out of memory: yes, a person looks. */
static int letter_loop(const piece *p, const uint8_t *ink, const uint8_t *strong, int w, double s) {
    double wide = p->x1 - p->x0 + 1, tall = p->y1 - p->y0 + 1;
    if (!p->curved || fmax(wide, tall) < WORD_MIN_MM * s || p->winding < COMPACT_WINDING)
        return 0;
    /* a letter stroke's loop may be pale (a light pencil's "a", seed 8305
     * EHXD3Y55, STRONG nowhere on its rim); a blob's (a shadow, a smudge)
     * must be a pen's line */
    long pale_ok = p->kind == PIECE_LETTER ? (long)ceil(PALE_COUNTER * COUNTER_MIN_MM2 * s * s) : 0;
    long held = enclosed_paper(ink, strong, w, p, pale_ok);
    if (held < 0)
        return 1;
    return held >= COUNTER_MIN_MM2 * s * s;
}

/* A letter stroke of the pale look with a pale core: one of PALE_CORE_MM2
 * and more, the middle of the stroke (PALE_CORE_SHARE of its ink at least),
 * in a piece no taller than a letter. A light pencil's "Ja" (fresh seed
 * 9148 N9AUP4TW: 3.1 x 2.0 mm, 0.19 of it core) is one; so were, before
 * these bounds, a highlighter's band across a comment field (make_variants'
 * `highlighter`, base 4921 HNYJ3G8X: one piece 24.9 x 5.1 mm whose core was
 * 0.03 of it, the grain of a uniform tint) and the arc of a cup's ring
 * (`coffee_ring`, HNYJ3G8X and X84VUU27: pieces 45 x 21 and 56 x 34 mm),
 * each sent for transcription. */
static int pale_letter_core(const piece *p, double s) {
    return p->kind == PIECE_LETTER && p->pale_core >= PALE_CORE_MM2 * s * s &&
           (double)p->pale_core >= PALE_CORE_SHARE * (double)p->n && p->y1 - p->y0 + 1 <= PALE_TALL_MM * s;
}

/* Groups the letter strokes into words (counted in out->words, where_mm
 * round them). On the pale look (`pale`) pieces may be faint all over: a
 * word there holds a letter stroke with a pale core (pale_letter_core; a
 * dust speck on a faint stroke has a dark core, and a pale rim round it of
 * a few pixels), and is pale: under PALE_DARK_SHARE of its ink darker than
 * STRONG (what is darker the first look saw, and found no word in). Words
 * a harsh 1-bit scan broke up or bled shut are not looked for there: what
 * a grey fold's band leaves at the pale look's thresholds is pieces along
 * it (fresh seeds 8531 F38RYJWN, 8551 5727HUQZ, KH7295CN, UTD2WE75: 3-18
 * pieces 1.1-1.5 mm across down a vertical fold, taken for a word). */
static void find_words(piece *pieces, size_t n, double s, omr_rect crop_mm, const uint8_t *ink,
                       const uint8_t *strong, int w, int pale, writing_evidence *out) {
    size_t *letters = malloc((n ? n : 1) * sizeof *letters);
    size_t nl = 0;
    if (!letters) {
        out->words = out->letters = (int)n; /* cannot group: count every piece as evidence */
        return;
    }
    /* letter strokes, and small blobs beside them (a heavy dot, a letter
     * the scanner's threshold left in pieces) take part in a word */
    for (size_t i = 0; i < n; i++) {
        pieces[i].group = (int)i;
        int small = (pieces[i].x1 - pieces[i].x0 + 1) < SMALL_BLOB_MM * s &&
                    (pieces[i].y1 - pieces[i].y0 + 1) < SMALL_BLOB_MM * s;
        if (pieces[i].kind == PIECE_LETTER || (pieces[i].kind == PIECE_BLOB && small))
            letters[nl++] = i;
        out->letters += pieces[i].kind == PIECE_LETTER;
    }
    if ((size_t)out->letters > MAX_LETTERS) {
        out->words = 1;
        out->where_mm = crop_mm;
        free(letters);
        return;
    }
    double gx = GROUP_GAP_X_MM * s, gy = GROUP_GAP_Y_MM * s;
    for (size_t i = 0; i < nl; i++)
        for (size_t j = i + 1; j < nl; j++) {
            const piece *a = &pieces[letters[i]], *b = &pieces[letters[j]];
            if (gap_between(a->x0, a->x1, b->x0, b->x1) <= gx && gap_between(a->y0, a->y1, b->y0, b->y1) <= gy) {
                int ra = group_root(pieces, (int)letters[i]), rb = group_root(pieces, (int)letters[j]);
                if (ra != rb)
                    pieces[ra > rb ? ra : rb].group = ra < rb ? ra : rb;
            }
        }
    double wx0 = 1e9, wy0 = 1e9, wx1 = -1e9, wy1 = -1e9;
    for (size_t i = 0; i < nl; i++) {
        int root = group_root(pieces, (int)letters[i]);
        if (root != (int)letters[i])
            continue;
        /* one group: its members, their box, how many are curved */
        int members = 0, strokes = 0, curved = 0, cursive = 0, blobs = 0, blob_px_wide = 0, bold = 0;
        int stroke_core = 0; /* a letter stroke with a pale core */
        long dark = 0;
        int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
        double gn = 0, gx = 0, gy = 0, gxx = 0, gyy = 0, gxy = 0;
        for (size_t j = 0; j < nl; j++) {
            piece *p = &pieces[letters[j]];
            if (group_root(pieces, (int)letters[j]) != root)
                continue;
            members++;
            strokes += p->kind == PIECE_LETTER;
            blobs += p->kind == PIECE_BLOB;
            blob_px_wide += p->kind == PIECE_BLOB ? p->x1 - p->x0 + 1 : 0;
            bold |= p->strong;
            stroke_core |= pale_letter_core(p, s);
            dark += p->dark;
            curved += p->curved && p->kind == PIECE_LETTER;
            gn += (double)p->n;
            gx += p->sx;
            gy += p->sy;
            gxx += p->sxx;
            gyy += p->syy;
            gxy += p->sxy;
            double longest = (p->x1 - p->x0 > p->y1 - p->y0 ? p->x1 - p->x0 : p->y1 - p->y0) + 1;
            double shortest = (p->x1 - p->x0 < p->y1 - p->y0 ? p->x1 - p->x0 : p->y1 - p->y0) + 1;
            /* ... or a short word's letters run together small, a stroke
             * winding on itself (fresh seed 8331 5E7X3FQZ: "Nej." in pale
             * pencil, its N too pale to be ink, "ej" one piece 2.9 mm long
             * winding 2.8 times that: missed, silently) */
            cursive |= p->curved && longest >= SHORT_WORD_MIN_MM * s && p->winding >= SHORT_WORD_WINDING;
            cursive |= p->curved && longest >= CURSIVE_MIN_MM * s &&
                       (p->winding >= CURSIVE_WINDING ||
                        (p->winding >= COMPACT_WINDING && shortest >= COMPACT_SHAPE * longest) ||
                        (p->winding >= COMPACT_WINDING && middle_crossings(strong, w, p) >= WORD_CROSSINGS));
            x0 = p->x0 < x0 ? p->x0 : x0;
            y0 = p->y0 < y0 ? p->y0 : y0;
            x1 = p->x1 > x1 ? p->x1 : x1;
            y1 = p->y1 > y1 ? p->y1 : y1;
        }
        if (pale && (!stroke_core || (double)dark >= PALE_DARK_SHARE * gn))
            continue;
        /* the group's own spread across its long axis: pieces of one
         * straight line (a broken fold) have none */
        double mx = gx / gn, my = gy / gn, cxx = gxx / gn - mx * mx, cyy = gyy / gn - my * my,
               cxy = gxy / gn - mx * my;
        double tr = cxx + cyy, det = cxx * cyy - cxy * cxy;
        double minor = sqrt(fmax(tr / 2 - sqrt(fmax(tr * tr / 4 - det, 0)), 0)) / s;
        int word = (strokes >= 2 && curved >= 1 && (x1 - x0 + 1) >= WORD_MIN_MM * s) || cursive ||
                   (strokes >= 2 && members >= 3 && minor >= BROKEN_SPREAD_MM && !pale) ||
                   (strokes == 0 && !pale && bled_letters(blobs, blob_px_wide, x0, y0, x1, y1, (long)gn, bold, s));
        for (size_t j = 0; j < nl && !word; j++)
            word = pieces[letters[j]].kind == PIECE_LETTER && group_root(pieces, (int)letters[j]) == root &&
                   letter_loop(&pieces[letters[j]], ink, strong, w, s);
        if (!word)
            continue;
        out->words++;
        wx0 = fmin(wx0, x0);
        wy0 = fmin(wy0, y0);
        wx1 = fmax(wx1, x1 + 1);
        wy1 = fmax(wy1, y1 + 1);
    }
    /* a piece too thick for a stroke that holds a letter's loop: a short
     * word a harsh scan bled into one (a filled dot, a smudge, a shadow
     * hold no paper); or one bled shut, its loops gone, as wide as a word
     * and as tall as its letters. A word bled only so far keeps strokes
     * thin enough for a letter's, and still fills its box half and more
     * (fresh seed 8502 --warp 1.3, 24ZV3XT8: "no." written small in the
     * corner of a harsh 200-dpi comment field, "no" one piece 3.3 x 1.9
     * mm, 71% of its box, taken for one letter stroke, not curved, and
     * missed silently): such a letter piece is asked the same. Words bled
     * shut are a harsh scan's: a pale look's blob is a shadow or a smudge. */
    for (size_t i = 0; i < n && !pale; i++) {
        const piece *p = &pieces[i];
        assert(p->strong);
        int bled = p->kind == PIECE_BLOB && letter_loop(p, ink, strong, w, s);
        bled |= (p->kind == PIECE_BLOB || p->kind == PIECE_LETTER) && (bled_word(p, s) || notched_word(p, s));
        if (!bled)
            continue;
        out->words++;
        wx0 = fmin(wx0, p->x0);
        wy0 = fmin(wy0, p->y0);
        wx1 = fmax(wx1, p->x1 + 1);
        wy1 = fmax(wy1, p->y1 + 1);
    }
    if (out->words)
        out->where_mm = (omr_rect){crop_mm.x + wx0 / s, crop_mm.y + wy0 / s, (wx1 - wx0) / s, (wy1 - wy0) / s};
    free(letters);
}

/* ---- the field --------------------------------------------------------------- */

/* 0: does the field's paper show? A whole tile (TILE_MM square) whose paper
 * level is darker than halfway from the page's paper to its print is no
 * paper: a fold's panel a harsh 1-bit scanner turned black, a shadow or a
 * dark sheet over the field (seed 8444 --folds --warp 2.5: SM6NQKC5's comment
 * under a black panel, empty and unflagged once its page was placed). Ink
 * there cannot be seen, so a person looks. Writing covers far less than the
 * 80% of a tile that sets its level; a scribble that black is for a person
 * too. */
static int paper_hidden(const paper_map *paper, int w, int h, double white, double black) {
    double halfway = (white + black) / 2;
    for (int ty = 0; ty < paper->ny; ty++)
        for (int tx = 0; tx < paper->nx; tx++)
            if ((tx + 1) * paper->tile <= w && (ty + 1) * paper->tile <= h &&
                paper->level[ty * paper->nx + tx] < halfway)
                return 1;
    return 0;
}

/* 2, 3: ink that is not print, at one look's thresholds: ink[i] is 0, or
 * INK_PALE, or INK_DARK beyond STRONG (whatever the look); strong[i] 1
 * beyond the look's `strong`. Darkness d = (white - grey) / contrast with
 * contrast >= MIN_CONTRAST > 0; where white - grey is below `skip` (0.01
 * under the look's weak darkness) of the contrast d is below weak for
 * certain (a quotient is rounded once: it stays below skip + 1 ulp), so the
 * division is made only for pixels near or above it, and never on print:
 * the same ink as dividing at every pixel, for most of the page's paper
 * skipped. Returns how many pixels are strong. */
static size_t mark_ink(const omr_image *crop, const paper_map *paper, const uint8_t *printed, double black,
                       double strong_at, double weak_at, uint8_t *ink, uint8_t *strong) {
    int w = crop->width, h = crop->height;
    double skip = weak_at - 0.01;
    /* the paper level is a weighted mean of tile levels, never above the
     * highest (float rounding adds well under 0.01): a pixel `below` grey
     * levels or less below that is short of `skip` of any contrast (>= 60)
     * and skipped below anyway; most of a field is such paper, so it is
     * passed over before the join and the division */
    float top = paper->top;
    int below = (int)floor(skip * MIN_CONTRAST - 0.02);
    assert(below >= 0 && below + 0.01 < skip * MIN_CONTRAST);
    int lightest_ink = (int)ceilf(top) - below; /* grey >= this: not ink for certain */
    size_t n_strong = 0;
    memset(ink, 0, (size_t)w * (size_t)h);
    memset(strong, 0, (size_t)w * (size_t)h);
    for (int y = 0; y < h; y++) {
        paper_axis row = paper_axis_at(y, paper->tile, paper->ny);
        const uint8_t *grey = crop->pixels + (size_t)y * crop->stride;
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (grey[x] >= lightest_ink || printed[i])
                continue;
            double white = paper_join(paper, paper->cols[x], row);
            double dark = white - grey[x], range = white - black;
            double contrast = range > MIN_CONTRAST ? range : MIN_CONTRAST; /* fmax, inline: no NaN here */
            if (dark < skip * contrast)
                continue;
            double d = dark / contrast;
            ink[i] = d > weak_at ? (d > STRONG ? INK_DARK : INK_PALE) : 0;
            strong[i] = ink[i] && d > strong_at;
            n_strong += strong[i];
        }
    }
    return n_strong;
}

/* 4-6: one look's ink (mark_ink's) read into pieces and words; `pale`: the
 * pale look (pale_look), whose letters need not each reach its strong
 * darkness, and whose words are pale. 0, or -1 when out of memory. */
static int read_strokes(uint8_t *ink, uint8_t *strong, int w, int h, double s, omr_rect crop_mm, int pale,
                        writing_evidence *out) {
    /* 4: lines out (left to right, then top to bottom); then pale lines,
     * chained from all the ink: a fold's crease a grey scan shows as a pale
     * line, no dark core along it, and writing that touches it was one piece
     * with it, a bar 57 mm long (fresh seed 8511 --folds --warp 1.2,
     * XMDAWKPR: "ja" in pencil on the vertical crease through the comment
     * field, missed silently). Pale after dark, so a dark line's shadow goes
     * with it first. */
    int removed = 0;
    for (int pass = 0; pass < 4 && removed >= 0; pass++) {
        int lines = writing_remove_lines(ink, strong, w, h, pass % 2, pass / 2, s);
        removed = lines < 0 ? -1 : removed + lines;
    }
    size_t n_pieces = 0;
    piece *pieces = removed >= 0 ? find_pieces(ink, strong, w, h, s, pale, &n_pieces) : NULL;
    if (!pieces)
        return -1;
    out->lines_removed = removed;
    double letter_px = 0;
    for (size_t i = 0; i < n_pieces; i++) {
        piece_classify(&pieces[i], s);
        if (pieces[i].kind == PIECE_LETTER)
            letter_px += (double)pieces[i].n;
    }
    if (!pale)
        out->letter_share = letter_px / ((double)w * (double)h);
    find_words(pieces, n_pieces, s, crop_mm, ink, strong, w, pale, out);
    free(pieces);
    return 0;
}

/* The pale look's thresholds, or 0 when there is none to take: light pencil
 * (fresh seed 9148, N9AUP4TW: "Ja", its a 0.21 dark at most, its J 0.11,
 * nothing the first look keeps, missed silently) stands clear of paper
 * whose grain is fine. Its core needs PALE_STRONG, past the 5-14% a thin
 * sheet shows of its other side, and PALE_NOISE times the paper's grain;
 * it grows through PALE_WEAK, or half that many times the grain. Paper as
 * grainy as that leaves nothing between the two looks. */
static int pale_look(const paper_map *paper, double black, double *strong_at, double *weak_at) {
    double contrast = fmax(paper->top - black, MIN_CONTRAST);
    *strong_at = fmax(PALE_STRONG, PALE_NOISE * paper->grain / contrast);
    *weak_at = fmax(PALE_WEAK, PALE_NOISE / 2 * paper->grain / contrast);
    return *strong_at < STRONG && *weak_at < WEAK;
}

int writing_find(const omr_image *crop, omr_rect crop_mm, double white, double black, const print_mask *mask,
                 double share_min, writing_evidence *out, omr_error *err) {
    assert(crop && crop->width > 0 && crop->height > 0 && crop->dpi > 0 && out);
    memset(out, 0, sizeof *out);
    int w = crop->width, h = crop->height;
    double s = crop->dpi / 25.4;
    size_t npx = (size_t)w * (size_t)h;
    paper_map paper = {0};
    uint8_t *ink = malloc(npx), *strong = malloc(npx);
    uint8_t *printed = print_map(crop, crop_mm, mask);
    int tile = (int)lround(TILE_MM * s);
    if (!ink || !strong || !printed || !paper_measure(crop, tile > 0 ? tile : 1, &paper)) {
        free(ink);
        free(strong);
        free(printed);
        paper_free(&paper);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory looking for writing in a text field");
    }
    out->covered = paper_hidden(&paper, w, h, white, black);
    int rc = 0;
    if (mark_ink(crop, &paper, printed, black, STRONG, WEAK, ink, strong) > 0)
        rc = read_strokes(ink, strong, w, h, s, crop_mm, 0, out);
    double strong_at, weak_at;
    if (rc == 0 && !out->covered && out->words == 0 && out->letter_share <= share_min &&
        pale_look(&paper, black, &strong_at, &weak_at) &&
        mark_ink(crop, &paper, printed, black, strong_at, weak_at, ink, strong) > 0) {
        int first_lines = out->lines_removed;
        rc = read_strokes(ink, strong, w, h, s, crop_mm, 1, out);
        out->pale_words = out->words;
        out->lines_removed = first_lines;
    }
    free(ink);
    free(strong);
    free(printed);
    paper_free(&paper);
    if (rc < 0)
        omr_fail(err, OMR_ERR_MEMORY, "out of memory looking for writing in a text field");
    /* a look that failed is never "nothing written": a person looks */
    out->has_writing = rc < 0 || out->covered || out->words > 0 || out->letter_share > share_min;
    return rc < 0 ? OMR_ERR_MEMORY : OMR_OK;
}

int writing_detect(const omr_image *scan, const page_transform *t, const page_levels *levels,
                   const print_mask *mask, omr_rect field, double share_min, writing_evidence *out,
                   omr_error *err) {
    assert(scan && t && levels && out);
    memset(out, 0, sizeof *out);
    omr_image *crop = ocr_crop_field_at(scan, t, field, 0, WRITING_PX_PER_MM);
    if (!crop)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory cutting out a text field");
    /* the crop's pixels cover exactly its size in mm from the field's corner */
    omr_rect crop_mm = {field.x, field.y, crop->width / WRITING_PX_PER_MM, crop->height / WRITING_PX_PER_MM};
    int rc = writing_find(crop, crop_mm, levels->white, levels->black, mask, share_min, out, err);
    omr_image_free(crop);
    return rc;
}
