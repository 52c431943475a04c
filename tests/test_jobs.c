/*
 * test_jobs.c — scan --jobs (daemon/scan_jobs.c and its use in scan_batch):
 * the ordered pool hands results back in input order whatever order the
 * workers finish in, and discards what was never taken; a batch read with
 * 2 and with 3 jobs gives the same outputs, byte for byte, as with 1 —
 * read pages, a blank page, a page of no form, a damaged file and the same
 * content twice among them.
 */
#include <sys/stat.h>
#include <time.h>
#include <math.h>

#include "base/cv_wrap.h"
#include "daemon/scan.h"
#include "daemon/scan_jobs.h"
#include "helpers.h"
#include "reading/identify.h"
#include "pages/encode.h"
#include "print/render.h"

/* ---- the pool ------------------------------------------------------------------ */

typedef struct {
    size_t index;
    int worker;
    int *freed;   /* counts discards */
} item;

static void slow_work(void *worker, size_t index, void *slot, void *user) {
    (void)user;
    /* later items finish first now and then */
    struct timespec ts = {0, (long)((index * 7919) % 5) * 1000000L};
    nanosleep(&ts, NULL);
    item *it = slot;
    it->index = index;
    it->worker = *(int *)worker;
}

static void count_discard(void *slot, void *user) {
    (void)slot;
    (*(int *)user)++;
}

Test(jobs, results_come_back_in_input_order) {
    int ids[3] = {0, 1, 2}, discarded = 0;
    void *workers[3] = {&ids[0], &ids[1], &ids[2]};
    scan_jobs_spec spec = {.n_items = 200, .n_workers = 3, .workers = workers, .window = 4,
                           .slot_size = sizeof(item), .work = slow_work, .discard = count_discard,
                           .user = &discarded};
    scan_jobs *jobs = NULL;
    omr_error err;
    cr_assert_eq(scan_jobs_start(&spec, &jobs, &err), OMR_OK, "%s", err.message);
    int used[3] = {0};
    for (size_t i = 0; i < 200; i++) {
        item it;
        scan_jobs_take(jobs, i, &it);
        cr_assert_eq(it.index, i);
        cr_assert(it.worker >= 0 && it.worker < 3);
        used[it.worker]++;
    }
    scan_jobs_stop(jobs);
    cr_assert_eq(discarded, 0);
    cr_assert(used[0] + used[1] + used[2] == 200);
}

Test(jobs, stopping_early_discards_what_was_not_taken) {
    int ids[2] = {0, 1}, discarded = 0;
    void *workers[2] = {&ids[0], &ids[1]};
    scan_jobs_spec spec = {.n_items = 50, .n_workers = 2, .workers = workers, .window = 3,
                           .slot_size = sizeof(item), .work = slow_work, .discard = count_discard,
                           .user = &discarded};
    scan_jobs *jobs = NULL;
    omr_error err;
    cr_assert_eq(scan_jobs_start(&spec, &jobs, &err), OMR_OK, "%s", err.message);
    item it;
    scan_jobs_take(jobs, 0, &it);
    struct timespec ts = {0, 50000000L}; /* let the workers fill the window */
    nanosleep(&ts, NULL);
    scan_jobs_stop(jobs);
    /* the window (3) bounds what was made ahead: never the 49 left */
    cr_assert(discarded >= 1 && discarded <= 3, "discarded %d", discarded);
}

/* ---- the batch ----------------------------------------------------------------- */

static omr_template *tmpl;
static calibration cal;
static char *dir;

static void setup(void) {
    tmpl = test_template("ekb-2024");
    calibration_defaults(&cal);
    omr_error err;
    cr_assert_eq(calibration_load("calibration/default.cfg", &cal, &err), OMR_OK);
    dir = test_tempdir();
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache", dir); /* the print masks' cache: the test's own */
    setenv("OMR_CACHE_DIR", cache, 1);
}

static void teardown(void) {
    unsetenv("OMR_CACHE_DIR");
    template_free(tmpl);
    rm_rf(dir);
}

static omr_image *page(const char *code, int number) {
    omr_error err;
    omr_image *img = render_page_image(tmpl, code, number, 150, &err);
    cr_assert_not_null(img, "%s", err.message);
    return img;
}

static void write_png(omr_image *img, const char *name) {
    char path[512];
    omr_error err;
    snprintf(path, sizeof path, "%s/in/%s", dir, name);
    cr_assert_eq(encode_png(img, path, &err), OMR_OK, "%s", err.message);
}

static void write_text(const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/in/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void run_batch(const char *out_name, int jobs) {
    const omr_template *templates[] = {tmpl};
    char out[512], in[512];
    snprintf(out, sizeof out, "%s/%s", dir, out_name);
    snprintf(in, sizeof in, "%s/in", dir);
    scan_options o = {.templates = templates, .n_templates = 1, .calibration = &cal,
                      .out_dir = out, .run_ocr = 0, .jobs = jobs};
    char *inputs[] = {in};
    scan_summary s;
    omr_error err;
    cr_assert_eq(scan_batch(&o, inputs, 1, &s, &err), OMR_OK, "%s", err.message);
    cr_assert_gt(s.pages_read, 0);
    cr_assert_gt(s.pages_blank, 0);
    cr_assert_gt(s.rejected, 0);
}

/* Byte for byte, but for the clock: a duplicate's reason names when its
 * first copy was received, which differs between any two runs. */
static void same_file(const char *a, const char *b, const char *name) {
    char cmd[4096];
    const char *clock = "sed -E 's/received [0-9T:-]+Z/received (time)/'";
    snprintf(cmd, sizeof cmd, "%s '%s/%s/%s' > '%s/a.txt' && %s '%s/%s/%s' > '%s/b.txt' && cmp -s '%s/a.txt' '%s/b.txt'",
             clock, dir, a, name, dir, clock, dir, b, name, dir, dir, dir);
    cr_assert_eq(system(cmd), 0, "%s differs between %s and %s", name, a, b);
}

TestSuite(jobs_batch, .init = setup, .fini = teardown, .timeout = 300);

Test(jobs_batch, two_and_three_jobs_give_the_outputs_of_one) {
    char in[512];
    snprintf(in, sizeof in, "%s/in", dir);
    mkdir(in, 0777);
    const char *codes[] = {"ABC123", "DEF456", "GHJ789", "KLM234"};
    for (int k = 0; k < 4; k++)
        for (int p = 1; p <= 2; p++) {
            omr_image *img = page(codes[k], p);
            test_cross(img, test_box_of(tmpl, "q1a", k % 2 ? "5" : "2"));
            if (k == 1)
                test_cross(img, test_box_of(tmpl, "q1b", "3"));
            char name[64];
            snprintf(name, sizeof name, "f%d-p%d.png", k, p);
            write_png(img, name);
            if (k == 2 && p == 1)
                write_png(img, "f2-p1-again.png"); /* the same content twice */
            omr_image_free(img);
        }
    omr_image *white = omr_image_new(1240, 1754, 150, 255);
    cr_assert_not_null(white);
    write_png(white, "g-blank.png");                         /* a blank page */
    omr_image *noise = omr_image_new(1240, 1754, 150, 255);  /* a page of no form */
    cr_assert_not_null(noise);
    for (int y = 200; y < 1500; y += 40)
        test_draw_line(noise, 20, y / 150.0 * 25.4, 180, y / 150.0 * 25.4, 0.5, 0);
    write_png(noise, "h-letter.png");
    omr_image_free(white);
    omr_image_free(noise);
    write_text("i-damaged.png", "\x89PNG\r\n\x1a\n this is no image");

    run_batch("out1", 1);
    run_batch("out2", 2);
    run_batch("out3", 3);
    const char *files[] = {"records.csv", "marks.csv", "review.csv", "rejects.csv", "codebook.csv"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        same_file("out1", "out2", files[i]);
        same_file("out1", "out3", files[i]);
    }
}

/* ---- a page reads the same whatever was read before it ------------------------ */

/* A scanned page: turned by `degrees`, blurred and speckled (deterministic),
 * as a feeder and a cheap sensor leave it. */
static omr_image *scanned(const char *code, int number, double degrees, unsigned seed) {
    omr_error err;
    omr_image *clean = render_page_image(tmpl, code, number, 300, &err);
    cr_assert_not_null(clean, "%s", err.message);
    omr_image *out = omr_image_new(clean->width, clean->height, clean->dpi, 255);
    cr_assert_not_null(out);
    double a = degrees * M_PI / 180, cx = clean->width / 2.0, cy = clean->height / 2.0;
    cvw_affine turn = {{cos(a), -sin(a), cx - cos(a) * cx + sin(a) * cy,
                        sin(a), cos(a), cy - sin(a) * cx - cos(a) * cy}};
    cr_assert_eq(cvw_warp_affine(clean, out, &turn), OMR_OK);
    omr_image_free(clean);
    cr_assert_eq(cvw_gaussian_blur(out, 2.0), OMR_OK);
    for (int y = 0; y < out->height; y++)
        for (int x = 0; x < out->width; x++) {
            seed = seed * 1103515245u + 12345u;
            int v = out->pixels[(size_t)y * out->stride + x] + (int)((seed >> 16) % 121) - 60;
            out->pixels[(size_t)y * out->stride + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    return out;
}

/* zbar's QR reader fits a code's edges by RANSAC from a random generator
 * seeded once per scanner, so a reader's history moved the corners it gave
 * for a blurred, noisy code by a pixel or two; locate starts from them, and
 * a box's fill moved in the third decimal: one job and two read different
 * pages before a given one, and marks.csv differed (a 300-dpi PNG page of
 * the --dpi-mix --scanner-mix set). The same page, read again and again by
 * one reader, and after other pages, gives the corners of a fresh reader. */
Test(jobs_batch, a_page_reads_the_same_after_other_pages_as_alone) {
    omr_image *target = scanned("GHJ789", 2, -2.99, 7), *other = scanned("ABC123", 1, 1.5, 11);
    omr_error err;
    identify_reader *fresh = identify_reader_new(), *busy = identify_reader_new();
    cr_assert(fresh && busy);
    page_identity alone;
    cr_assert_eq(identify_page(fresh, target, NULL, &alone, &err), OMR_OK, "%s", err.message);
    cr_assert(alone.has_corners);
    for (int round = 0; round < 10; round++) {
        page_identity id;
        cr_assert_eq(identify_page(busy, round % 3 == 2 ? other : target, NULL, &id, &err), OMR_OK, "%s",
                     err.message);
        if (round % 3 == 2)
            continue;
        cr_assert_str_eq(id.code, alone.code);
        for (int c = 0; c < 4; c++)
            cr_assert(id.corners[c].x == alone.corners[c].x && id.corners[c].y == alone.corners[c].y,
                      "read %d: corner %d at (%.1f, %.1f), alone at (%.1f, %.1f)", round + 1, c, id.corners[c].x,
                      id.corners[c].y, alone.corners[c].x, alone.corners[c].y);
    }
    identify_reader_free(fresh);
    identify_reader_free(busy);
    omr_image_free(target);
    omr_image_free(other);
}
