/*
 * test_scan.c — the whole pipeline on real rendered pages: render → draw pen
 * marks → write as PNG/TIFF/JPEG (turned, split over files, with bad files
 * among them) → scan_batch → records.csv, marks.csv, rejects.csv.
 */
#include <sys/stat.h>

#include "pages/encode.h"
#include "helpers.h"
#include "print/render.h"
#include "daemon/scan.h"
#include "base/cv_wrap.h"
#include "review/review.h"
#include "ledger/store.h"

#include <sqlite3.h>

static omr_template *tmpl;
static calibration cal;
static char *dir;

static void setup(void) {
    tmpl = test_template("ekb-2024");
    calibration_defaults(&cal);
    omr_error err;
    cr_assert_eq(calibration_load("calibration/default.cfg", &cal, &err), OMR_OK);
    dir = test_tempdir();
}

static void teardown(void) {
    template_free(tmpl);
    rm_rf(dir);
}

static omr_image *page(const char *code, int number, double dpi) {
    omr_error err;
    omr_image *img = render_page_image(tmpl, code, number, dpi, &err);
    cr_assert_not_null(img, "%s", err.message);
    return img;
}

/* Runs a batch over dir/in, writing dir/out, with Tesseract reading the
 * comments or not; returns the summary. */
static scan_summary run_batch_ocr(int ocr) {
    const omr_template *templates[] = {tmpl};
    char out[512], in[512];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(in, sizeof in, "%s/in", dir);
    scan_options o = {.templates = templates, .n_templates = 1, .calibration = &cal,
                      .out_dir = out, .run_ocr = ocr};
    char *inputs[] = {in};
    scan_summary s;
    omr_error err;
    cr_assert_eq(scan_batch(&o, inputs, 1, &s, &err), OMR_OK, "%s", err.message);
    return s;
}

static scan_summary run_batch(void) { return run_batch_ocr(0); }

static char *slurp(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/out/%s", dir, name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* The value of column `column` in the records.csv row of `code` (no quoted
 * commas in the columns tested here). */
static const char *cell(const char *code, const char *column) {
    char *csv = strdup(slurp("records.csv"));
    char *save = NULL, *header = strtok_r(csv, "\r\n", &save);
    int index = -1, i = 0;
    char *hsave = NULL;
    for (char *h = strtok_r(header, ",", &hsave); h; h = strtok_r(NULL, ",", &hsave), i++)
        if (strcmp(h, column) == 0)
            index = i;
    cr_assert_geq(index, 0, "no column %s", column);
    static char value[256];
    for (char *line = strtok_r(NULL, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        if (strncmp(line, code, strlen(code)) != 0 || line[strlen(code)] != ',')
            continue;
        /* split keeping empty fields */
        char *p = line;
        for (int k = 0; k < index && p; k++) {
            p = strchr(p, ',');
            if (p)
                p++;
        }
        cr_assert_not_null(p);
        size_t len = strcspn(p, ",");
        snprintf(value, sizeof value, "%.*s", (int)len, p);
        free(csv);
        return value;
    }
    free(csv);
    cr_assert_fail("no row for %s", code);
    return NULL;
}

static void mkdir_in(void) {
    char in[512];
    snprintf(in, sizeof in, "%s/in", dir);
    mkdir(in, 0777);
}

static void write_png(omr_image *img, const char *name) {
    char path[512];
    omr_error err;
    snprintf(path, sizeof path, "%s/in/%s", dir, name);
    cr_assert_eq(encode_png(img, path, &err), OMR_OK, "%s", err.message);
}

TestSuite(scan, .init = setup, .fini = teardown, .timeout = 120);

Test(scan, reads_marks_from_two_pages_in_any_order_and_turn) {
    mkdir_in();
    omr_image *p1 = page("ABC123", 1, 200), *p2 = page("ABC123", 2, 200);
    test_cross(p1, test_box_of(tmpl, "q1a", "5"));
    test_cross(p1, test_box_of(tmpl, "q1b", "2"));
    test_fill(p1, test_box_of(tmpl, "q2a", "4"));            /* lone solid: the answer */
    test_fill(p1, test_box_of(tmpl, "q2b", "1"));            /* correction: solid beside ... */
    test_cross(p1, test_box_of(tmpl, "q2b", "3"));           /* ... a cross */
    test_cross(p1, test_box_of(tmpl, "q2c", "5"));           /* double tick */
    test_cross(p1, test_box_of(tmpl, "q2c", "1"));
    test_circle(p1, test_box_of(tmpl, "q3a", "3"), 4.2);     /* circled, box empty */
    test_cross(p2, test_box_of(tmpl, "q4a", "2"));           /* Nej ... */
    test_cross(p2, test_box_of(tmpl, "q4a1", "1"));          /* ... but answers the follow-up */
    test_cross(p2, test_box_of(tmpl, "q5r", "3"));
    test_cross(p2, test_box_of(tmpl, "q5r", "7"));
    test_cross(p2, test_box_of(tmpl, "q6", "8"));
    /* page 2 first, and upside down, in a TIFF; page 1 as PNG */
    omr_image *turned = omr_image_rotate_quarter(p2, 2);
    char path[512];
    snprintf(path, sizeof path, "%s/in/a-scan.tif", dir);
    tiff_writer *w;
    omr_error err;
    cr_assert_eq(encode_tiff_open(path, &w, &err), OMR_OK);
    cr_assert_eq(encode_tiff_add(w, turned, TIFF_G4, &err), OMR_OK);
    cr_assert_eq(encode_tiff_close(w, &err), OMR_OK);
    write_png(p1, "b-scan.png");
    scan_summary s = run_batch();
    cr_assert_eq(s.pages_read, 2);
    cr_assert_eq(s.forms, 1);
    cr_assert_str_eq(cell("ABC123", "q1a"), "5");
    cr_assert_str_eq(cell("ABC123", "q1b"), "2");
    cr_assert_str_eq(cell("ABC123", "q2a"), "4");
    cr_assert_str_eq(cell("ABC123", "q2b"), "3");
    cr_assert_str_eq(cell("ABC123", "q2c"), "");
    cr_assert_str_eq(cell("ABC123", "q2d"), "");
    cr_assert_str_eq(cell("ABC123", "q4a"), "2");
    cr_assert_str_eq(cell("ABC123", "q4a1"), "1");
    cr_assert_str_eq(cell("ABC123", "q5r.3"), "1");
    cr_assert_str_eq(cell("ABC123", "q5r.7"), "1");
    cr_assert_str_eq(cell("ABC123", "q5r.1"), "0");
    cr_assert_str_eq(cell("ABC123", "q6"), "8");
    cr_assert_str_eq(cell("ABC123", "status"), "review");
    cr_assert_str_eq(cell("ABC123", "q3a"), "3");  /* a circle is an answer (issue 9) */
    cr_assert_str_eq(cell("ABC123", "review_items"), "q2c");
    const char *flags = cell("ABC123", "flags");
    cr_assert(strstr(flags, "routing:q4a1") && strstr(flags, "corrected:q2b"), "%s", flags);
    omr_image_free(p1);
    omr_image_free(p2);
    omr_image_free(turned);
}

Test(scan, bad_input_is_rejected_with_reason_and_the_batch_goes_on) {
    mkdir_in();
    char path[512];
    /* a text file, an empty file, a truncated PNG, a blank page, a stray
     * letter, one good page alone (page 2 missing) */
    snprintf(path, sizeof path, "%s/in/notes.tif", dir);
    FILE *f = fopen(path, "w");
    fputs("Hej! Here is my form.\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/in/empty.png", dir);
    fclose(fopen(path, "w"));
    omr_image *p1 = page("ZZ9", 1, 150);
    test_cross(p1, test_box_of(tmpl, "q1a", "3"));
    write_png(p1, "good.png");
    write_png(p1, "cut.png");
    snprintf(path, sizeof path, "%s/in/cut.png", dir);
    cr_assert_eq(truncate(path, 4000), 0);
    omr_image *blank = omr_image_new(p1->width, p1->height, 150, 250);
    write_png(blank, "blank.png");
    omr_image *letter = omr_image_new(p1->width, p1->height, 150, 250);
    for (int line = 0; line < 30; line++)
        test_draw_line(letter, 25, 30 + line * 7, 180, 30 + line * 7, 0.8, 20);
    write_png(letter, "letter.png");
    scan_summary s = run_batch();
    cr_assert_eq(s.forms, 1);
    cr_assert_eq(s.pages_blank, 1);
    cr_assert_eq(s.rejected, 4, "rejected %zu", s.rejected);
    cr_assert_str_eq(cell("ZZ9", "status"), "incomplete");
    cr_assert_str_eq(cell("ZZ9", "q1a"), "3");
    cr_assert_str_eq(cell("ZZ9", "q4a"), "");      /* page 2 missing: empty */
    cr_assert_str_eq(cell("ZZ9", "q5r.1"), "");
    const char *rejects = slurp("rejects.csv");
    cr_assert(strstr(rejects, "notes.tif,,error,") && strstr(rejects, "not a TIFF, PNG, JPEG or PDF"), "%s", rejects);
    cr_assert(strstr(rejects, "empty.png"), "%s", rejects);
    cr_assert(strstr(rejects, "cut.png"), "%s", rejects);
    cr_assert(strstr(rejects, "letter.png,1,error,") && strstr(rejects, "no QR code"), "%s", rejects);
    cr_assert(strstr(rejects, "blank.png,1,blank,"), "%s", rejects);
    omr_image_free(p1);
    omr_image_free(blank);
    omr_image_free(letter);
}

Test(scan, survives_a_covered_fiducial) {
    mkdir_in();
    omr_image *p1 = page("COVER1", 1, 200);
    test_cross(p1, test_box_of(tmpl, "q1a", "1"));
    test_cross(p1, test_box_of(tmpl, "q3b", "4"));
    /* cover the bottom-left mark with white tape */
    double s = p1->dpi / 25.4;
    for (int y = (int)(280 * s); y < (int)(294 * s); y++)
        for (int x = (int)(3 * s); x < (int)(17 * s); x++)
            p1->pixels[(size_t)y * p1->stride + x] = 255;
    write_png(p1, "covered.png");
    scan_summary s2 = run_batch();
    cr_assert_eq(s2.pages_read, 1);
    cr_assert_str_eq(cell("COVER1", "q1a"), "1");
    cr_assert_str_eq(cell("COVER1", "q3b"), "4");
    cr_assert(strstr(cell("COVER1", "flags"), "fiducial_covered:1"));
    omr_image_free(p1);
}

/* A page whose lower half scanned black (a fold's panel a harsh 1-bit
 * scanner turned black; seed 8444 SM6NQKC5 page 2) keeps its two upper
 * marks and its code: it is read where its print shows, and what lies
 * under the black goes to a person, its boxes and its comment field, never
 * blank. The old code refused the page and the form came back incomplete
 * with q4a, read plainly, empty. */
Test(scan, a_page_half_black_is_read_where_it_shows_and_the_rest_goes_to_a_person) {
    mkdir_in();
    omr_image *p1 = page("PANEL2", 1, 200), *p2 = page("PANEL2", 2, 200);
    test_cross(p1, test_box_of(tmpl, "q1a", "2"));
    test_cross(p2, test_box_of(tmpl, "q4a", "1"));
    test_cross(p2, test_box_of(tmpl, "q6", "7"));
    test_black_panel(p2, 175, tmpl->page_height);
    write_png(p1, "p1.png");
    write_png(p2, "p2.png");
    scan_summary sum = run_batch();
    cr_assert_eq(sum.pages_read, 2, "%d pages read", sum.pages_read);
    cr_assert_str_eq(cell("PANEL2", "status"), "review");
    cr_assert_str_eq(cell("PANEL2", "q1a"), "2");
    cr_assert_str_eq(cell("PANEL2", "q4a"), "1");
    const char *items = cell("PANEL2", "review_items");
    cr_assert(strstr(items, "q6") && strstr(items, "comment"), "under the black: review items \"%s\"", items);
    cr_assert(!strstr(items, "q4a"), "%s", items);
    cr_assert(strstr(cell("PANEL2", "flags"), "fiducial_covered:2"), "%s", cell("PANEL2", "flags"));
    omr_image_free(p1);
    omr_image_free(p2);
}

/* A comment half under a black panel (a fold's panel a harsh threshold
 * turned black, a card laid over it): Tesseract reads the words that show,
 * surely, and the record would hold them as the whole comment. A person
 * reads it on the paper instead, and is told why. */
Test(scan, a_comment_partly_covered_is_for_a_person_not_for_ocr) {
    mkdir_in();
    omr_image *p1 = page("COVER2", 1, 300), *p2 = page("COVER2", 2, 300);
    size_t k = 0;
    while (tmpl->text_fields[k].page != 2)
        k++;
    omr_rect field = tmpl->text_fields[k].rect;
    test_write_word(p2, "DejaVu Sans", 14, "Bra bemotande", field.x + 6, field.y + 4, 0, 20);
    test_black_panel(p2, field.y + field.h / 2, field.y + field.h + 3);
    write_png(p1, "p1.png");
    write_png(p2, "p2.png");
    scan_summary sum = run_batch_ocr(1);
    cr_assert_eq(sum.pages_read, 2, "%d pages read", sum.pages_read);
    cr_assert_str_eq(cell("COVER2", "comment"), "", "the words that show taken for the comment");
    cr_assert(strstr(cell("COVER2", "review_items"), "comment"), "%s", cell("COVER2", "review_items"));
    cr_assert(strstr(cell("COVER2", "review_reasons"), "comment: part of the field is covered"), "%s",
              cell("COVER2", "review_reasons"));
    omr_image_free(p1);
    omr_image_free(p2);
}

Test(scan, page_from_another_questionnaire_is_rejected) {
    mkdir_in();
    omr_template *other = test_template("oj-2021-ekb");
    omr_error err;
    omr_image *img = render_page_image(other, "0180", 1, 150, &err);
    cr_assert_not_null(img);
    write_png(img, "other.png");
    scan_summary s = run_batch();
    cr_assert_eq(s.rejected, 1);
    const char *rejects = slurp("rejects.csv");
    cr_assert(strstr(rejects, "oj-2021-ekb") && strstr(rejects, "not among the templates"), "%s", rejects);
    omr_image_free(img);
    template_free(other);
}

/* The same page with its code stained: the look knows it resembles ekb-2024's
 * page 1 but its boxes are elsewhere; the mailroom reads why, not only "no
 * QR code found". */
Test(scan, a_codeless_page_like_one_of_ours_is_rejected_saying_which_and_why) {
    mkdir_in();
    omr_template *other = test_template("oj-2021-ekb");
    omr_error err;
    omr_image *img = render_page_image(other, "0180", 1, 200, &err);
    cr_assert_not_null(img);
    test_stain_qr(other, img);
    write_png(img, "other.png");
    scan_summary s = run_batch();
    cr_assert_eq(s.rejected, 1);
    cr_assert_eq(s.pages_read, 0);
    const char *rejects = slurp("rejects.csv");
    cr_assert(strstr(rejects, "other.png,1,error,") && strstr(rejects, "page 1 of ekb-2024") &&
                  strstr(rejects, "rows of boxes"),
              "%s", rejects);
    omr_image_free(img);
    template_free(other);
}

/* An ellipse drawn around a label (not the box) with every box empty. */
static void ellipse_around_label(omr_image *img, omr_rect box, double width) {
    double cx = box.x + box.w + 1.6 + width / 2, cy = box.y + box.h / 2;
    double rx = width / 2 + 0.8, ry = 3.0;
    for (int i = 0; i < 72; i++) {
        double a0 = i * M_PI / 36, a1 = (i + 1) * M_PI / 36;
        test_draw_line(img, cx + rx * cos(a0), cy + ry * sin(a0), cx + rx * cos(a1),
                       cy + ry * sin(a1), 0.4, 40);
    }
}

Test(scan, circle_around_a_label_is_never_read_as_blank) {
    mkdir_in();
    omr_image *p2 = page("LABEL1", 2, 200);
    ellipse_around_label(p2, test_box_of(tmpl, "q5", "2"), 7);    /* "Nej" circled */
    test_cross(p2, test_box_of(tmpl, "q4a", "1"));
    write_png(p2, "p2.png");
    run_batch();
    cr_assert_str_eq(cell("LABEL1", "q5"), "2");  /* the circled label's box (issue 9) */
    cr_assert_str_eq(cell("LABEL1", "q4a"), "1");
    const char *items = cell("LABEL1", "review_items");
    cr_assert(strstr(items, "q5") == NULL, "review_items: %s", items);
    cr_assert(strstr(items, "q4a") == NULL, "review_items: %s", items);
    omr_image_free(p2);
}

Test(scan, reads_a_pdf_from_a_network_scanner_and_a_page_turned_90) {
    mkdir_in();
    /* the print file itself, as a network scanner's PDF of an unfilled form */
    char path[512], codes_pdf[512];
    snprintf(codes_pdf, sizeof codes_pdf, "%s/in/scan.pdf", dir);
    char *codes[] = {"PDF1"};
    omr_error err;
    cr_assert_eq(render_forms(tmpl, codes, 1, RENDER_PDF, 300, codes_pdf, &err), OMR_OK, "%s", err.message);
    /* another form's page 1, filled and turned a quarter clockwise */
    omr_image *p1 = page("TURN90", 1, 200);
    test_cross(p1, test_box_of(tmpl, "q1b", "3"));
    test_cross(p1, test_box_of(tmpl, "q3b", "1"));
    omr_image *turned = omr_image_rotate_quarter(p1, 1);
    write_png(turned, "turned.png");
    snprintf(path, sizeof path, "%s/in/turned.png", dir);
    scan_summary s = run_batch();
    cr_assert_eq(s.pages_read, 3, "read %zu of %zu", s.pages_read, s.pages);
    cr_assert_str_eq(cell("PDF1", "status"), "ok");
    cr_assert_str_eq(cell("PDF1", "q1a"), "");
    cr_assert_str_eq(cell("TURN90", "q1b"), "3");
    cr_assert_str_eq(cell("TURN90", "q3b"), "1");
    cr_assert_str_eq(cell("TURN90", "status"), "incomplete");
    omr_image_free(p1);
    omr_image_free(turned);
}

Test(scan, absurd_image_size_is_refused_by_name) {
    mkdir_in();
    /* a valid PNG (CRCs right) whose header claims 100000 x 100000 pixels */
    static const unsigned char header[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x01, 0x86, 0xa0, 0x00, 0x01, 0x86, 0xa0, 0x08, 0x00, 0x00, 0x00, 0x00, 0x8d, 0x39, 0x54, 0x14, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0xa0, 0x0c, 0x00, 0x00, 0x00, 0x40, 0x00, 0x01, 0xb7, 0x34, 0x7c, 0xef, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
    char path[512];
    snprintf(path, sizeof path, "%s/in/huge.png", dir);
    FILE *f = fopen(path, "wb");
    fwrite(header, 1, sizeof header, f);
    fclose(f);
    omr_image *p = page("OK1", 1, 150);
    write_png(p, "ok.png");
    scan_summary s = run_batch();
    cr_assert_eq(s.forms, 1);
    cr_assert_eq(s.rejected, 1);
    const char *rejects = slurp("rejects.csv");
    cr_assert(strstr(rejects, "huge.png") && strstr(rejects, "100000 x 100000 pixels"), "%s", rejects);
    omr_image_free(p);
}

/* A folder with two links to itself: walked 2^40 times before (never ending);
 * now each real folder and file once, and the skips are counted. */
Test(scan, links_back_to_a_folder_walk_it_once_and_read_each_file_once, .timeout = 60) {
    mkdir_in();
    omr_image *p = page("LN1", 1, 150);
    write_png(p, "only.png");
    char path[512], target[512];
    snprintf(path, sizeof path, "%s/in/again", dir);
    cr_assert_eq(symlink(".", path), 0);
    snprintf(path, sizeof path, "%s/in/and-again", dir);
    cr_assert_eq(symlink(".", path), 0);
    /* a second name for the same file, and a link to it */
    snprintf(target, sizeof target, "%s/in/only.png", dir);
    snprintf(path, sizeof path, "%s/in/same.png", dir);
    cr_assert_eq(link(target, path), 0);
    snprintf(path, sizeof path, "%s/in/link.png", dir);
    cr_assert_eq(symlink("only.png", path), 0);
    scan_summary s = run_batch();
    cr_assert_eq(s.files, 1, "files %zu", s.files);
    cr_assert_eq(s.pages, 1);
    cr_assert_eq(s.duplicates, 0);
    cr_assert_eq(s.skipped_folders, 2, "%zu", s.skipped_folders);
    cr_assert_eq(s.skipped_files, 2, "%zu", s.skipped_files);
    cr_assert_eq(s.forms, 1);
    omr_image_free(p);
}

/* A FIFO (which would block a reader) and /dev/zero (which never ends) are
 * refused by what they are, before anything opens them. */
Test(scan, a_fifo_and_a_device_are_refused_unopened_with_their_reason, .timeout = 60) {
    mkdir_in();
    omr_image *p = page("FF1", 1, 150);
    write_png(p, "ok.png");
    char fifo[512], in[512], out[512], zero_link[512];
    snprintf(fifo, sizeof fifo, "%s/in/scanner.pipe", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    snprintf(zero_link, sizeof zero_link, "%s/in/zero.tif", dir);
    cr_assert_eq(symlink("/dev/zero", zero_link), 0);
    snprintf(in, sizeof in, "%s/in", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    const omr_template *templates[] = {tmpl};
    scan_options o = {.templates = templates, .n_templates = 1, .calibration = &cal, .out_dir = out, .run_ocr = 0};
    char *inputs[] = {in, "/dev/zero"};
    scan_summary s;
    omr_error err;
    cr_assert_eq(scan_batch(&o, inputs, 2, &s, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(s.forms, 1);
    cr_assert_eq(s.rejected, 3, "rejected %zu", s.rejected);
    const char *rejects = slurp("rejects.csv");
    cr_assert(strstr(rejects, "scanner.pipe,,error,\"a named pipe (FIFO), not a scan file"), "%s", rejects);
    cr_assert(strstr(rejects, "\n/dev/zero,,error,\"a character device, not a scan file"), "%s", rejects);
    cr_assert(strstr(rejects, "zero.tif,,error,\"a character device"), "%s", rejects);
    omr_image_free(p);
}

/* The page turned by `degrees` on a canvas grown to hold it (white around),
 * bilinear, saved with resolution `dpi` (0: none). */
static omr_image *turned_grown(const omr_image *src, double degrees, double dpi) {
    double r = degrees * M_PI / 180, c = cos(r), sn = sin(r);
    int width = (int)(src->width * c + src->height * fabs(sn)) + 2;
    int height = (int)(src->width * fabs(sn) + src->height * c) + 2;
    omr_image *dst = omr_image_new(width, height, dpi, 255);
    cr_assert_not_null(dst);
    double cx = src->width / 2.0, cy = src->height / 2.0, dx = width / 2.0, dy = height / 2.0;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            double u = (x - dx) * c + (y - dy) * sn + cx, v = -(x - dx) * sn + (y - dy) * c + cy;
            int x0 = (int)floor(u), y0 = (int)floor(v);
            if (x0 < 0 || y0 < 0 || x0 + 1 >= src->width || y0 + 1 >= src->height)
                continue;
            double fx = u - x0, fy = v - y0;
            double val = (1 - fx) * (1 - fy) * omr_image_at(src, x0, y0) + fx * (1 - fy) * omr_image_at(src, x0 + 1, y0) +
                         (1 - fx) * fy * omr_image_at(src, x0, y0 + 1) + fx * fy * omr_image_at(src, x0 + 1, y0 + 1);
            dst->pixels[(size_t)y * dst->stride + x] = (uint8_t)lround(val);
        }
    return dst;
}

Test(scan, an_untagged_200_dpi_jpeg_turned_1_8_degrees_and_a_200_dpi_page_tagged_300_are_read) {
    mkdir_in();
    omr_image *p1 = page("NOTAG1", 1, 200), *p2 = page("NOTAG1", 2, 200);
    test_cross(p1, test_box_of(tmpl, "q1a", "4"));
    test_cross(p1, test_box_of(tmpl, "q3b", "2"));
    test_cross(p2, test_box_of(tmpl, "q4a", "1"));
    test_cross(p2, test_box_of(tmpl, "q6", "3"));
    /* page 1: a JPEG with JFIF density 1:1 (units 0), turned 1.8 degrees */
    omr_image *jpeg = turned_grown(p1, 1.8, 0);
    char path[512];
    omr_error err;
    snprintf(path, sizeof path, "%s/in/notag.jpg", dir);
    cr_assert_eq(encode_jpeg(jpeg, path, 85, &err), OMR_OK, "%s", err.message);
    /* page 2: 200-dpi pixels in a TIFF that says 300 dpi */
    omr_image *lying = turned_grown(p2, -0.7, 300);
    snprintf(path, sizeof path, "%s/in/lying.tif", dir);
    tiff_writer *w;
    cr_assert_eq(encode_tiff_open(path, &w, &err), OMR_OK);
    cr_assert_eq(encode_tiff_add(w, lying, TIFF_LZW, &err), OMR_OK);
    cr_assert_eq(encode_tiff_close(w, &err), OMR_OK);
    scan_summary s = run_batch();
    cr_assert_eq(s.pages_read, 2, "read %zu of %zu: %s", s.pages_read, s.pages, slurp("rejects.csv"));
    cr_assert_str_eq(cell("NOTAG1", "status"), "ok");
    cr_assert_str_eq(cell("NOTAG1", "q1a"), "4");
    cr_assert_str_eq(cell("NOTAG1", "q3b"), "2");
    cr_assert_str_eq(cell("NOTAG1", "q4a"), "1");
    cr_assert_str_eq(cell("NOTAG1", "q6"), "3");
    omr_image_free(p1);
    omr_image_free(p2);
    omr_image_free(jpeg);
    omr_image_free(lying);
}

Test(scan, a_light_cross_between_two_boxes_goes_to_a_person_never_reads_as_no_answer) {
    /* held-out 4202 653C2EBZ q1a: a pencil cross half way between "3" and
     * "2", half of it round each box, each half under what one box may
     * hold alone: read as no answer, silently */
    mkdir_in();
    omr_image *p1 = page("BETWN1", 1, 300), *p2 = page("BETWN1", 2, 300);
    omr_rect three = test_box_of(tmpl, "q1a", "3"), two = test_box_of(tmpl, "q1a", "2");
    double cx = (three.x + three.w + two.x) / 2, cy = three.y + three.h / 2;
    test_draw_line(p1, cx - 1.6, cy - 1.6, cx + 1.6, cy + 1.6, 0.25, 150);
    test_draw_line(p1, cx + 1.6, cy - 1.6, cx - 1.6, cy + 1.6, 0.25, 150);
    test_cross(p1, test_box_of(tmpl, "q1b", "4"));
    test_cross(p2, test_box_of(tmpl, "q4a", "1"));
    write_png(p1, "p1.png");
    write_png(p2, "p2.png");
    run_batch();
    cr_assert_str_eq(cell("BETWN1", "q1b"), "4");
    cr_assert_str_eq(cell("BETWN1", "q1a"), "", "the cross between two boxes is neither's");
    const char *items = cell("BETWN1", "review_items");
    cr_assert(strstr(items, "q1a") != NULL, "review_items: '%s'", items);
    cr_assert(strstr(items, "q1b") == NULL, "review_items: '%s'", items);
    /* each box holds less ink round it than one box may hold alone */
    const char *marks = slurp("marks.csv");
    for (const char *value = "3"; value; value = strcmp(value, "3") == 0 ? "2" : NULL) {
        char key[64];
        snprintf(key, sizeof key, "BETWN1,1,q1a,%s,", value);
        const char *row = strstr(marks, key);
        cr_assert_not_null(row, "%s", key);
        double near = -1;
        cr_assert_eq(sscanf(row + strlen(key), "%*[^,],%*[^,],%*[^,],%*[^,],%lf", &near), 1, "%.80s", row);
        cr_assert(near > 0.3 && near < cal.near_max_mm2, "box %s: %.2f mm^2 round it", value, near);
    }
    omr_image_free(p1);
    omr_image_free(p2);
}

Test(scan, a_form_with_a_missing_page_is_incomplete_whatever_else_needs_review) {
    mkdir_in();
    omr_image *p2 = page("HALF1", 2, 200);
    test_cross(p2, test_box_of(tmpl, "q4a", "1"));
    test_cross(p2, test_box_of(tmpl, "q6", "3"));
    test_cross(p2, test_box_of(tmpl, "q6", "5")); /* a double tick: needs a person */
    write_png(p2, "p2.png");
    scan_summary s = run_batch();
    cr_assert_eq(s.forms_incomplete, 1);
    cr_assert_str_eq(cell("HALF1", "status"), "incomplete");
    cr_assert_str_eq(cell("HALF1", "review_items"), "q6");
    cr_assert_str_eq(cell("HALF1", "q1a"), "");
    const char *flags = cell("HALF1", "flags");
    cr_assert(strstr(flags, "missing_page:1 missing_questions:q1a|"), "%s", flags);
    cr_assert(strstr(flags, "|q3b") && !strstr(flags, "q4a"), "%s", flags);
    omr_image_free(p2);
}

/* 1-bit at a dark threshold, as a harsh office scanner writes it. */
static void dark_bilevel(omr_image *img, int threshold) {
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            uint8_t *p = &img->pixels[(size_t)y * img->stride + x];
            *p = *p < threshold ? 0 : 255;
        }
}

static void write_tiff(omr_image *const *pages, int n, const char *name) {
    char path[512];
    omr_error err;
    snprintf(path, sizeof path, "%s/in/%s", dir, name);
    tiff_writer *w;
    cr_assert_eq(encode_tiff_open(path, &w, &err), OMR_OK);
    for (int i = 0; i < n; i++)
        cr_assert_eq(encode_tiff_add(w, pages[i], TIFF_G4, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(encode_tiff_close(w, &err), OMR_OK);
}

/* A page whose lower half scanned black and whose QR code is lost too
 * (bled past reading) is known by its look from the two marks it shows,
 * and takes the code of its other page in the file (seed 8373 EYQZXXW9
 * page 1: refused, "no QR code found", its form incomplete). */
Test(scan, a_page_half_black_whose_qr_code_is_lost_is_known_by_its_look_and_its_other_page) {
    mkdir_in();
    omr_image *p1 = page("PANEL3", 1, 200), *p2 = page("PANEL3", 2, 200);
    test_cross(p1, test_box_of(tmpl, "q1a", "2"));
    test_cross(p1, test_box_of(tmpl, "q3b", "4"));
    test_cross(p2, test_box_of(tmpl, "q4a", "1"));
    test_stain_qr(tmpl, p1);
    test_black_panel(p1, 140, tmpl->page_height);
    omr_image *pages[] = {p1, p2};
    write_tiff(pages, 2, "panel.tif");
    scan_summary sum = run_batch();
    cr_assert_eq(sum.pages_read, 2, "%s", slurp("rejects.csv"));
    cr_assert_str_eq(cell("PANEL3", "q1a"), "2");
    cr_assert_str_eq(cell("PANEL3", "q4a"), "1");
    cr_assert_str_eq(cell("PANEL3", "status"), "review");
    cr_assert(strstr(cell("PANEL3", "review_items"), "q3b"), "under the black: %s", cell("PANEL3", "review_items"));
    cr_assert(strstr(cell("PANEL3", "flags"), "fiducial_covered:1"), "%s", cell("PANEL3", "flags"));
    omr_image_free(p1);
    omr_image_free(p2);
}

Test(scan, a_dark_1_bit_page_whose_qr_code_does_not_decode_is_read_by_its_look_and_printed_code) {
    mkdir_in();
    /* a code as `omr frame codes` makes them: its last character checks the rest */
    char code[16] = "K7M2QX";
    size_t len = strlen(code);
    code[len] = identify_check_char(code);
    code[len + 1] = 0;
    omr_image *p1 = page(code, 1, 200);
    test_cross(p1, test_box_of(tmpl, "q1a", "2"));
    test_cross(p1, test_box_of(tmpl, "q3b", "5"));
    test_stain_qr(tmpl, p1);
    cvw_gaussian_blur(p1, 0.9);
    dark_bilevel(p1, 200);
    /* upside down, alone in its file */
    omr_image *turned = omr_image_rotate_quarter(p1, 2);
    write_tiff(&turned, 1, "stained.tif");
    scan_summary s = run_batch();
    cr_assert_eq(s.pages_read, 1, "%s", slurp("rejects.csv"));
    cr_assert_str_eq(cell(code, "q1a"), "2");
    cr_assert_str_eq(cell(code, "q3b"), "5");
    cr_assert_str_eq(cell(code, "status"), "incomplete"); /* page 2 was not sent */
    omr_image_free(p1);
    omr_image_free(turned);
}

Test(scan, a_page_without_a_readable_code_takes_its_code_from_the_other_page_of_its_file) {
    mkdir_in();
    /* two envelopes in one file; B's page 2 has no readable code, and its
     * code has no check character to confirm a reading of its print */
    omr_image *a1 = page("AAAA1111", 1, 200), *a2 = page("AAAA1111", 2, 200);
    omr_image *b1 = page("BBBB2222", 1, 200), *b2 = page("BBBB2222", 2, 200);
    test_cross(a2, test_box_of(tmpl, "q6", "2"));
    test_cross(b2, test_box_of(tmpl, "q6", "7"));
    test_cross(b2, test_box_of(tmpl, "q4a", "1"));
    test_stain_qr(tmpl, b2);
    omr_image *pages[] = {a1, a2, b2, b1}; /* B's pages in the wrong order */
    write_tiff(pages, 4, "two.tif");
    scan_summary s = run_batch();
    cr_assert_eq(s.pages_read, 4, "%s", slurp("rejects.csv"));
    cr_assert_eq(s.forms, 2);
    cr_assert_str_eq(cell("BBBB2222", "q6"), "7");
    cr_assert_str_eq(cell("BBBB2222", "q4a"), "1");
    cr_assert_str_eq(cell("BBBB2222", "status"), "ok");
    cr_assert_str_eq(cell("AAAA1111", "q6"), "2");
    omr_image_free(a1);
    omr_image_free(a2);
    omr_image_free(b1);
    omr_image_free(b2);
}

Test(scan, a_page_half_turned_to_speckle_whose_qr_code_is_lost_is_known_by_its_look) {
    /* seed 7501 DYPSEJGY page 2: a harsh 1-bit scan turned the folded
     * sheet's lower half to speckle and lost the QR code; its likeness to
     * the blank page 2, taken over the whole page, fell to 0.25 (0.35 is
     * asked) and the page was lost with its 16 answers and a comment. Each
     * part of the page against its own level, the print's likeness holds */
    mkdir_in();
    omr_image *p1 = page("DYPS2222", 1, 200), *p2 = page("DYPS2222", 2, 200);
    test_cross(p2, test_box_of(tmpl, "q4a", "1"));
    test_cross(p2, test_box_of(tmpl, "q6", "7"));
    test_stain_qr(tmpl, p2);
    test_speckle_panel(p2, tmpl->page_height / 2, 0, 0.35);
    omr_image *pages[] = {p1, p2};
    write_tiff(pages, 2, "speckled.tif");
    scan_summary s = run_batch();
    cr_assert_eq(s.pages_read, 2, "%s", slurp("rejects.csv"));
    cr_assert_str_eq(cell("DYPS2222", "q4a"), "1");
    cr_assert_str_neq(cell("DYPS2222", "status"), "incomplete");
    omr_image_free(p1);
    omr_image_free(p2);
}

/* The sheet on a larger glass, as a flatbed scans it: `img` pasted at
 * (left, top) mm into a white canvas grown by `grow` mm each way. */
static omr_image *on_glass(const omr_image *img, double left, double top, double grow) {
    double s = img->dpi / 25.4;
    int ox = (int)(left * s), oy = (int)(top * s);
    omr_image *g = omr_image_new(img->width + (int)(grow * s), img->height + (int)(grow * s), 0, 255);
    cr_assert_not_null(g);
    for (int y = 0; y < img->height; y++)
        memcpy(g->pixels + (size_t)(y + oy) * g->stride + ox, img->pixels + (size_t)y * img->stride,
               (size_t)img->width);
    return g;
}

Test(scan, a_dark_1_bit_page_on_a_larger_glass_whose_qr_code_is_lost_takes_the_code_of_its_other_page) {
    mkdir_in();
    /* scan-00040.tif of seed 6151: untagged 1-bit pages, the glass around
     * the sheet scanned too, page 2's QR code bled shut */
    omr_image *p1 = page("GLAS5511", 1, 200), *p2 = page("GLAS5511", 2, 200);
    test_cross(p2, test_box_of(tmpl, "q6", "9"));
    test_cross(p2, test_box_of(tmpl, "q4a", "1"));
    test_stain_qr(tmpl, p2);
    omr_image *g1 = on_glass(p1, 3, 2, 12), *g2 = on_glass(p2, 10, 14, 30);
    dark_bilevel(g1, 200);
    dark_bilevel(g2, 200);
    omr_image *pages[] = {g1, g2};
    write_tiff(pages, 2, "glass.tif");
    scan_summary s = run_batch();
    cr_assert_eq(s.pages_read, 2, "%s", slurp("rejects.csv"));
    cr_assert_eq(s.forms, 1);
    cr_assert_str_eq(cell("GLAS5511", "q6"), "9");
    cr_assert_str_eq(cell("GLAS5511", "q4a"), "1");
    cr_assert_str_eq(cell("GLAS5511", "status"), "ok");
    omr_image_free(p1);
    omr_image_free(p2);
    omr_image_free(g1);
    omr_image_free(g2);
}

/* An A4 page on a US Letter bed, turned by `half_turns` * 180 degrees
 * first: the sheet `down_mm` below the bed's top left corner, 5.9 mm of bed
 * beside it, its last 17.6 mm + down_mm beyond the bed (make_variants.py
 * letter_bed). */
static omr_image *on_letter_bed(const omr_image *a4, int half_turns, double down_mm) {
    int w = (int)lround(8.5 * a4->dpi), h = (int)lround(11 * a4->dpi), down = (int)lround(down_mm * a4->dpi / 25.4);
    omr_image *bed = omr_image_new(w, h, a4->dpi, 255);
    cr_assert_not_null(bed);
    for (int y = down; y < h && y - down < a4->height; y++)
        for (int x = 0; x < a4->width && x < w; x++) {
            int sx = half_turns % 2 ? a4->width - 1 - x : x,
                sy = half_turns % 2 ? a4->height - 1 - (y - down) : y - down;
            bed->pixels[(size_t)y * bed->stride + x] = a4->pixels[(size_t)sy * a4->stride + sx];
        }
    return bed;
}

/* Both pages of a form on a Letter bed, the second upside down: the first
 * lost its bottom marks, the second (laid 5 mm lower) its QR code and its
 * top marks (they lie beyond the bed). Two marks place each page;
 * the second is known by its look and takes the code of the first page in
 * its file (it was rejected: "no QR code found"; make_variants.py
 * letter_bed, seeds 4903 and 4911). */
Test(scan, an_upside_down_page_cut_short_by_a_letter_bed_is_known_by_its_look) {
    mkdir_in();
    /* the second scanned 1% small, as scanners are off by a little: the
     * bed's width then gives a scale 3.7% off, the resolution tag 1% */
    omr_image *p1 = page("LETR5522", 1, 200), *p2 = page("LETR5522", 2, 198);
    p2->dpi = 200;
    test_cross(p1, test_box_of(tmpl, "q2a", "3"));
    test_cross(p2, test_box_of(tmpl, "q6", "7"));
    test_cross(p2, test_box_of(tmpl, "q4a", "2"));
    omr_image *b1 = on_letter_bed(p1, 0, 0), *b2 = on_letter_bed(p2, 1, 5);
    omr_image *pages[] = {b1, b2};
    write_tiff(pages, 2, "letter.tif");
    scan_summary s = run_batch();
    cr_assert_eq(s.pages_read, 2, "%s", slurp("rejects.csv"));
    cr_assert_eq(s.forms, 1);
    cr_assert_str_eq(cell("LETR5522", "q2a"), "3");
    cr_assert_str_eq(cell("LETR5522", "q6"), "7");
    cr_assert_str_eq(cell("LETR5522", "q4a"), "2");
    omr_image_free(p1);
    omr_image_free(p2);
    omr_image_free(b1);
    omr_image_free(b2);
}

/* The QR square stained and the code printed under it smudged: a page
 * only its look tells. */
static void no_code(omr_image *img) {
    test_stain_qr(tmpl, img);
    double s = img->dpi / 25.4;
    omr_rect r = tmpl->code_rect;
    for (int y = (int)((r.y + r.h) * s); y < (int)((r.y + r.h + 5) * s); y++)
        for (int x = (int)(r.x * s); x < (int)((r.x + r.w) * s); x++)
            img->pixels[(size_t)y * img->stride + x] = 0;
}

Test(scan, a_page_whose_code_cannot_be_found_goes_to_a_person_with_its_likely_form) {
    mkdir_in();
    omr_image *p2 = page("CCCC3333", 2, 200);
    test_cross(p2, test_box_of(tmpl, "q6", "4"));
    no_code(p2);
    write_png(p2, "smudged.png");
    scan_summary s2 = run_batch();
    cr_assert_eq(s2.pages_read, 0);
    cr_assert_eq(s2.forms, 0);
    const char *rejects = slurp("rejects.csv");
    cr_assert(strstr(rejects, "smudged.png,1,error,") && strstr(rejects, "looks like page 2 of ekb-2024"), "%s",
              rejects);
    omr_image_free(p2);
}

/* A number from the ledger dir/led.db. */
static long long led_int(const char *query) {
    char path[512];
    snprintf(path, sizeof path, "%s/led.db", dir);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, query, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static scan_summary run_batch_into_ledger(void) {
    const omr_template *templates[] = {tmpl};
    char out[512], in[512], db[512];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(in, sizeof in, "%s/in", dir);
    snprintf(db, sizeof db, "%s/led.db", dir);
    scan_options o = {.templates = templates, .n_templates = 1, .calibration = &cal, .out_dir = out,
                      .run_ocr = 0, .db_path = db};
    char *inputs[] = {in};
    scan_summary s;
    omr_error err;
    cr_assert_eq(scan_batch(&o, inputs, 1, &s, &err), OMR_OK, "%s", err.message);
    return s;
}

/* The one open unmatched_page item, decided by `op` with `code`. */
static int decide_unmatched(const char *op, const char *code, time_t now, int64_t *item, omr_error *err) {
    char path[512];
    snprintf(path, sizeof path, "%s/led.db", dir);
    omr_db *db;
    cr_assert_eq(store_open(path, &db, err), OMR_OK, "%s", err->message);
    review_queue *q;
    cr_assert_eq(review_queue_new(db, 600, NULL, &q, err), OMR_OK, "%s", err->message);
    *item = led_int("SELECT id FROM review_items WHERE kind = 'unmatched_page' AND state = 'open'");
    review_choice c = {.kind = REVIEW_CHOICE_MATCH, .value = code};
    int rc = review_decide(q, op, *item, &c, now, err);
    review_queue_free(q);
    store_close(db);
    return rc;
}

Test(scan, both_pages_of_a_form_without_a_readable_code_are_one_item_and_the_code_typed_once_lands_both) {
    mkdir_in();
    omr_image *p1 = page("DDDD4444", 1, 200), *p2 = page("DDDD4444", 2, 200);
    test_cross(p1, test_box_of(tmpl, "q1a", "4"));
    test_cross(p2, test_box_of(tmpl, "q6", "2"));
    no_code(p1);
    no_code(p2);
    omr_image *both[2] = {p1, p2};
    write_tiff(both, 2, "both.tif");
    scan_summary s1 = run_batch_into_ledger();
    cr_assert_eq(s1.pages_read, 0);
    /* one item for the two pages, each page stored with its look and marks */
    cr_assert_eq(led_int("SELECT count(*) FROM review_items WHERE kind = 'unmatched_page'"), 1);
    cr_assert_eq(led_int("SELECT count(*) FROM review_items WHERE item = 'pages 1 2'"), 1);
    cr_assert_eq(led_int("SELECT count(*) FROM pages WHERE status = 'rejected' AND template = 'ekb-2024' "
                         "AND page = file_page"), 2);
    long long marks = led_int("SELECT count(*) FROM marks");
    cr_assert_gt(marks, 0);
    cr_assert_eq(led_int("SELECT count(*) FROM returns"), 0);
    /* the file is not rejected: its pages wait for a person, and its log says so */
    cr_assert_eq(led_int("SELECT count(*) FROM scan_files WHERE state = 'done'"), 1);
    cr_assert_eq(led_int("SELECT count(*) FROM events WHERE message LIKE '%2 pages known by their look wait in "
                         "review%'"), 1);

    /* the operator types the code once: both pages join one return, and
     * their marks are its answers */
    int64_t item;
    omr_error err;
    cr_assert_eq(decide_unmatched("anna", "dddd4444", 1790000000, &item, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(led_int("SELECT count(*) FROM returns WHERE code = 'DDDD4444'"), 1);
    cr_assert_eq(led_int("SELECT count(DISTINCT return_id) FROM pages WHERE status = 'read' AND code = 'DDDD4444'"),
                 1);
    cr_assert_eq(led_int("SELECT count(*) FROM pages WHERE status = 'read'"), 2);
    cr_assert_eq(led_int("SELECT count(*) FROM answers WHERE question = 'q1a' AND value = '4'"), 1);
    cr_assert_eq(led_int("SELECT count(*) FROM answers WHERE question = 'q6' AND value = '2'"), 1);
    cr_assert_eq(led_int("SELECT count(*) FROM review_items WHERE kind = 'unmatched_page' AND state = 'open'"), 0);
    /* who decided it is kept, as every decision */
    cr_assert_eq(led_int("SELECT count(*) FROM decisions WHERE operator = 'anna' AND "
                         "final_value = 'ekb-2024:DDDD4444:1+2'"), 1);
    long long answers = led_int("SELECT count(*) FROM answers");

    /* undone: both pages wait again as the scanner left them, the return
     * the match started is gone; matched again, the same as before */
    char path[512];
    snprintf(path, sizeof path, "%s/led.db", dir);
    omr_db *db;
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    review_queue *q;
    cr_assert_eq(review_queue_new(db, 600, NULL, &q, &err), OMR_OK, "%s", err.message);
    int64_t undone = 0;
    cr_assert_eq(review_undo(q, "anna", 1790000001, &undone, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(undone, item);
    review_queue_free(q);
    store_close(db);
    cr_assert_eq(led_int("SELECT count(*) FROM pages WHERE status = 'rejected' AND code IS NULL AND "
                         "return_id IS NULL AND page = file_page"), 2);
    cr_assert_eq(led_int("SELECT count(*) FROM returns"), 0);
    cr_assert_eq(led_int("SELECT count(*) FROM answers"), 0);
    cr_assert_eq(decide_unmatched("anna", "DDDD4444", 1790000002, &item, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(led_int("SELECT count(*) FROM answers"), answers);

    /* the same file again (a re-run, a restart): nothing counted twice */
    scan_summary s2 = run_batch_into_ledger();
    (void)s2;
    cr_assert_eq(led_int("SELECT count(*) FROM returns"), 1);
    cr_assert_eq(led_int("SELECT count(*) FROM pages"), 2);
    cr_assert_eq(led_int("SELECT count(*) FROM marks"), marks);
    cr_assert_eq(led_int("SELECT count(*) FROM answers"), answers);
    cr_assert_eq(led_int("SELECT count(*) FROM review_items WHERE kind = 'unmatched_page'"), 1);
    cr_assert_str_eq(cell("DDDD4444", "q1a"), "4");
    cr_assert_str_eq(cell("DDDD4444", "q6"), "2");
    omr_image_free(p1);
    omr_image_free(p2);
}

Test(scan, unreadable_pages_that_are_not_plainly_one_form_stay_one_item_each) {
    mkdir_in();
    /* two first pages: two respondents; page 1, page 1, page 2: which first
     * page goes with the second is a guess */
    omr_image *a = page("EEEE5555", 1, 200), *b = page("FFFF6666", 1, 200), *c = page("FFFF6666", 2, 200);
    no_code(a);
    no_code(b);
    no_code(c);
    omr_image *two[2] = {a, b}, *three[3] = {a, b, c};
    write_tiff(two, 2, "two.tif");
    write_tiff(three, 3, "three.tif");
    run_batch_into_ledger();
    cr_assert_eq(led_int("SELECT count(*) FROM review_items WHERE kind = 'unmatched_page' AND item = 'page'"), 5);
    cr_assert_eq(led_int("SELECT count(*) FROM review_items WHERE item LIKE 'pages%'"), 0);
    omr_image_free(a);
    omr_image_free(b);
    omr_image_free(c);
}

Test(scan, a_page_matched_to_a_form_missing_it_completes_the_form_and_undone_leaves_it_incomplete_again) {
    mkdir_in();
    omr_image *p1 = page("HHHH7777", 1, 200), *p2 = page("HHHH7777", 2, 200);
    test_cross(p2, test_box_of(tmpl, "q6", "2"));
    no_code(p2);
    write_png(p1, "a-page1.png");
    write_png(p2, "b-page2.png"); /* another file: its code is not taken from page 1 */
    run_batch_into_ledger();
    cr_assert_eq(led_int("SELECT count(*) FROM returns WHERE code = 'HHHH7777' AND flags LIKE '%missing_page:2%'"), 1);
    cr_assert_eq(led_int("SELECT count(*) FROM review_items WHERE kind = 'unmatched_page' AND item = 'page'"), 1);
    int64_t item;
    omr_error err;
    cr_assert_eq(decide_unmatched("anna", "HHHH7777", 1790000000, &item, &err), OMR_OK, "%s", err.message);
    /* page 2 joins the form that lacked it, its marks its answers */
    cr_assert_eq(led_int("SELECT count(*) FROM returns"), 1);
    cr_assert_eq(led_int("SELECT count(*) FROM pages WHERE status = 'read' AND code = 'HHHH7777'"), 2);
    cr_assert_eq(led_int("SELECT count(*) FROM returns WHERE flags LIKE '%missing_page%'"), 0);
    cr_assert_eq(led_int("SELECT count(*) FROM answers WHERE question = 'q6' AND value = '2'"), 1);
    /* undone: the form is as the scanner left it, incomplete */
    char path[512];
    snprintf(path, sizeof path, "%s/led.db", dir);
    omr_db *db;
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    review_queue *q;
    cr_assert_eq(review_queue_new(db, 600, NULL, &q, &err), OMR_OK, "%s", err.message);
    int64_t undone = 0;
    cr_assert_eq(review_undo(q, "anna", 1790000001, &undone, &err), OMR_OK, "%s", err.message);
    review_queue_free(q);
    store_close(db);
    cr_assert_eq(undone, item);
    cr_assert_eq(led_int("SELECT count(*) FROM returns WHERE flags LIKE '%missing_page:2%'"), 1);
    cr_assert_eq(led_int("SELECT count(*) FROM answers WHERE question = 'q6' AND value = '2'"), 0);
    cr_assert_eq(led_int("SELECT count(*) FROM pages WHERE status = 'read'"), 1);
    omr_image_free(p1);
    omr_image_free(p2);
}

/* Moves the rows of a page between 45 and 255 mm from its top (every box
 * of page 2, not its corner marks nor its code) `shift_mm` down, as a sheet
 * bent past the map of its corner marks; the rows uncovered are paper. */
static void move_middle_down(omr_image *img, double shift_mm) {
    double px_per_mm = img->dpi / 25.4;
    int top = (int)(45 * px_per_mm), bottom = (int)(255 * px_per_mm), shift = (int)(shift_mm * px_per_mm);
    for (int y = bottom; y >= top + shift; y--)
        memcpy(img->pixels + (size_t)y * (size_t)img->stride, img->pixels + (size_t)(y - shift) * (size_t)img->stride,
               (size_t)img->width);
    for (int y = top; y < top + shift; y++)
        memset(img->pixels + (size_t)y * (size_t)img->stride, 255, (size_t)img->width);
}

/* The page's middle (every box, not the corner marks nor the code) moved
 * 6 mm down, past locate's local search: a sheet bent more than it
 * reaches. Most outlines go unseen where the map puts the boxes; nothing on
 * the page is read silently (the cross in q6 is not read as blank, nor the
 * print beside q5r's boxes as marks): its questions go to a person. */
Test(scan, a_page_whose_boxes_all_lie_off_the_map_is_not_read_silently) {
    mkdir_in();
    omr_image *p2 = page("BENT01", 2, 200);
    test_cross(p2, test_box_of(tmpl, "q6", "10"));
    move_middle_down(p2, 6.0);
    write_png(p2, "p2.png");
    run_batch();
    const char *items = cell("BENT01", "review_items");
    cr_assert(strstr(items, "q6") != NULL, "q6 read without a person: %s", items);
    cr_assert(strstr(items, "q5r") != NULL, "q5r read without a person: %s", items);
    omr_image_free(p2);
}

/* The same, moved 2 mm: past measure's own search (1.2 mm), within
 * locate's local one (3.5 mm). Every region of boxes fits as badly as the
 * others where the page's map puts it, so none stood out as worse; the
 * page is found off all over and every region looked for: read as drawn. */
Test(scan, a_page_whose_boxes_all_lie_2_mm_off_the_map_is_found_and_read) {
    mkdir_in();
    omr_image *p2 = page("BENT02", 2, 200);
    test_cross(p2, test_box_of(tmpl, "q6", "10"));
    test_cross(p2, test_box_of(tmpl, "q5r", "3"));
    move_middle_down(p2, 2.0);
    write_png(p2, "p2.png");
    run_batch();
    cr_assert_str_eq(cell("BENT02", "q6"), "10");
    cr_assert_str_eq(cell("BENT02", "q5r.3"), "1");
    cr_assert_str_eq(cell("BENT02", "q5r.1"), "0");
    const char *items = cell("BENT02", "review_items");
    cr_assert(strstr(items, "q6") == NULL && strstr(items, "q5r") == NULL, "review_items: %s", items);
    omr_image_free(p2);
}
