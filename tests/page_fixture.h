/*
 * page_fixture.h — one rendered page located as omr scan locates it: its
 * QR code read, its map fitted, its paper and print levels and its blank's
 * print mask, for tests that measure boxes on a page they drew on
 * (test_crease.c, test_speckle.c). Each test fails at the first step that
 * does not succeed.
 */
#ifndef OMR_TEST_PAGE_FIXTURE_H
#define OMR_TEST_PAGE_FIXTURE_H

#include "helpers.h"
#include "reading/identify.h"
#include "reading/locate.h"
#include "reading/mask.h"
#include "reading/measure.h"

typedef struct {
    page_transform transform;
    page_levels levels;
    print_mask mask;
    int page;
} page_setup;

static inline void set_up(const omr_template *t, const omr_image *img, page_setup *s) {
    identify_reader *reader = identify_reader_new();
    page_identity id;
    omr_error err = {0};
    cr_assert_eq(identify_page(reader, img, NULL, &id, &err), OMR_OK, "%s", err.message);
    identify_reader_free(reader);
    cr_assert_eq(locate_page(img, t, &id, &s->transform, &err), OMR_OK, "%s", err.message);
    measure_levels(img, &s->transform, &s->levels);
    cr_assert_eq(measure_print_mask(t, id.page, &s->mask, &err), OMR_OK, "%s", err.message);
    s->page = id.page;
}

#endif
