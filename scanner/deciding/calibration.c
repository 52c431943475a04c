/*
 * calibration.c — the calibration profile (calibration/NAME.cfg): the box
 * thresholds decide_box judges by, with their built-in defaults, read with
 * libconfig and checked (each key in its range, thresholds rising).
 */
#include "deciding/decide.h"

#include <libconfig.h>
#include <stdio.h>
#include <string.h>

void calibration_defaults(calibration *c) {
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "built-in");
    c->blank_max = 0.03;
    c->mark_min = 0.08;
    c->solid_min = 0.90;
    c->extent_min = 0.65;
    c->near_max_mm2 = 1.5;
    c->text_ink_min = 0.004;
    c->ocr_confidence_min = 75;
}

int calibration_load(const char *path, calibration *out, omr_error *err) {
    calibration_defaults(out);
    config_t cfg;
    config_init(&cfg);
    if (config_read_file(&cfg, path) != CONFIG_TRUE) {
        int line = config_error_line(&cfg);
        const char *text = config_error_text(&cfg);
        omr_fail(err, line ? OMR_ERR_INVALID : OMR_ERR_IO, "calibration %s:%d: %s", path, line,
                 text ? text : "cannot read");
        config_destroy(&cfg);
        return line ? OMR_ERR_INVALID : OMR_ERR_IO;
    }
    const char *name = NULL;
    if (config_lookup_string(&cfg, "name", &name))
        snprintf(out->name, sizeof out->name, "%s", name);
    struct {
        const char *key;
        double *value;
        double lo, hi;
    } keys[] = {
        {"box.blank_max", &out->blank_max, 0, 0.5},
        {"box.mark_min", &out->mark_min, 0, 1},
        {"box.solid_min", &out->solid_min, 0, 1},
        {"box.extent_min", &out->extent_min, 0, 1},
        {"box.near_max_mm2", &out->near_max_mm2, 0, 100},
        {"text.ink_min", &out->text_ink_min, 0, 1},
        {"text.ocr_confidence_min", &out->ocr_confidence_min, 0, 100},
    };
    int rc = OMR_OK;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        config_setting_t *s = config_lookup(&cfg, keys[i].key);
        if (!s)
            continue;
        if (!config_setting_is_number(s)) {
            rc = omr_fail(err, OMR_ERR_INVALID, "calibration %s:%d: %s must be a number", path,
                          config_setting_source_line(s), keys[i].key);
            break;
        }
        double v = config_setting_type(s) == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                                                               : (double)config_setting_get_int64(s);
        if (v < keys[i].lo || v > keys[i].hi) {
            rc = omr_fail(err, OMR_ERR_INVALID, "calibration %s:%d: %s = %g is outside %g..%g",
                          path, config_setting_source_line(s), keys[i].key, v, keys[i].lo,
                          keys[i].hi);
            break;
        }
        *keys[i].value = v;
    }
    if (rc == OMR_OK && !(out->blank_max < out->mark_min && out->mark_min < out->solid_min))
        rc = omr_fail(err, OMR_ERR_INVALID,
                      "calibration %s: thresholds must rise: blank_max < mark_min < solid_min", path);
    config_destroy(&cfg);
    return rc;
}

char *calibration_find(const char *name) { return omr_find_data_file("calibration", "OMR_CALIBRATION_DIR", name); }
