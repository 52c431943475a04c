/*
 * codec_errors.h — the error plumbing that decode and encode share for the
 * two libraries with process-wide or longjmp-based error reporting: libpng's
 * error callback (one png_context per png_struct, with the message kept for
 * the omr_error) and the silencing of libtiff's global handlers (libtiff
 * messages are captured per file through TIFFOpenOptions; only the few it
 * raises without a handle would otherwise reach stderr). Private to pages/.
 */
#ifndef OMR_PAGES_CODEC_ERRORS_H
#define OMR_PAGES_CODEC_ERRORS_H

#include <png.h>
#include <setjmp.h>

/* Pass as libpng's error pointer; setjmp(ctx.jump) before any png_ call. */
typedef struct {
    jmp_buf jump;
    char message[200];
} png_context;

/* Keeps libpng's message in the png_context and longjmps to its jump. */
void png_context_on_error(png_structp png, png_const_charp message);
/* Drops libpng's warnings: nothing in pages/ prints. */
void png_context_on_warning(png_structp png, png_const_charp message);

/* Clears libtiff's process-wide error and warning handlers, once per process
 * (pthread_once): the one piece of global state pages/ sets. */
void tiff_silence_globals_once(void);

#endif
