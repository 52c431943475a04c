/*
 * register.h — finds a page of a form that omr did not print on its scan,
 * through the form's blank copy (the "reference"): ORB features of the blank
 * page and of the scan are matched and a homography is fitted with RANSAC,
 * which survives any turn, "fit to page" scaling, photocopies and phone photos
 * with perspective; a blank that shares no features with the scan (drawn
 * from a layout) is placed by its printed structure (look/structure.h).
 * Where the template names the form's own corner marks
 * (squares, circles, L-marks: any solid shape), the marks are then found near
 * where the homography puts them and give the final, exact map. Hands on a
 * page_transform, as locate does for omr's own forms, so measure re-centres
 * every box on its printed outline the same way. The blank pages and the
 * feature matching are reference.h; the mask of a foreign form's print is
 * mask.h.
 */
#ifndef OMR_REGISTER_H
#define OMR_REGISTER_H

#include "base/common.h"
#include "forms/template.h"
#include "reading/identify.h"
#include "reading/page_map.h"

/* locate_page for templates registered by their marks or their reference
 * (locate.c calls it). Uses identity->coarse when identify already matched
 * the page, else matches it here (or starts from a QR code's corners). */
int register_locate(const omr_image *scan, const omr_template *tmpl, const page_identity *identity,
                     page_transform *out, omr_error *err);

#endif
