/*
 * test_locate.c — locate.c: a rendered page, turned, shifted and scaled by a
 * known map, is located from its QR code and fiducials, and template mm map
 * to within half a pixel of the truth; a page with one fiducial covered is
 * located from the other three and says which one is missing; a sheet longer
 * than the scan is placed by its two marks left and its QR code.
 */
#include "reading/identify.h"
#include "reading/locate.h"
#include "print/render.h"
#include "helpers.h"

#define DPI 150.0

/* dst = A * src + b, resampled bilinearly (white outside the source). */
typedef struct {
    double a[4], b[2];
} warp;

static omr_image *apply(const omr_image *src, const warp *w, int width, int height, double dpi) {
    omr_image *dst = omr_image_new(width, height, dpi, 255);
    cr_assert_not_null(dst);
    double det = w->a[0] * w->a[3] - w->a[1] * w->a[2];
    double inv[4] = {w->a[3] / det, -w->a[1] / det, -w->a[2] / det, w->a[0] / det};
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            double dx = x + 0.5 - w->b[0], dy = y + 0.5 - w->b[1];
            double sx = inv[0] * dx + inv[1] * dy - 0.5, sy = inv[2] * dx + inv[3] * dy - 0.5;
            test_bilinear(src, sx, sy, &dst->pixels[(size_t)y * dst->stride + x]);
        }
    return dst;
}

/* Where template mm (x, y) truly are on the warped page, in locate's pixel
 * coordinates: pixel i spans [i - 0.5, i + 0.5) (a blob's centroid is the
 * mean of its pixel indices), half a pixel from cairo's (pixel i spans
 * [i, i + 1)). */
static omr_point truth(const omr_template *t, const omr_image *page, const warp *w, double x, double y) {
    double px = x * page->width / t->page_width, py = y * page->height / t->page_height;
    omr_point p = {w->a[0] * px + w->a[1] * py + w->b[0] - 0.5, w->a[2] * px + w->a[3] * py + w->b[1] - 0.5};
    return p;
}

static warp turn(double degrees, double scale, double shift_x, double shift_y) {
    double r = degrees * M_PI / 180;
    warp w = {{scale * cos(r), -scale * sin(r), scale * sin(r), scale * cos(r)}, {shift_x, shift_y}};
    return w;
}

/* Locates `scan` and returns the worst error over a grid of the page, px. */
static double worst_error(const omr_template *t, const omr_image *page, const omr_image *scan,
                          const warp *w, page_transform *pt) {
    identify_reader *reader = identify_reader_new();
    page_identity id;
    omr_error err = {0};
    cr_assert_eq(identify_page(reader, scan, NULL, &id, &err), OMR_OK, "%s", err.message);
    identify_reader_free(reader);
    cr_assert_str_eq(id.code, "A7K2QX");
    cr_assert_eq(id.page, 1);
    cr_assert_eq(locate_page(scan, t, &id, pt, &err), OMR_OK, "%s", err.message);
    double worst = 0;
    for (double y = 15; y < t->page_height - 10; y += 25)
        for (double x = 15; x < t->page_width - 10; x += 25) {
            omr_point got = locate_map(pt, x, y), want = truth(t, page, w, x, y);
            double d = hypot(got.x - want.x, got.y - want.y);
            if (d > worst)
                worst = d;
        }
    return worst;
}

Test(locate, a_turned_shifted_scaled_page_maps_mm_to_within_half_a_pixel) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(page, "%s", err.message);
    warp w = turn(2.0, 0.96, 60, 25);
    omr_image *scan = apply(page, &w, page->width + 120, page->height + 80, DPI * 0.96);
    page_transform pt;
    double worst = worst_error(t, page, scan, &w, &pt);
    cr_assert_lt(worst, 0.5, "worst error %.2f px", worst);
    cr_assert_eq(pt.fiducials_found, 4);
    cr_assert_eq(pt.fiducial_missing, -1);
    cr_assert_eq(pt.quarter_turns, 0);
    cr_assert_float_eq(pt.px_per_mm, 0.96 * page->width / t->page_width, 0.01);
    /* each fiducial where it truly is */
    for (int i = 0; i < 4; i++) {
        omr_point want = truth(t, page, &w, t->fiducials[i].x, t->fiducials[i].y);
        cr_assert_lt(hypot(pt.fiducial_px[i].x - want.x, pt.fiducial_px[i].y - want.y), 1.0, "mark %d", i);
    }
    omr_image_free(scan);
    omr_image_free(page);
    template_free(t);
}

Test(locate, an_upside_down_page_is_known_as_two_quarter_turns) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(page, "%s", err.message);
    warp w = turn(181.0, 1.0, page->width + 40, page->height + 30);
    omr_image *scan = apply(page, &w, page->width + 80, page->height + 60, DPI);
    page_transform pt;
    double worst = worst_error(t, page, scan, &w, &pt);
    cr_assert_lt(worst, 0.5, "worst error %.2f px", worst);
    cr_assert_eq(pt.quarter_turns, 2);
    omr_image_free(scan);
    omr_image_free(page);
    template_free(t);
}

Test(locate, a_covered_fiducial_is_survived_and_named) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(page, "%s", err.message);
    /* a white label stuck over the top-right mark */
    double s = page->width / t->page_width, half = t->fiducial_size;
    for (int y = (int)((t->fiducials[1].y - half) * s); y < (t->fiducials[1].y + half) * s; y++)
        for (int x = (int)((t->fiducials[1].x - half) * s); x < (t->fiducials[1].x + half) * s; x++)
            page->pixels[(size_t)y * page->stride + x] = 255;
    warp w = turn(-1.0, 1.02, 30, 40);
    omr_image *scan = apply(page, &w, page->width + 100, page->height + 100, DPI * 1.02);
    page_transform pt;
    double worst = worst_error(t, page, scan, &w, &pt);
    cr_assert_lt(worst, 0.5, "worst error %.2f px", worst);
    cr_assert_eq(pt.fiducials_found, 3);
    cr_assert_eq(pt.fiducial_missing, 1);
    omr_image_free(scan);
    omr_image_free(page);
    template_free(t);
}

/* A feeder's roller slipping: the sheet comes out 7% shorter along the
 * feed. The QR code's similarity puts the marks far from it beyond their
 * search windows: on an upright page both lower marks (whose places then
 * lie just past the scan's edge, so that two marks placed the page as if
 * cut off, its lower half mapped 10 mm off), on an upside-down one the
 * farther. The stretched guess and the three found say where they are, and
 * all four are used. */
Test(locate, a_sheet_shortened_along_the_feed_keeps_its_four_marks) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    for (int quarter = 0; quarter <= 2; quarter += 2) {
        int page_no = 1;
        omr_image *page = render_page_image(t, "A7K2QX", page_no, DPI, &err);
        cr_assert_not_null(page, "%s", err.message);
        double r = (90 * quarter + 0.6) * M_PI / 180, feed = 0.93;
        warp w = {{cos(r), -sin(r), feed * sin(r), feed * cos(r)}, {0, 0}};
        double xs[4] = {0, page->width, 0, page->width}, ys[4] = {0, 0, page->height, page->height};
        double min_x = 1e9, min_y = 1e9, max_x = -1e9, max_y = -1e9;
        for (int i = 0; i < 4; i++) {
            double x = w.a[0] * xs[i] + w.a[1] * ys[i], y = w.a[2] * xs[i] + w.a[3] * ys[i];
            min_x = fmin(min_x, x), min_y = fmin(min_y, y), max_x = fmax(max_x, x), max_y = fmax(max_y, y);
        }
        w.b[0] = 40 - min_x;
        w.b[1] = 30 - min_y;
        omr_image *scan = apply(page, &w, (int)(max_x - min_x) + 80, (int)(max_y - min_y) + 60, DPI);
        page_transform pt;
        double worst = worst_error(t, page, scan, &w, &pt);
        cr_assert_eq(pt.fiducials_found, 4, "page %d turned %d: %d marks", page_no, quarter, pt.fiducials_found);
        cr_assert_eq(pt.fiducial_missing, -1);
        cr_assert_lt(worst, 1.0, "page %d turned %d: worst error %.2f px", page_no, quarter, worst);
        omr_image_free(scan);
        omr_image_free(page);
    }
    template_free(t);
}

/* A page turned on the glass and saved with a canvas grown to hold it (what
 * an image editor's "rotate, expand" gives): the page no longer spans the
 * scan edge to edge, so neither the size nor a tag tells its scale. */
static omr_image *turned_on_grown_canvas(const omr_image *page, double degrees, double tag_dpi, warp *w) {
    double r = degrees * M_PI / 180, c = cos(r), sn = sin(r);
    *w = turn(degrees, 1.0, page->height * sn + 20, 20);
    int width = (int)(page->width * c + page->height * sn) + 40;
    int height = (int)(page->width * sn + page->height * c) + 40;
    return apply(page, w, width, height, tag_dpi);
}

Test(locate, an_untagged_200_dpi_page_turned_1_8_degrees_on_a_grown_canvas_is_scaled_from_its_qr_code) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, 200, &err);
    cr_assert_not_null(page, "%s", err.message);
    warp w;
    omr_image *scan = turned_on_grown_canvas(page, 1.8, 0, &w); /* JFIF 1:1: no resolution */
    page_transform pt;
    double worst = worst_error(t, page, scan, &w, &pt);
    cr_assert_lt(worst, 0.5, "worst error %.2f px", worst);
    cr_assert_eq(pt.fiducials_found, 4);
    cr_assert_float_eq(pt.px_per_mm, 200 / 25.4, 0.02);
    omr_image_free(scan);
    omr_image_free(page);
    template_free(t);
}

Test(locate, wrong_resolution_tags_read_exactly_like_the_right_one) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, 200, &err);
    cr_assert_not_null(page, "%s", err.message);
    /* 200-dpi pixels tagged: right, none, 1:1, 72 dpi, 300 dpi, fax 204 */
    static const double tags[] = {200, 0, 1, 72, 300, 204};
    page_transform right;
    for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++) {
        warp w;
        omr_image *scan = turned_on_grown_canvas(page, -1.2, tags[k], &w);
        page_transform pt;
        double worst = worst_error(t, page, scan, &w, &pt);
        cr_assert_lt(worst, 0.5, "tagged %.0f dpi: worst error %.2f px", tags[k], worst);
        cr_assert_eq(pt.fiducials_found, 4, "tagged %.0f dpi", tags[k]);
        if (k == 0)
            right = pt;
        for (int i = 0; i < 6; i++)
            cr_assert_float_eq(pt.to_image.m[i], right.to_image.m[i], 1e-6, "tagged %.0f dpi", tags[k]);
        omr_image_free(scan);
    }
    omr_image_free(page);
    template_free(t);
}

/* ---- a page bent locally (paper curl, a roller's stretch) ------------------------------ */

/* A smooth displacement of the page's content, in page pixels: content at u
 * lies at u + d(u) before the affine map; an elliptical bump of `amp` px
 * (x, y) around `c`, of radii rx, ry px, nothing at the marks. */
typedef struct {
    double cx, cy, rx, ry, ax, ay;
} bump;

static void bump_at(const bump *b, double x, double y, double *dx, double *dy) {
    double u = (x - b->cx) / b->rx, v = (y - b->cy) / b->ry, g = exp(-(u * u + v * v) / 2);
    *dx = b->ax * g;
    *dy = b->ay * g;
}

/* The page bent by `b`, then turned by `w` (each output pixel samples where
 * its content came from: the bump inverted by fixed-point iteration). */
static omr_image *bend(const omr_image *page, const bump *b, const warp *w, int width, int height) {
    omr_image *bent = omr_image_new(page->width, page->height, page->dpi, 255);
    cr_assert_not_null(bent);
    for (int y = 0; y < page->height; y++)
        for (int x = 0; x < page->width; x++) {
            double sx = x, sy = y, dx, dy;
            for (int k = 0; k < 6; k++) {
                bump_at(b, sx, sy, &dx, &dy);
                sx = x - dx;
                sy = y - dy;
            }
            test_bilinear(page, sx, sy, &bent->pixels[(size_t)y * bent->stride + x]);
        }
    omr_image *scan = apply(bent, w, width, height, page->dpi);
    omr_image_free(bent);
    return scan;
}

/* The first question of page 1 that lies at least 60 mm from every mark. */
static const template_question *middle_question(const omr_template *t) {
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (q->page == 1 && q->boxes[0].rect.y > 100)
            return q;
    }
    cr_assert_fail("no question in the middle of page 1");
    return NULL;
}

static omr_point box_centre_truth(const omr_template *t, const omr_image *page, const bump *b, const warp *w,
                                  omr_rect r) {
    double s = page->width / t->page_width, x = (r.x + r.w / 2) * s, y = (r.y + r.h / 2) * s, dx, dy;
    bump_at(b, x, y, &dx, &dy);
    return truth(t, page, w, (x + dx) / s, (y + dy) / s);
}

/* The middle question of page 1 pushed (ax, ay) mm around its middle,
 * fading over `sideways` mm sideways and `fade` mm up and down: each of its
 * boxes is found within 1 mm of where its print went. */
static void a_bent_question_is_followed(double ax, double ay, double sideways, double fade) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(page, "%s", err.message);
    const template_question *q = middle_question(t);
    double s = page->width / t->page_width;
    omr_rect first = q->boxes[0].rect, last = q->boxes[q->n_boxes - 1].rect;
    bump b = {(first.x + last.x + last.w) / 2 * s, (first.y + first.h / 2) * s, sideways * s, fade * s, ax * s, ay * s};
    warp w = turn(1.0, 1.0, 30, 20);
    omr_image *scan = bend(page, &b, &w, page->width + 60, page->height + 60);
    page_transform pt;
    identify_reader *reader = identify_reader_new();
    page_identity id;
    cr_assert_eq(identify_page(reader, scan, NULL, &id, &err), OMR_OK, "%s", err.message);
    identify_reader_free(reader);
    cr_assert_eq(locate_page(scan, t, &id, &pt, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(pt.fiducials_found, 4);
    int off_global = 0;
    for (size_t k = 0; k < q->n_boxes; k++) {
        omr_rect r = q->boxes[k].rect;
        omr_point want = box_centre_truth(t, page, &b, &w, r);
        omr_point global = locate_map(&pt, r.x + r.w / 2, r.y + r.h / 2);
        /* the marks' map alone leaves the middle boxes further off than
         * measure's re-centring follows (1.2 mm) */
        off_global += hypot(global.x - want.x, global.y - want.y) / s > 1.3;
        page_transform at;
        cr_assert_eq(page_map_for_box(&pt, r, &at), 0, "box %zu: registration said unsure", k);
        omr_point got = locate_map(&at, r.x + r.w / 2, r.y + r.h / 2);
        double d = hypot(got.x - want.x, got.y - want.y) / s;
        /* the question moves as one: its boxes within the bump's own spread */
        cr_assert_lt(d, 1.0, "box %zu of %s: %.2f mm off", k, q->id, d);
    }
    cr_assert_geq(off_global, 1, "the bent page is not bent enough to test anything");
    /* the question of the page furthest from the bump keeps the global map exactly */
    const template_question *q0 = q;
    for (size_t i = 0; i < t->n_questions; i++)
        if (t->questions[i].page == 1 &&
            fabs(t->questions[i].boxes[0].rect.y - first.y) > fabs(q0->boxes[0].rect.y - first.y))
            q0 = &t->questions[i];
    cr_assert_gt(fabs(q0->boxes[0].rect.y - first.y), 3 * fade, "%s is too near the bump", q0->id);
    page_transform at0;
    cr_assert_eq(page_map_for_box(&pt, q0->boxes[0].rect, &at0), 0);
    for (int i = 0; i < 9; i++)
        cr_assert_eq(at0.homography[i], pt.homography[i]);
    omr_image_free(scan);
    omr_image_free(page);
    template_free(t);
}

Test(locate, a_question_whose_paper_is_stretched_2_mm_off_the_marks_map_is_followed_by_its_print) {
    a_bent_question_is_followed(0.8, 2.2, 50, 14);
}

/* A sheet bent further than one region's search reaches (fresh seed 8434
 * --warp 2, a 204 x 196 dpi fax, 5WRX8VF9 page 2: the questions 1.7-3.75
 * mm below the marks' map, q4b's two regions further, found nowhere within
 * 3.5 mm and sent to a person with its cross unread): a region is looked
 * for again round where the nearest region that moved was found. */
Test(locate, a_question_bent_past_the_search_beside_bent_ones_is_followed_by_its_neighbours) {
    a_bent_question_is_followed(0.5, 6.0, 120, 24);
}

Test(locate, a_question_whose_print_cannot_be_found_is_unsure_not_read_in_place) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(page, "%s", err.message);
    const template_question *q = middle_question(t);
    double s = page->width / t->page_width;
    /* the row's print washed out (a wet patch, a torn-off strip pasted back
     * 6 mm too low): its boxes are nowhere near where the map puts them */
    omr_rect first = q->boxes[0].rect, last = q->boxes[q->n_boxes - 1].rect;
    int x0 = (int)((first.x - 2) * s), x1 = (int)((last.x + last.w + 2) * s);
    int y0 = (int)((first.y - 2) * s), y1 = (int)((first.y + first.h + 2) * s);
    for (int y = y1 + 40; y >= y0; y--)
        for (int x = x0; x < x1; x++) {
            int from = y - (int)(6 * s);
            page->pixels[(size_t)y * page->stride + x] =
                y > y1 ? page->pixels[(size_t)y * page->stride + x] : from >= y0 ? page->pixels[(size_t)from * page->stride + x] : 255;
        }
    warp w = turn(-0.5, 1.0, 20, 20);
    omr_image *scan = apply(page, &w, page->width + 40, page->height + 40, DPI);
    page_transform pt;
    identify_reader *reader = identify_reader_new();
    page_identity id;
    cr_assert_eq(identify_page(reader, scan, NULL, &id, &err), OMR_OK, "%s", err.message);
    identify_reader_free(reader);
    cr_assert_eq(locate_page(scan, t, &id, &pt, &err), OMR_OK, "%s", err.message);
    page_transform at;
    cr_assert_eq(page_map_for_box(&pt, q->boxes[q->n_boxes / 2].rect, &at), 1, "%s read in place", q->id);
    /* every other question of the page is where the map puts it */
    for (size_t i = 0; i < t->n_questions; i++)
        if (t->questions[i].page == 1 && &t->questions[i] != q)
            cr_assert_eq(page_map_for_box(&pt, t->questions[i].boxes[0].rect, &at), 0, "%s", t->questions[i].id);
    omr_image_free(scan);
    omr_image_free(page);
    template_free(t);
}

/* ---- a sheet photographed at an angle ---------------------------------------------------- */

Test(locate, a_sheet_photographed_at_an_angle_steeper_than_a_feeder_keeps_its_four_marks) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(page, "%s", err.message);
    /* the top edge 4.4% narrower than the bottom (a phone held below the
     * sheet): more than a feeder's gentle perspective (3%), so an affine
     * map misses the marks by ~2 mm and one was taken for a blot */
    double W = page->width, H = page->height, a = 0.022 * W;
    omr_point from[4] = {{0, 0}, {W, 0}, {0, H}, {W, H}};
    omr_point to[4] = {{a + 30, 20}, {W - a + 30, 20}, {30, H + 20}, {W + 30, H + 20}};
    double h[9], inv[9];
    cr_assert_eq(cvw_fit_homography(from, to, 4, h), OMR_OK);
    cr_assert_eq(cvw_fit_homography(to, from, 4, inv), OMR_OK);
    omr_image *scan = omr_image_new(page->width + 60, page->height + 40, DPI, 255);
    cr_assert_not_null(scan);
    for (int y = 0; y < scan->height; y++)
        for (int x = 0; x < scan->width; x++) {
            omr_point p = page_map_point(inv, x, y);
            test_bilinear(page, p.x, p.y, &scan->pixels[(size_t)y * scan->stride + x]);
        }
    identify_reader *reader = identify_reader_new();
    page_identity id;
    cr_assert_eq(identify_page(reader, scan, NULL, &id, &err), OMR_OK, "%s", err.message);
    identify_reader_free(reader);
    page_transform pt;
    cr_assert_eq(locate_page(scan, t, &id, &pt, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(pt.fiducials_found, 4, "a mark of a photographed sheet was taken for a blot");
    cr_assert_eq(pt.fiducial_missing, -1);
    double s = page->width / t->page_width, worst = 0;
    for (double y = 15; y < t->page_height - 10; y += 25)
        for (double x = 15; x < t->page_width - 10; x += 25) {
            /* locate's pixel i spans [i - 0.5, i + 0.5): half a pixel from the page's */
            omr_point want = page_map_point(h, x * s, y * s), got = locate_map(&pt, x, y);
            worst = fmax(worst, hypot(got.x - (want.x - 0.5), got.y - (want.y - 0.5)) / s);
        }
    cr_assert_lt(worst, 0.5, "worst error %.2f mm", worst); /* measure re-centres the rest */
    omr_image_free(scan);
    omr_image_free(page);
    template_free(t);
}

/* A page cut short (the scanner's feed stopped early, a fold turned under):
 * a box whose surroundings run off the scan is not on it, so scan.c sends it
 * to review; before, its missing pixels were read as blank paper, silently
 * (foreign drafts, bottom quarter cut: 4 boxes wrong, confidence 1). */
Test(locate, a_box_off_a_cut_scan_is_not_on_it) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(page, "%s", err.message);
    warp w = turn(1.0, 1.0, 30, 20);
    omr_image *scan = apply(page, &w, page->width + 60, page->height + 40, DPI);
    page_transform pt;
    worst_error(t, page, scan, &w, &pt);
    int cut = scan->height * 3 / 5, on = 0, off = 0;
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (q->page != 1)
            continue;
        for (size_t b = 0; b < q->n_boxes; b++) {
            omr_rect r = q->boxes[b].rect;
            cr_assert(page_map_rect_on_scan(&pt, r, 1.0, scan->width, scan->height), "%s box %zu is on the whole scan",
                      q->id, b);
            omr_point lo = locate_map(&pt, r.x, r.y + r.h + 1.0), hi = locate_map(&pt, r.x + r.w, r.y - 1.0);
            int want_on = lo.y < cut && hi.y < cut;
            int got_on = page_map_rect_on_scan(&pt, r, 1.0, scan->width, cut);
            if (lo.y < cut - 3 || hi.y >= cut + 3) /* clear of the cut by a few pixels */
                cr_assert_eq(got_on, want_on, "%s box %zu (rows %.0f-%.0f, cut at %d)", q->id, b, hi.y, lo.y, cut);
            on += got_on;
            off += !got_on;
        }
    }
    cr_assert_gt(on, 5, "boxes above the cut are on it");
    cr_assert_gt(off, 5, "boxes below the cut are off it");
    omr_image_free(scan);
    omr_image_free(page);
    template_free(t);
}

/* An A4 sheet on a Letter flatbed (or a feeder that stops early): the last
 * 18 mm of the sheet are not on the scan, so its two bottom marks are gone.
 * The two top marks and the QR code place the page (pixels are square); the
 * old code refused it ("only 2 of the 4 corner marks found"), losing a page
 * whose every box was on the scan. */
Test(locate, a_sheet_longer_than_the_scan_is_placed_by_its_two_marks_and_its_code) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(page, "%s", err.message);
    warp w = turn(0.7, 1.0, 12, 6);
    int letter_h = (int)(page->height * 279.4 / 297.0);
    omr_image *scan = apply(page, &w, page->width + 30, letter_h, DPI);
    page_transform pt;
    double worst = worst_error(t, page, scan, &w, &pt);
    cr_assert_lt(worst, 1.0, "worst error %.2f px", worst);
    cr_assert_eq(pt.fiducials_found, 2);
    cr_assert(pt.fiducial_missing == 2 || pt.fiducial_missing == 3, "missing %d", pt.fiducial_missing);
    cr_assert_float_eq(pt.px_per_mm, page->width / t->page_width, 0.01);
    omr_image_free(scan);
    omr_image_free(page);
    template_free(t);
}

/* ... also when the cut runs through the two bottom marks, their centres a
 * pixel or two inside the scan (make_variants.py letter_bed, seed 4903: a
 * skewed A4 page on a Letter bed, its bottom-right mark's centre 2 px inside
 * the edge): half a mark is not found, and it is cut off, not covered. */
Test(locate, a_sheet_cut_through_its_bottom_marks_is_placed_by_the_other_two) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(page, "%s", err.message);
    double s = page->width / t->page_width;
    warp w = turn(0.0, 1.0, 12, 6);
    int cut = (int)(t->fiducials[2].y * s + 6) + 2; /* the marks' centres 1-2 px inside */
    omr_image *scan = apply(page, &w, page->width + 30, cut, DPI);
    page_transform pt;
    double worst = worst_error(t, page, scan, &w, &pt);
    cr_assert_lt(worst, 1.0, "worst error %.2f px", worst);
    cr_assert_eq(pt.fiducials_found, 2);
    omr_image_free(scan);
    omr_image_free(page);
    template_free(t);
}

/* ... and two marks that should be on the scan and are not (covered: a
 * fold's panel a harsh 1-bit scanner turned black, a letter over the
 * sheet) leave the page placed by the two seen and its code, the covered
 * ones counted for the record's flag; a page known by its look is placed so
 * too, its likeness and its boxes in place judging the map
 * (locate_by_look). The old code refused both ("only 2 of the 4 corner
 * marks"): seed 8444's SM6NQKC5 page 2, half black, lost with every box on
 * its upper half. */
Test(locate, two_marks_covered_on_a_whole_scan_are_placed_by_the_two_and_the_code) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(page, "%s", err.message);
    double s = page->width / t->page_width, half = t->fiducial_size;
    for (int m = 2; m < 4; m++)
        for (int y = (int)((t->fiducials[m].y - half) * s); y < (t->fiducials[m].y + half) * s; y++)
            for (int x = (int)((t->fiducials[m].x - half) * s); x < (t->fiducials[m].x + half) * s; x++)
                page->pixels[(size_t)y * page->stride + x] = 255;
    warp w = turn(0.7, 1.0, 12, 6);
    omr_image *scan = apply(page, &w, page->width + 30, page->height + 20, DPI);
    page_transform pt;
    double worst = worst_error(t, page, scan, &w, &pt);
    cr_assert_lt(worst, 1.0, "worst error %.2f px", worst);
    cr_assert_eq(pt.fiducials_found, 2);
    cr_assert_eq(pt.fiducials_covered, 2, "the two marks under the cover counted %d", pt.fiducials_covered);
    /* the same page known by its look (its code where the sheet puts it) */
    identify_reader *reader = identify_reader_new();
    page_identity id;
    cr_assert_eq(identify_page(reader, scan, NULL, &id, &err), OMR_OK, "%s", err.message);
    identify_reader_free(reader);
    cr_assert_eq(locate_global(scan, t, &id, 0, &pt, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(pt.fiducials_covered, 2);
    omr_image_free(scan);
    omr_image_free(page);
    template_free(t);
}

