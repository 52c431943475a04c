/*
 * fuzz_calibration.c — libFuzzer harness for the calibration loader
 * (deciding/decide.h, calibration_load): any bytes as a profile file
 * (libconfig syntax, then omr's range checks). A profile is edited by hand
 * like a template; a broken one must end in a message, never a crash. A
 * profile that loads is used once (decide_box on a few measurements), so a
 * value the checks let through that decide cannot take shows up here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "deciding/decide.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/omr-fuzz-calibration-%d.cfg", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    calibration c;
    omr_error err;
    if (calibration_load(path, &c, &err) == OMR_OK) {
        static const double fills[] = {0, 0.05, 0.2, 0.5, 0.95, 1};
        for (size_t i = 0; i < sizeof fills / sizeof fills[0]; i++) {
            box_measure m = {.fill = fills[i], .faint_fill = fills[i], .extent = fills[i], .darkness = 0.5};
            box_decision d = decide_box(&c, &m);
            if (d.state < BOX_BLANK || d.state > BOX_UNSURE)
                abort();
        }
    }
    unlink(path);
    return 0;
}
