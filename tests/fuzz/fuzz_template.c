/*
 * fuzz_template.c — libFuzzer harness for forms/template: any bytes as a
 * template file (libconfig syntax, then omr's validation). A template comes
 * from a survey office's own hands, so every malformed one must end in a list
 * of problems, never a crash. The valid ones are also written as geometry
 * JSON, which walks every field the loader filled.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "forms/template.h"
#include "reading/reference.h" /* template_load: the layout and its blank pages */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/omr-fuzz-template-%d.cfg", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    omr_template *tmpl = NULL;
    template_problems problems = {0};
    omr_error err;
    if (template_load(path, &tmpl, &problems, &err) == OMR_OK) {
        FILE *sink = fopen("/dev/null", "w");
        if (sink) {
            template_write_geometry(tmpl, sink, &err);
            fclose(sink);
        }
        template_free(tmpl);
    }
    template_problems_clear(&problems);
    unlink(path);
    return 0;
}
