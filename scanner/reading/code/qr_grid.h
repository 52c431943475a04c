/*
 * qr_grid.h — reads omr's QR code on a page located by its look when zbar
 * cannot read the scan itself (modules bled shut by a dark 1-bit threshold):
 * the module grid is sampled where the template prints it, and a clean
 * re-drawn symbol is handed to zbar, whose error correction does the rest.
 */
#ifndef OMR_QR_GRID_H
#define OMR_QR_GRID_H

#include "base/common.h"
#include "forms/code.h"
#include "forms/template.h"
#include "reading/page_map.h"

/* The payload of the QR code printed in t's code square on `scan`, placed
 * by `tr`, into *out when a sampled grid decodes and its check character
 * holds (forms/code.c); OMR_ERR_NOT_FOUND otherwise. */
int qr_grid_read(const omr_image *scan, const omr_template *t, const page_transform *tr, code_payload *out,
                 omr_error *err);

#endif
