/*
 * decode_png.c — the PNG decoder (libpng), behind decoder.h.
 *
 * One row at a time into the grey page (the whole image only when it is
 * interlaced, since later passes refine earlier rows). Palette, 1/2/4/16-bit
 * and alpha are expanded by libpng; colour becomes grey (decode_grey_dropout:
 * the run's drop-out, if any) and alpha is composited over white paper. The
 * resolution comes from pHYs (per metre).
 * libpng's errors longjmp back here through codec_errors.c's png_context.
 */
#include "pages/decoder.h"
#include "pages/codec_errors.h"

#include <assert.h>
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void grey_from_channels(const uint8_t *in, uint8_t *out, int width, int channels, decode_dropout d) {
    switch (channels) {
    case 1:
        memcpy(out, in, (size_t)width);
        break;
    case 2:
        for (int x = 0; x < width; x++)
            out[x] = decode_over_white(in[2 * x], in[2 * x + 1]);
        break;
    case 3:
        for (int x = 0; x < width; x++)
            out[x] = decode_grey_dropout(d, in[3 * x], in[3 * x + 1], in[3 * x + 2]);
        break;
    default:
        for (int x = 0; x < width; x++)
            out[x] = decode_over_white(decode_grey_dropout(d, in[4 * x], in[4 * x + 1], in[4 * x + 2]), in[4 * x + 3]);
        break;
    }
}

static int png_page(decode_source *src, int index, omr_image **out, omr_error *err) {
    assert(index == 0);
    (void)index;
    char ebuf[128];
    FILE *volatile file = fopen(src->path, "rb");
    if (!file)
        return omr_fail(err, OMR_ERR_IO, "%s: cannot open: %s", src->path,
                        decode_error_text(errno, ebuf, sizeof ebuf));
    png_context ctx = {.message = ""};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_context_on_error,
                                             png_context_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    omr_image *volatile img = NULL;
    uint8_t *volatile rows = NULL;
    volatile int status = OMR_OK;
    if (!info) {
        status = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory reading the PNG", src->path);
        goto done;
    }
    if (setjmp(ctx.jump)) {
        status = omr_fail(err, OMR_ERR_FORMAT, "%s: the PNG is damaged or cut short (%s)",
                          src->path, ctx.message);
        goto done;
    }
    png_init_io(png, file);
    /* zlib's adler32 of the inflated rows is redundant with the chunks' own
     * CRCs (kept: they catch damaged bytes), and costs a pass over every row.
     * A file cut short still fails: inflate runs out of data. */
#ifdef PNG_IGNORE_ADLER32
    png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    if ((status = decode_check_size(src, 0, width, height, err)) != OMR_OK)
        goto done; /* before libpng sizes its row buffers */
    png_set_expand(png);   /* palette to RGB, 1/2/4-bit grey to 8, tRNS to alpha */
    png_set_scale_16(png); /* 16-bit samples to 8 */
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || row_bytes != (size_t)width * (size_t)channels) {
        status = omr_fail(err, OMR_ERR_FORMAT, "%s: unexpected PNG pixel layout", src->path);
        goto done;
    }
    png_uint_32 ppm_x = 0, ppm_y = 0;
    int unit = 0;
    double xdpi = 0, ydpi = 0;
    if (png_get_pHYs(png, info, &ppm_x, &ppm_y, &unit) && unit == PNG_RESOLUTION_METER) {
        xdpi = ppm_x * 0.0254;
        ydpi = ppm_y * 0.0254;
    }
    if ((status = decode_check_page(src, 0, width, height, xdpi, ydpi, err)) != OMR_OK)
        goto done;
    if (passes > 1 && (status = decode_check_budget(src, 0, (double)width * height +
                                                             (double)row_bytes * height,
                                                    "decoding the interlaced PNG",
                                                    err)) != OMR_OK)
        goto done;
    img = omr_image_new_uninit((int)width, (int)height, 0); /* every row read, or an error */
    if (!img) {
        status = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory for a %u x %u page", src->path,
                          (unsigned)width, (unsigned)height);
        goto done;
    }
    if (passes > 1) {
        /* Interlaced: later passes refine earlier rows, so keep them all. */
        rows = malloc(row_bytes * height);
        if (!rows) {
            status = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory reading the PNG", src->path);
            goto done;
        }
        for (int pass = 0; pass < passes; pass++)
            for (png_uint_32 y = 0; y < height; y++)
                png_read_row(png, rows + y * row_bytes, NULL);
        for (png_uint_32 y = 0; y < height; y++)
            grey_from_channels(rows + y * row_bytes, img->pixels + (size_t)y * (size_t)img->stride,
                               (int)width, channels, src->dropout);
    } else if (channels == 1) {
        for (png_uint_32 y = 0; y < height; y++)
            png_read_row(png, img->pixels + (size_t)y * (size_t)img->stride, NULL);
    } else {
        rows = malloc(row_bytes);
        if (!rows) {
            status = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory reading the PNG", src->path);
            goto done;
        }
        for (png_uint_32 y = 0; y < height; y++) {
            png_read_row(png, rows, NULL);
            grey_from_channels(rows, img->pixels + (size_t)y * (size_t)img->stride, (int)width,
                               channels, src->dropout);
        }
    }
    omr_image *page = img;
    status = decode_finish_dpi(src, 0, &page, xdpi, ydpi, err);
    img = page;
done:
    png_destroy_read_struct(png ? &png : NULL, info ? &info : NULL, NULL);
    free(rows);
    fclose(file);
    if (status != OMR_OK) {
        omr_image_free(img);
        return status;
    }
    *out = img;
    return OMR_OK;
}

const decoder decode_png_decoder = {
    .format = SCAN_PNG,
    .open = NULL,
    .page = png_page,
    .close = NULL,
};
