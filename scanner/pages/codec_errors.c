/*
 * codec_errors.c — libpng's error callbacks and libtiff's global silencing,
 * shared by decode and encode (see codec_errors.h). libpng requires that its
 * error callback does not return: it longjmps to the caller's setjmp with the
 * message kept, so the caller can put it into an omr_error.
 */
#include "pages/codec_errors.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <tiffio.h>

void png_context_on_error(png_structp png, png_const_charp message) {
    png_context *ctx = png_get_error_ptr(png);
    assert(ctx != NULL); /* every png_struct in pages/ is created with its context */
    snprintf(ctx->message, sizeof ctx->message, "%s", message);
    longjmp(ctx->jump, 1);
}

void png_context_on_warning(png_structp png, png_const_charp message) {
    (void)png, (void)message;
}

static pthread_once_t tiff_silence_once = PTHREAD_ONCE_INIT;

static void tiff_silence_globals(void) {
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
}

void tiff_silence_globals_once(void) {
    pthread_once(&tiff_silence_once, tiff_silence_globals);
}
