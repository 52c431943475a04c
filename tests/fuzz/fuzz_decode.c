/*
 * fuzz_decode.c — libFuzzer harness for pages/decode: any bytes as a scan
 * file. decode sniffs the format by content, so one harness reaches the TIFF,
 * PNG, JPEG and PDF decoders. The input is written to a file because decode
 * reads paths (as the daemon does); at most four pages are decoded per input.
 * What it must never do: crash, read out of bounds, or allocate past the
 * page budget (libFuzzer's -rss_limit_mb catches a balloon).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pages/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/omr-fuzz-decode-%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    decode_source *src = NULL;
    omr_error err;
    if (decode_open(path, &src, &err) == OMR_OK) {
        int pages = decode_page_count(src);
        for (int i = 0; i < pages && i < 4; i++) {
            omr_image *page = NULL;
            if (decode_page(src, i, &page, &err) == OMR_OK)
                omr_image_free(page);
        }
        decode_close(src);
    }
    unlink(path);
    return 0;
}
