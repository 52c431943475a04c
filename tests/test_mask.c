/*
 * test_mask.c — the print mask's cache (reading/mask.c): a mask read from
 * the cache is the mask drawn; a damaged or cut-short cache file is never
 * used (the mask is drawn anew, the same); a changed template gets its own
 * file; an empty OMR_CACHE_DIR turns the cache off. print_mask_beyond
 * (its columns' cells worked out once) marks the samples the plain
 * per-sample definition below marks, on random masks, boxes and patches.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "helpers.h"
#include "reading/mask.h"

static char *dir;
static char cache[600];

static void setup(void) {
    dir = test_tempdir();
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("OMR_CACHE_DIR", cache, 1);
}

static void teardown(void) {
    unsetenv("OMR_CACHE_DIR");
    rm_rf(dir);
}

static int files_in_cache(char *first, size_t size) {
    DIR *d = opendir(cache);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, "mask-", 5) == 0) {
            if (!n && first)
                snprintf(first, size, "%s/%s", cache, e->d_name);
            n++;
        }
    closedir(d);
    return n;
}

static void same_mask(const print_mask *a, const print_mask *b) {
    cr_assert_eq(a->width, b->width);
    cr_assert_eq(a->height, b->height);
    cr_assert_float_eq(a->pitch, b->pitch, 1e-12);
    cr_assert_eq(memcmp(a->printed, b->printed, (size_t)a->width * (size_t)a->height), 0,
                 "the cells differ");
}

static void mask_of(const omr_template *t, int page, print_mask *m) {
    omr_error err;
    cr_assert_eq(measure_print_mask(t, page, m, &err), OMR_OK, "%s", err.message);
}

TestSuite(mask, .init = setup, .fini = teardown, .timeout = 120);

Test(mask, the_cached_mask_is_the_drawn_mask_and_damage_is_never_used) {
    omr_template *t = test_template("ekb-2024");
    print_mask drawn, cached, again;
    setenv("OMR_CACHE_DIR", "", 1); /* off: drawn, nothing written */
    mask_of(t, 1, &drawn);
    cr_assert_eq(files_in_cache(NULL, 0), 0);
    size_t printed = 0;
    for (size_t i = 0; i < (size_t)drawn.width * drawn.height; i++)
        printed += drawn.printed[i];
    cr_assert_gt(printed, 1000, "the page has print");

    setenv("OMR_CACHE_DIR", cache, 1);
    mask_of(t, 1, &cached); /* drawn and written */
    char file[1200];
    cr_assert_eq(files_in_cache(file, sizeof file), 1);
    same_mask(&drawn, &cached);
    print_mask_free(&cached);
    mask_of(t, 1, &cached); /* read */
    same_mask(&drawn, &cached);
    print_mask_free(&cached);

    /* a byte of the cells turned over: not used, drawn anew */
    struct stat st;
    cr_assert_eq(stat(file, &st), 0);
    FILE *f = fopen(file, "r+b");
    cr_assert_not_null(f);
    fseek(f, st.st_size / 2, SEEK_SET);
    int c = fgetc(f);
    fseek(f, st.st_size / 2, SEEK_SET);
    fputc(c ^ 0xff, f);
    fclose(f);
    mask_of(t, 1, &again);
    same_mask(&drawn, &again);
    print_mask_free(&again);

    /* cut short: not used either */
    cr_assert_eq(truncate(file, st.st_size - 100), 0);
    mask_of(t, 1, &again);
    same_mask(&drawn, &again);
    print_mask_free(&again);

    /* page 2 has a file of its own */
    mask_of(t, 2, &again);
    cr_assert_eq(files_in_cache(NULL, 0), 2);
    print_mask_free(&again);
    print_mask_free(&drawn);
    template_free(t);
}

Test(mask, a_changed_template_gets_another_file) {
    char copy[700], cmd[1600];
    snprintf(copy, sizeof copy, "%s/ekb-2024.cfg", dir);
    snprintf(cmd, sizeof cmd, "cp templates/ekb-2024.cfg '%s'", copy);
    cr_assert_eq(system(cmd), 0);
    omr_template *t = NULL;
    omr_error err;
    cr_assert_eq(template_load(copy, &t, NULL, &err), OMR_OK, "%s", err.message);
    print_mask m;
    mask_of(t, 1, &m);
    print_mask_free(&m);
    template_free(t);
    cr_assert_eq(files_in_cache(NULL, 0), 1);
    FILE *f = fopen(copy, "a");
    cr_assert_not_null(f);
    fputs("\n# edited\n", f);
    fclose(f);
    cr_assert_eq(template_load(copy, &t, NULL, &err), OMR_OK, "%s", err.message);
    mask_of(t, 1, &m);
    print_mask_free(&m);
    template_free(t);
    cr_assert_eq(files_in_cache(NULL, 0), 2);
}

/* print_mask_beyond's definition, one sample at a time: the mask cell under
 * the sample's centre, unless the sample is off the mask or within 0.6 mm of
 * the box's edge (its own outline) */
static int beyond_at(const print_mask *m, omr_rect box, double ox, double oy, double pitch, int i, int j) {
    double x = ox + (i + 0.5) * pitch, y = oy + (j + 0.5) * pitch;
    int mx = (int)(x / m->pitch), my = (int)(y / m->pitch);
    if (x < 0 || y < 0 || mx >= m->width || my >= m->height)
        return 0;
    if (y > box.y - 0.6 && y < box.y + box.h + 0.6 && x > box.x - 0.6 && x < box.x + box.w + 0.6)
        return 0;
    return m->printed[(size_t)my * (size_t)m->width + (size_t)mx];
}

Test(mask, print_beyond_a_box_is_the_cells_under_each_sample_outside_its_outline) {
    srand(17);
    print_mask m = {.width = 300, .height = 200, .pitch = 0.1};
    m.printed = calloc((size_t)m.width * (size_t)m.height, 1);
    cr_assert_not_null(m.printed);
    int marked = 0, none = 0;
    for (int trial = 0; trial < 200; trial++) {
        /* print: a few random rules and blobs, sometimes none at all */
        memset(m.printed, 0, (size_t)m.width * (size_t)m.height);
        for (int k = trial % 7 == 0 ? 0 : 1 + rand() % 6; k > 0; k--) {
            int x0 = rand() % m.width, y0 = rand() % m.height, w = 1 + rand() % 80, h = 1 + rand() % 40;
            for (int y = y0; y < y0 + h && y < m.height; y++)
                for (int x = x0; x < x0 + w && x < m.width; x++)
                    m.printed[(size_t)y * (size_t)m.width + (size_t)x] = 1;
        }
        omr_rect box = {rand() % 300 / 10.0, rand() % 200 / 10.0, 3 + rand() % 30 / 10.0, 3 + rand() % 30 / 10.0};
        double pitch = 0.05 + (rand() % 10) / 100.0, margin = 1 + rand() % 30 / 10.0;
        double ox = box.x - margin, oy = box.y - margin; /* past the mask's edges near them */
        int w = (int)ceil((box.w + 2 * margin) / pitch), h = (int)ceil((box.h + 2 * margin) / pitch);
        uint8_t *got = print_mask_beyond(&m, box, ox, oy, pitch, w, h);
        int any = 0;
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++) {
                int want = beyond_at(&m, box, ox, oy, pitch, i, j);
                any |= want;
                if (got)
                    cr_assert_eq(got[(size_t)j * (size_t)w + (size_t)i], want, "trial %d sample (%d, %d)", trial, i, j);
            }
        cr_assert_eq(got != NULL, any, "trial %d: NULL exactly when no sample is print beyond the box", trial);
        marked += any;
        none += !any;
        free(got);
    }
    cr_assert(marked > 20 && none > 20, "the trials cover both (%d with print, %d without)", marked, none);
    free(m.printed);
}
