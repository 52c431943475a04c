/*
 * make.c — `omr-samples make`: synthetic returned envelopes with ground truth.
 *
 * For each form: a fresh login code, a plan of answers (fill.c), then each
 * page rendered by render_draw_page on a cairo RGB surface at the scan's dpi,
 * filled by the respondent on the same context, turned grey, degraded like a
 * scanner (degrade.c) and written at once: one page in memory at a time.
 * An envelope becomes one multi-page TIFF (G4 1-bit or LZW grey) or one JPEG
 * or PNG file per page, its pages sometimes shuffled, sometimes with blank
 * backs (duplex) or an extra letter. File names say nothing of the content.
 *
 * Written to OUT: scans/ (the images), truth.csv, comments_truth.csv,
 * codes.txt and manifest.csv (which page image is in which file). Every
 * random choice comes from streams derived from (seed, form), so a seed
 * gives the same set every time.
 */
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/common.h"
#include "forms/code.h"
#include "csvio.h"
#include "degrade.h"
#include "pages/encode.h"
#include "fill.h"
#include "reading/reference.h"
#include "print/render.h"
#include "rng.h"
#include "samples.h"
#include "forms/template.h"

/* Purposes of the derived random streams (rng_derive). */
enum {
    STREAM_PLAN = 1,     /* answers and comments, per form */
    STREAM_ENVELOPE = 2, /* format, order, duplex, letter, per form */
    STREAM_SCANNER = 3,  /* skew, turn, blur, ... per page */
    STREAM_LETTER = 4,   /* the letter's text, per form */
    STREAM_NAMES = 5,    /* file name extensions, per form */
    STREAM_NOISE = 6,    /* noise and speckle pixels, per page */
    STREAM_WIDE = 7,     /* --scanner-mix: tags, harsh 1-bit, glass, per form */
    STREAM_HARSH = 8,    /* --scanner-mix: a harsh scanner's settings, per page */
    STREAM_WARP = 9,     /* --warp: a page's non-linear distortion, per page */
    STREAM_FOLD = 10,    /* --folds: a page's creases, per page */
};

typedef enum { OUT_G4, OUT_LZW, OUT_JPEG, OUT_PNG } out_format;
static const char *const FORMAT_NAMES[] = {"tiff-g4", "tiff-lzw", "jpeg", "png"};
static const double FORMAT_MIX[] = {35, 15, 25, 25};

typedef enum { ITEM_FORM, ITEM_BLANK, ITEM_LETTER } item_kind;
static const char *const ITEM_NAMES[] = {"form", "blank", "letter"};

typedef struct {
    item_kind kind;
    int page; /* form page for ITEM_FORM */
} envelope_item;

/* The drawing surface, kept from page to page while the size stays the same
 * (a 300 dpi A4 RGB surface is 35 MB; mapping a fresh one for every page
 * costs more than drawing on it). */
typedef struct {
    cairo_surface_t *surface;
    int width, height;
} canvas;

typedef struct {
    FILE *truth, *comments, *codes, *manifest;
    char scans[4096];
    long file_no; /* counter in file names */
    canvas canvas; /* reused for every page */
} outputs;

static int make_dir(const char *path, omr_error *err) {
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return omr_fail(err, OMR_ERR_IO, "cannot create folder %s: %s", path, strerror(errno));
    return OMR_OK;
}

/* ---- codes ------------------------------------------------------------------- */

/* Codes issued so far, as base-36 numbers in an open-addressing set. */
typedef struct {
    uint64_t *slots;
    size_t cap;
} code_set;

static int code_set_add(code_set *s, uint64_t key) {
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (s->cap - 1);
    while (s->slots[i]) {
        if (s->slots[i] == key)
            return 0;
        i = (i + 1) & (s->cap - 1);
    }
    s->slots[i] = key;
    return 1;
}

/* A login code as `omr frame codes` makes them: 7 characters without
 * look-alikes (no 0/O, 1/I/L) and the Luhn mod 36 check character (redrawn
 * when that is a look-alike), so the sample's codes pass the frame import's
 * check without --no-check-digit. */
static void new_code(rng *r, code_set *issued, char code[9]) {
    static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    const int k_max = (int)sizeof alphabet - 1;
    for (;;) {
        uint64_t key = 1;
        for (int i = 0; i < 7; i++) {
            int k = rng_int(r, k_max);
            code[i] = alphabet[k];
            key = key * 37 + (uint64_t)k;
        }
        code[7] = '\0';
        code[7] = identify_check_char(code);
        code[8] = '\0';
        if (!strchr(alphabet, code[7]))
            continue;
        if (code_set_add(issued, key))
            return;
    }
}

/* ---- one page ---------------------------------------------------------------- */

static void canvas_free(canvas *c) {
    if (c->surface)
        cairo_surface_destroy(c->surface);
    c->surface = NULL;
}

/* A page as it leaves the respondent's hands, grey, at `dpi`: the rendered
 * form and its filling (ITEM_FORM), a letter, or an empty back. */
static omr_image *paper_page(canvas *cv, const omr_template *t, fill_form *form,
                             envelope_item item, double dpi, uint64_t letter_seed,
                             omr_error *err) {
    int width = (int)lround(omr_mm_to_px(t->page_width, dpi));
    int height = (int)lround(omr_mm_to_px(t->page_height, dpi));
    if (item.kind == ITEM_BLANK) {
        omr_image *blank = omr_image_new(width, height, dpi, 255);
        if (!blank)
            omr_fail(err, OMR_ERR_MEMORY, "out of memory for a blank page");
        return blank;
    }
    if (!cv->surface || cv->width != width || cv->height != height) {
        canvas_free(cv);
        cv->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
        cv->width = width;
        cv->height = height;
        if (cairo_surface_status(cv->surface) != CAIRO_STATUS_SUCCESS) {
            canvas_free(cv);
            omr_fail(err, OMR_ERR_MEMORY, "cannot make a %d x %d pixel page", width, height);
            return NULL;
        }
    }
    cairo_t *cr = cairo_create(cv->surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, width / t->page_width, height / t->page_height);
    int rc = OMR_OK;
    if (item.kind == ITEM_LETTER) {
        rng r;
        rng_seed(&r, letter_seed);
        fill_draw_letter(cr, t->page_width, t->page_height, &r);
    } else {
        rc = render_draw_page(cr, t, form->code, item.page, err);
        if (rc == OMR_OK)
            rc = fill_draw_page(cr, form, item.page, err);
    }
    cairo_destroy(cr);
    if (rc != OMR_OK)
        return NULL;
    cairo_surface_flush(cv->surface);
    omr_image *grey = degrade_grey_from_rgb(cairo_image_surface_get_data(cv->surface),
                                            cairo_image_surface_get_stride(cv->surface), width,
                                            height, dpi);
    if (!grey)
        omr_fail(err, OMR_ERR_MEMORY, "out of memory for a %d x %d page", width, height);
    return grey;
}

/* ---- one envelope ---------------------------------------------------------------- */

typedef struct {
    int dpi;
    out_format format;
    int jpeg_quality;
    int jpeg_no_dpi;      /* density 0: the reader has to guess the resolution */
    int shuffled, duplex, letter;
    envelope_item items[40];
    int n_items;
    degrade_envelope wide; /* --scanner-mix faults (all zero without it) */
} envelope;

static void plan_envelope(envelope *e, const omr_template *t, int dpi_mix, rng *r) {
    memset(e, 0, sizeof *e);
    e->dpi = dpi_mix && rng_chance(r, 0.35) ? 200 : 300;
    e->format = (out_format)rng_pick(r, FORMAT_MIX, 4);
    e->jpeg_quality = 60 + rng_int(r, 31);
    e->jpeg_no_dpi = rng_chance(r, 0.3);
    int n = (int)t->n_pages < 16 ? (int)t->n_pages : 16;
    int order[16];
    for (int i = 0; i < n; i++)
        order[i] = i + 1;
    e->shuffled = n > 1 && rng_chance(r, 0.2);
    if (e->shuffled) {
        rng_shuffle(r, order, n);
        int identity = 1;
        for (int i = 0; i < n; i++)
            identity &= order[i] == i + 1;
        if (identity) /* "out of order" should be out of order */
            for (int i = 0; i < n / 2; i++) {
                int tmp = order[i];
                order[i] = order[n - 1 - i];
                order[n - 1 - i] = tmp;
            }
    }
    e->duplex = rng_chance(r, 0.1);
    e->letter = rng_chance(r, 0.03);
    int letter_at = e->letter ? rng_int(r, n + 1) : -1;
    for (int i = 0; i <= n; i++) {
        if (i == letter_at)
            e->items[e->n_items++] = (envelope_item){ITEM_LETTER, 0};
        if (i == n)
            break;
        e->items[e->n_items++] = (envelope_item){ITEM_FORM, order[i]};
        if (e->duplex)
            e->items[e->n_items++] = (envelope_item){ITEM_BLANK, 0};
    }
}

/* A name that says nothing about the content; now and then an odd
 * extension, since the scanner sniffs the content anyway. */
static void file_name(outputs *o, out_format format, rng *r, char *name, size_t size) {
    const char *prefix = format == OUT_G4 || format == OUT_LZW ? "scan" : "img";
    const char *ext = format == OUT_JPEG ? (rng_chance(r, 0.1) ? ".jpeg" : ".jpg")
                      : format == OUT_PNG ? ".png"
                                          : (rng_chance(r, 0.1) ? ".tiff" : ".tif");
    if (rng_chance(r, 0.03)) {
        static const char *const odd[] = {".dat", ".bin", ".scan", ""};
        ext = odd[rng_int(r, 4)];
    }
    snprintf(name, size, "%s-%05ld%s", prefix, ++o->file_no, ext);
}

/* --scanner-mix: the envelope's tags, harshness and glass (drawn from a
 * stream of their own, so the rest of the set stays as it was). Harsh
 * envelopes are 1-bit G4 at 200 dpi; a fax is a TIFF at 204 x 196 dpi. */
static void plan_wide(envelope *e, rng *r) {
    degrade_pick_envelope(&e->wide, r);
    if (e->wide.harsh) {
        e->format = OUT_G4;
        e->dpi = 200;
    }
    if (e->wide.tag == DEGRADE_TAG_FAX) {
        if (e->format != OUT_G4 && e->format != OUT_LZW)
            e->format = OUT_G4;
        e->dpi = 204;
    }
    if (e->format == OUT_JPEG)
        e->jpeg_no_dpi = 0; /* the tag says it */
}

static void manifest_row(outputs *o, const char *file, int index, const char *code,
                         const omr_template *t, const envelope *e, envelope_item item,
                         const degrade_params *p) {
    char num[64];
    csvio_put(o->manifest, file, 0);
    snprintf(num, sizeof num, "%d", index);
    csvio_put(o->manifest, num, 0);
    csvio_put(o->manifest, code, 0);
    csvio_put(o->manifest, t->id, 0);
    snprintf(num, sizeof num, "%d", item.kind == ITEM_FORM ? item.page : 0);
    csvio_put(o->manifest, num, 0);
    csvio_put(o->manifest, ITEM_NAMES[item.kind], 0);
    snprintf(num, sizeof num, "%d", p->quarter_turns * 90);
    csvio_put(o->manifest, num, 0);
    snprintf(num, sizeof num, "%d", e->format == OUT_JPEG && e->jpeg_no_dpi ? 0 : e->dpi);
    csvio_put(o->manifest, num, 0);
    csvio_put(o->manifest, FORMAT_NAMES[e->format], 0);
    snprintf(num, sizeof num, "%.2f", p->skew_deg);
    csvio_put(o->manifest, num, 0);
    /* what the file says of its resolution, and the widened faults */
    csvio_put(o->manifest, e->format == OUT_JPEG && e->jpeg_no_dpi ? "none" : degrade_tag_name(e->wide.tag), 0);
    char faults[64] = "";
    if (e->wide.harsh)
        snprintf(faults, sizeof faults, "harsh");
    if (e->wide.glass_w_mm > 0)
        snprintf(faults + strlen(faults), sizeof faults - strlen(faults), "%sglass", *faults ? " " : "");
    if (p->warp.strength > 0)
        snprintf(faults + strlen(faults), sizeof faults - strlen(faults), "%swarp%.2f", *faults ? " " : "",
                 p->warp.strength);
    if (p->fold.n)
        snprintf(faults + strlen(faults), sizeof faults - strlen(faults), "%sfold%d%s", *faults ? " " : "",
                 p->fold.n, p->fold.vertical ? "v" : "");
    csvio_put(o->manifest, faults, 1);
}

static int write_envelope(outputs *o, const omr_template *t, fill_form *form, const envelope *e,
                          uint64_t seed, long index, int quick, double warp, int folds, long *pages, omr_error *err) {
    /* separate streams, so that --quick (milder settings, fewer specks)
     * changes nothing else: names, turns and the rest stay the same */
    rng names;
    rng_seed(&names, rng_derive(seed, STREAM_NAMES, (uint64_t)index));
    tiff_writer *tiff = NULL;
    char name[64], path[4200];
    int tiff_pages = 0, rc = OMR_OK;
    if (e->format == OUT_G4 || e->format == OUT_LZW) {
        file_name(o, e->format, &names, name, sizeof name);
        snprintf(path, sizeof path, "%s/%s", o->scans, name);
        rc = encode_tiff_open(path, &tiff, err);
        if (rc != OMR_OK)
            return rc;
    }
    for (int i = 0; i < e->n_items && rc == OMR_OK; i++) {
        envelope_item item = e->items[i];
        omr_image *paper = paper_page(&o->canvas, t, form, item, e->dpi,
                                      rng_derive(seed, STREAM_LETTER, (uint64_t)index), err);
        if (!paper) {
            rc = OMR_ERR_MEMORY;
            break;
        }
        uint64_t page_no = (uint64_t)index * 64 + (uint64_t)i;
        rng scanner, noise;
        rng_seed(&scanner, rng_derive(seed, STREAM_SCANNER, page_no));
        rng_seed(&noise, rng_derive(seed, STREAM_NOISE, page_no));
        degrade_params p;
        degrade_pick(&p, &scanner, quick, e->format == OUT_G4);
        if (e->wide.harsh) {
            rng harsh;
            rng_seed(&harsh, rng_derive(seed, STREAM_HARSH, page_no));
            degrade_make_harsh(&p, &harsh);
        }
        if (warp > 0 && item.kind == ITEM_FORM) {
            rng bend;
            rng_seed(&bend, rng_derive(seed, STREAM_WARP, page_no));
            degrade_pick_warp(&p.warp, &bend, warp);
        }
        if (folds && item.kind == ITEM_FORM) {
            rng fold;
            rng_seed(&fold, rng_derive(seed, STREAM_FOLD, page_no));
            degrade_pick_fold(&p.fold, &fold, t->page_width, t->page_height);
            degrade_fold_page(paper, &p.fold);
        }
        p.glass_w_mm = e->wide.glass_w_mm;
        p.glass_h_mm = e->wide.glass_h_mm;
        omr_image *scan = degrade_scan(paper, &p, item.kind == ITEM_FORM ? t : NULL, &noise, err);
        omr_image_free(paper);
        if (scan && e->wide.tag == DEGRADE_TAG_FAX) {
            omr_image *fax = degrade_fax_rows(scan, 196, err);
            omr_image_free(scan);
            scan = fax;
            if (scan)
                encode_tiff_set_ydpi(tiff, 196);
        }
        if (!scan) {
            rc = OMR_ERR_MEMORY;
            break;
        }
        if (e->wide.tag != DEGRADE_TAG_RIGHT && e->wide.tag != DEGRADE_TAG_FAX)
            scan->dpi = degrade_tag_dpi(e->wide.tag, scan->dpi);
        int in_file = 1;
        switch (e->format) {
        case OUT_G4:
        case OUT_LZW:
            rc = encode_tiff_add(tiff, scan, e->format == OUT_G4 ? TIFF_G4 : TIFF_LZW, err);
            in_file = ++tiff_pages;
            break;
        case OUT_JPEG:
            file_name(o, e->format, &names, name, sizeof name);
            snprintf(path, sizeof path, "%s/%s", o->scans, name);
            if (e->jpeg_no_dpi)
                scan->dpi = 0;
            rc = encode_jpeg(scan, path, e->jpeg_quality, err);
            break;
        case OUT_PNG:
            file_name(o, e->format, &names, name, sizeof name);
            snprintf(path, sizeof path, "%s/%s", o->scans, name);
            rc = encode_png(scan, path, err);
            break;
        }
        omr_image_free(scan);
        if (rc == OMR_OK) {
            manifest_row(o, name, in_file, form->code, t, e, item, &p);
            (*pages)++;
        }
    }
    if (tiff) {
        omr_error close_err;
        int close_rc = encode_tiff_close(tiff, &close_err);
        if (rc == OMR_OK && close_rc != OMR_OK) {
            rc = close_rc;
            if (err)
                *err = close_err;
        }
    }
    return rc;
}

static void write_truth(outputs *o, const fill_form *f) {
    const omr_template *t = f->tmpl;
    char value[1024], num[32];
    for (size_t i = 0; i < t->n_questions; i++) {
        const fill_answer *a = &f->answers[i];
        fill_truth(f, i, value, sizeof value);
        csvio_put(o->truth, f->code, 0);
        csvio_put(o->truth, t->id, 0);
        csvio_put(o->truth, t->questions[i].id, 0);
        csvio_put(o->truth, value, 0);
        csvio_put(o->truth, a->ambiguous ? "1" : "0", 0);
        csvio_put(o->truth, fill_behaviour_name(a->behaviour), 0);
        snprintf(num, sizeof num, "%d", t->questions[i].page);
        csvio_put(o->truth, num, 0);
        csvio_put(o->truth, a->behaviour == FILL_BLANK ? "" : fill_pen_name(a->pen), 1);
    }
    for (size_t i = 0; i < t->n_text_fields; i++) {
        const fill_comment *c = &f->comments[i];
        int written = c->text && *c->text;
        csvio_put(o->comments, f->code, 0);
        csvio_put(o->comments, t->text_fields[i].id, 0);
        csvio_put(o->comments, fill_comment_kind_name(written ? c->kind : COMMENT_NONE), 0);
        csvio_put(o->comments, written ? c->text : "", 1);
    }
    fprintf(o->codes, "%s\n", f->code);
}

static FILE *open_out(const char *dir, const char *name, const char *header, omr_error *err) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        omr_fail(err, OMR_ERR_IO, "cannot create %s: %s", path, strerror(errno));
        return NULL;
    }
    if (header)
        fputs(header, f);
    return f;
}

static int close_out(FILE *f, const char *name, int rc, omr_error *err) {
    if (!f)
        return rc;
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        if (rc == OMR_OK)
            return omr_fail(err, OMR_ERR_IO, "cannot write %s (disk full?)", name);
    return rc;
}

int samples_make(const samples_make_options *opt, samples_make_summary *summary, omr_error *err) {
    memset(summary, 0, sizeof *summary);
    if (opt->n_templates < 1)
        return omr_fail(err, OMR_ERR_INVALID, "make: name a template with --template");
    if (opt->count < 1 || opt->count > 10000000)
        return omr_fail(err, OMR_ERR_INVALID, "make: --count must be 1 to 10000000");
    omr_template *tmpls[SAMPLES_MAX_TEMPLATES] = {0};
    int rc = OMR_OK;
    for (int i = 0; i < opt->n_templates && rc == OMR_OK; i++) {
        char *path = template_find(opt->templates[i]);
        if (!path) {
            rc = omr_fail(err, OMR_ERR_IO,
                          "template \"%s\" not found (as a file, in $OMR_TEMPLATE_DIR or ./templates)",
                          opt->templates[i]);
            break;
        }
        rc = template_load(path, &tmpls[i], NULL, err);
        free(path);
    }
    outputs o = {0};
    snprintf(o.scans, sizeof o.scans, "%s/scans", opt->out);
    if (rc == OMR_OK)
        rc = make_dir(opt->out, err);
    if (rc == OMR_OK)
        rc = make_dir(o.scans, err);
    if (rc == OMR_OK && !(o.truth = open_out(opt->out, "truth.csv",
                                            "code,template,question,truth,ambiguous,behaviour,page,pen\r\n", err)))
        rc = OMR_ERR_IO;
    if (rc == OMR_OK && !(o.comments = open_out(opt->out, "comments_truth.csv",
                                               "code,field,kind,text\r\n", err)))
        rc = OMR_ERR_IO;
    if (rc == OMR_OK && !(o.codes = open_out(opt->out, "codes.txt", NULL, err)))
        rc = OMR_ERR_IO;
    if (rc == OMR_OK &&
        !(o.manifest = open_out(opt->out, "manifest.csv",
                                "file,index,code,template,page,kind,turn,dpi,format,skew,tag,faults\r\n", err)))
        rc = OMR_ERR_IO;

    code_set issued = {0};
    issued.cap = 1;
    while (issued.cap < (size_t)opt->count * 2 + 16)
        issued.cap <<= 1;
    issued.slots = rc == OMR_OK ? calloc(issued.cap, sizeof *issued.slots) : NULL;
    if (rc == OMR_OK && !issued.slots)
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for %ld codes", opt->count);
    rng codes;
    rng_seed(&codes, rng_derive(opt->seed, 0, 0));

    for (long i = 0; i < opt->count && rc == OMR_OK; i++) {
        char code[9];
        new_code(&codes, &issued, code);
        const omr_template *t = tmpls[opt->n_templates > 1 ? rng_int(&codes, opt->n_templates) : 0];
        rng plan;
        rng_seed(&plan, rng_derive(opt->seed, STREAM_PLAN, (uint64_t)i));
        fill_form form;
        rc = fill_plan(&form, t, code, &plan);
        if (rc != OMR_OK) {
            omr_fail(err, rc, "out of memory planning form %s", code);
            break;
        }
        rng env_rng;
        rng_seed(&env_rng, rng_derive(opt->seed, STREAM_ENVELOPE, (uint64_t)i));
        envelope e;
        plan_envelope(&e, t, opt->dpi_mix, &env_rng);
        if (opt->scanner_mix) {
            rng wide;
            rng_seed(&wide, rng_derive(opt->seed, STREAM_WIDE, (uint64_t)i));
            plan_wide(&e, &wide);
        }
        long before = o.file_no;
        rc = write_envelope(&o, t, &form, &e, opt->seed, i, opt->quick, opt->warp, opt->folds, &summary->pages, err);
        if (rc == OMR_OK) {
            write_truth(&o, &form);
            summary->forms++;
            summary->files += o.file_no - before;
        }
        fill_form_clear(&form);
        if (opt->progress && (i + 1) % 50 == 0)
            fprintf(opt->progress, "omr-samples: %ld of %ld forms\n", i + 1, opt->count);
    }
    free(issued.slots);
    canvas_free(&o.canvas);
    rc = close_out(o.truth, "truth.csv", rc, err);
    rc = close_out(o.comments, "comments_truth.csv", rc, err);
    rc = close_out(o.codes, "codes.txt", rc, err);
    rc = close_out(o.manifest, "manifest.csv", rc, err);
    for (int i = 0; i < opt->n_templates; i++)
        template_free(tmpls[i]);
    return rc;
}
