/*
 * decode_jpeg.c — the JPEG decoder (libjpeg), behind decoder.h.
 *
 * libjpeg is asked for greyscale output (its luma channel), sixteen rows at a
 * time straight into the page. A truncated or corrupt stream (libjpeg only
 * warns and pads with grey) is an error rather than a page padded with grey;
 * CMYK (and YCCK) is read as its four inks, inverted when an Adobe marker
 * says so, and made grey like RGB. The resolution comes from the JFIF density. The page
 * budget (decode.h) is checked from the header before libjpeg allocates
 * anything large, and libjpeg's own allocations (a progressive file keeps all
 * its coefficients) are capped by max_memory_to_use at what the page leaves.
 */
#include <stdio.h> /* before jpeglib.h, which needs FILE */

#include "pages/decoder.h"

#include <assert.h>
#include <errno.h>
#include <jerror.h>
#include <jpeglib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    int damaged; /* a warning that means pixels were made up */
    volatile int budget; /* set while libjpeg sets up its buffers under the page budget */
} jpeg_context;

static void jpeg_on_error(j_common_ptr cinfo) {
    jpeg_context *ctx = (jpeg_context *)cinfo->err;
    cinfo->err->format_message(cinfo, ctx->message);
    longjmp(ctx->jump, 1);
}

static void jpeg_on_message(j_common_ptr cinfo, int level) {
    jpeg_context *ctx = (jpeg_context *)cinfo->err;
    if (level >= 0)
        return; /* trace messages */
    int code = cinfo->err->msg_code;
    if (!ctx->damaged && (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER ||
                          code == JWRN_MUST_RESYNC)) {
        ctx->damaged = 1;
        cinfo->err->format_message(cinfo, ctx->message);
    }
    cinfo->err->num_warnings++;
}

static void jpeg_silent(j_common_ptr cinfo) {
    (void)cinfo;
}

/* A CMYK pixel's grey: each ink takes away its share of light (R = (1-C)(1-K)
 * and so on), then as any colour pixel (decode_grey_dropout). */
static uint8_t grey_of_cmyk(decode_dropout dropout, const uint8_t *p, int inverted) {
    unsigned c = p[0], m = p[1], y = p[2], k = p[3];
    if (!inverted) {
        c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
    }
    /* now 255 = no ink */
    return decode_grey_dropout(dropout, (c * k + 127) / 255, (m * k + 127) / 255, (y * k + 127) / 255);
}

static int jpeg_page(decode_source *src, int index, omr_image **out, omr_error *err) {
    assert(index == 0);
    (void)index;
    char ebuf[128];
    FILE *volatile file = fopen(src->path, "rb");
    if (!file)
        return omr_fail(err, OMR_ERR_IO, "%s: cannot open: %s", src->path,
                        decode_error_text(errno, ebuf, sizeof ebuf));
    struct jpeg_decompress_struct cinfo;
    jpeg_context ctx;
    memset(&cinfo, 0, sizeof cinfo); /* so that destroy after an early error is safe */
    memset(&ctx, 0, sizeof ctx);
    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = jpeg_on_error;
    ctx.pub.emit_message = jpeg_on_message;
    ctx.pub.output_message = jpeg_silent;
    omr_image *volatile img = NULL;
    uint8_t *volatile rgb = NULL; /* 16 rows of a colour JPEG, before they are made grey */
    volatile int status = OMR_OK;
    if (setjmp(ctx.jump)) {
        if (ctx.budget && ctx.pub.msg_code == JERR_NO_BACKING_STORE) {
            status = omr_fail(err, OMR_ERR_INVALID,
                              "%s: decoding this %u x %u %sJPEG would take more than the %lld MB "
                              "omr allows for one page; rescan it as a baseline JPEG, or at a lower "
                              "resolution",
                              src->path, cinfo.image_width, cinfo.image_height,
                              cinfo.progressive_mode ? "progressive " : "",
                              DECODE_MAX_BYTES / (1024 * 1024));
            goto done;
        }
        status = omr_fail(err, OMR_ERR_FORMAT, "%s: the JPEG is damaged or cut short (%s)",
                          src->path, ctx.message);
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, file);
    jpeg_read_header(&cinfo, TRUE);
    /* CMYK (a scan saved by a prepress or office suite): libjpeg gives the
     * four inks; an Adobe marker means they are stored inverted (255 = no
     * ink), as Photoshop writes them and as nearly every CMYK JPEG is */
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    int inverted = cmyk && cinfo.saw_Adobe_marker;
    double xdpi = 0, ydpi = 0;
    if (cinfo.saw_JFIF_marker && (cinfo.density_unit == 1 || cinfo.density_unit == 2)) {
        double per_inch = cinfo.density_unit == 1 ? 1.0 : 2.54;
        xdpi = cinfo.X_density * per_inch;
        ydpi = cinfo.Y_density * per_inch;
    }
    if ((status = decode_check_page(src, 0, cinfo.image_width, cinfo.image_height, xdpi, ydpi,
                                    err)) != OMR_OK)
        goto done;
    /* libjpeg's own memory (a progressive file keeps every coefficient of
     * the image: 2 bytes a sample, more for colour) shares the page budget
     * with the grey page; with no backing store, going over it is an error
     * (JERR_NO_BACKING_STORE) raised before the data is read. */
    double page_bytes = (double)cinfo.image_width * cinfo.image_height;
    cinfo.mem->max_memory_to_use = (long)((double)DECODE_MAX_BYTES - page_bytes);
    ctx.budget = 1;
    /* a grey JPEG as it is; a colour one as RGB, made grey by decode_grey_dropout
     * (a coloured pen is ink unless its colour is dropped: libjpeg's own grey
     * would be luma alone) */
    int colour = cinfo.jpeg_color_space != JCS_GRAYSCALE;
    int channels = cmyk ? 4 : colour ? 3 : 1;
    cinfo.out_color_space = cmyk ? JCS_CMYK : colour ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_start_decompress(&cinfo);
    ctx.budget = 0;
    if (cinfo.output_components != channels) {
        status = omr_fail(err, OMR_ERR_FORMAT, "%s: libjpeg gave neither grey, RGB nor CMYK output", src->path);
        goto done;
    }
    if (colour && !(rgb = malloc((size_t)cinfo.output_width * (size_t)channels * 16))) {
        status = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory for a %u x %u page", src->path,
                          cinfo.output_width, cinfo.output_height);
        goto done;
    }
    img = omr_image_new_uninit((int)cinfo.output_width, (int)cinfo.output_height, 0); /* every row read, or an error */
    if (!img) {
        status = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory for a %u x %u page", src->path,
                          cinfo.output_width, cinfo.output_height);
        goto done;
    }
    while (cinfo.output_scanline < cinfo.output_height && !ctx.damaged) {
        JSAMPROW rows[16];
        int n = 0;
        JDIMENSION first = cinfo.output_scanline;
        for (; n < 16 && cinfo.output_scanline + (unsigned)n < cinfo.output_height; n++)
            rows[n] = colour ? (uint8_t *)rgb + (size_t)n * cinfo.output_width * (size_t)channels
                             : img->pixels + (size_t)(cinfo.output_scanline + (unsigned)n) * (size_t)img->stride;
        JDIMENSION got = jpeg_read_scanlines(&cinfo, rows, (JDIMENSION)n);
        if (got == 0)
            break;
        for (JDIMENSION r = 0; colour && r < got; r++) {
            uint8_t *o = img->pixels + (size_t)(first + r) * (size_t)img->stride;
            const uint8_t *in = rows[r];
            if (cmyk)
                for (JDIMENSION x = 0; x < cinfo.output_width; x++)
                    o[x] = grey_of_cmyk(src->dropout, in + 4 * x, inverted);
            else
                for (JDIMENSION x = 0; x < cinfo.output_width; x++)
                    o[x] = decode_grey_dropout(src->dropout, in[3 * x], in[3 * x + 1], in[3 * x + 2]);
        }
    }
    if (ctx.damaged || cinfo.output_scanline < cinfo.output_height) {
        status = omr_fail(err, OMR_ERR_FORMAT, "%s: the JPEG is damaged or cut short (%s)",
                          src->path, ctx.message[0] ? ctx.message : "image data ends early");
        goto done;
    }
    jpeg_finish_decompress(&cinfo);
    omr_image *page = img;
    status = decode_finish_dpi(src, 0, &page, xdpi, ydpi, err);
    img = page;
done:
    free(rgb);
    jpeg_destroy_decompress(&cinfo);
    fclose(file);
    if (status != OMR_OK) {
        omr_image_free(img);
        return status;
    }
    *out = img;
    return OMR_OK;
}

const decoder decode_jpeg_decoder = {
    .format = SCAN_JPEG,
    .open = NULL,
    .page = jpeg_page,
    .close = NULL,
};
