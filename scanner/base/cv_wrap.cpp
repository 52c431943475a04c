/*
 * cv_wrap.cpp — the only C++ in omr: wraps cv::estimateAffine-style fits,
 * warps, blurs, resizing, Otsu and connected components for the C stages;
 * ORB features, matching and RANSAC homographies, and contour
 * shapes for forms omr did not print (register.c, discover.c).
 * Each function converts omr_image to a cv::Mat header (no copy), calls
 * OpenCV inside try/catch and turns exceptions into status codes.
 */
#include "base/cv_wrap.h"

#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

static cv::Mat as_mat(const omr_image *image) {
    return cv::Mat(image->height, image->width, CV_8UC1, image->pixels, (size_t)image->stride);
}

extern "C" int cvw_fit_affine(const omr_point *from, const omr_point *to, int n, cvw_affine *out) {
    if (n < 3)
        return OMR_ERR_INVALID;
    try {
        cv::Mat a = cv::Mat::zeros(2 * n, 6, CV_64F), b(2 * n, 1, CV_64F), x;
        for (int i = 0; i < n; i++) {
            a.at<double>(2 * i, 0) = from[i].x;
            a.at<double>(2 * i, 1) = from[i].y;
            a.at<double>(2 * i, 2) = 1;
            a.at<double>(2 * i + 1, 3) = from[i].x;
            a.at<double>(2 * i + 1, 4) = from[i].y;
            a.at<double>(2 * i + 1, 5) = 1;
            b.at<double>(2 * i) = to[i].x;
            b.at<double>(2 * i + 1) = to[i].y;
        }
        if (!cv::solve(a, b, x, cv::DECOMP_SVD))
            return OMR_ERR_INVALID;
        for (int i = 0; i < 6; i++)
            out->m[i] = x.at<double>(i);
        double det = out->m[0] * out->m[4] - out->m[1] * out->m[3];
        return std::abs(det) < 1e-9 ? OMR_ERR_INVALID : OMR_OK;
    } catch (const cv::Exception &) {
        return OMR_ERR_INVALID;
    }
}

extern "C" int cvw_fit_homography(const omr_point *from, const omr_point *to, int n, double h[9]) {
    if (n < 4)
        return OMR_ERR_INVALID;
    try {
        std::vector<cv::Point2d> src, dst;
        for (int i = 0; i < n; i++) {
            src.emplace_back(from[i].x, from[i].y);
            dst.emplace_back(to[i].x, to[i].y);
        }
        cv::Mat hm = cv::findHomography(src, dst, 0);
        if (hm.empty())
            return OMR_ERR_INVALID;
        for (int i = 0; i < 9; i++)
            h[i] = hm.at<double>(i / 3, i % 3);
        return OMR_OK;
    } catch (const cv::Exception &) {
        return OMR_ERR_INVALID;
    }
}

extern "C" int cvw_warp_affine(const omr_image *in, omr_image *out, const cvw_affine *forward) {
    try {
        cv::Mat src = as_mat(in), dst = as_mat(out);
        cv::Mat m = (cv::Mat_<double>(2, 3) << forward->m[0], forward->m[1], forward->m[2],
                     forward->m[3], forward->m[4], forward->m[5]);
        cv::warpAffine(src, dst, m, dst.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                       cv::Scalar(255));
        return OMR_OK;
    } catch (const cv::Exception &) {
        return OMR_ERR_INVALID;
    }
}

extern "C" int cvw_warp_perspective(const omr_image *in, omr_image *out, const double forward[9]) {
    try {
        cv::Mat src = as_mat(in), dst = as_mat(out);
        cv::Mat m(3, 3, CV_64F);
        for (int i = 0; i < 9; i++)
            m.at<double>(i / 3, i % 3) = forward[i];
        if (forward[6] == 0 && forward[7] == 0 && forward[8] == 1) {
            /* an affine map (most pages): OpenCV's affine warp does the same
             * bilinear sampling without a division per pixel */
            cv::warpAffine(src, dst, m.rowRange(0, 2), dst.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                           cv::Scalar(255));
            return OMR_OK;
        }
        cv::warpPerspective(src, dst, m, dst.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                            cv::Scalar(255));
        return OMR_OK;
    } catch (const cv::Exception &) {
        return OMR_ERR_INVALID;
    }
}

extern "C" int cvw_gaussian_blur(omr_image *image, double sigma) {
    if (sigma <= 0)
        return OMR_OK;
    try {
        cv::Mat m = as_mat(image);
        cv::GaussianBlur(m, m, cv::Size(0, 0), sigma);
        return OMR_OK;
    } catch (const cv::Exception &) {
        return OMR_ERR_INVALID;
    }
}

extern "C" int cvw_median_blur(omr_image *image, int size) {
    try {
        cv::Mat m = as_mat(image), out;
        cv::medianBlur(m, out, size);
        out.copyTo(m);
        return OMR_OK;
    } catch (const cv::Exception &) {
        return OMR_ERR_INVALID;
    }
}

extern "C" omr_image *cvw_resize(const omr_image *in, double factor) {
    int w = (int)(in->width * factor + 0.5), h = (int)(in->height * factor + 0.5);
    omr_image *out = omr_image_new(w, h, in->dpi * factor, 255);
    if (!out)
        return nullptr;
    try {
        cv::Mat dst = as_mat(out);
        cv::resize(as_mat(in), dst, dst.size(), 0, 0, factor < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
        return out;
    } catch (const cv::Exception &) {
        omr_image_free(out);
        return nullptr;
    }
}

extern "C" omr_image *cvw_morph_square(const omr_image *in, int r, int thin_black) {
    assert(in && in->width > 0 && in->height > 0 && r >= 0);
    omr_image *out = omr_image_new_uninit(in->width, in->height, in->dpi);
    if (!out)
        return nullptr;
    try {
        /* a flat rectangle is separable: OpenCV filters rows then columns,
         * each with a running min or max; the default border ignores what
         * lies outside, as a window clipped at the edges does */
        cv::Mat dst = as_mat(out);
        cv::Mat kernel = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2 * r + 1, 2 * r + 1));
        if (thin_black)
            cv::dilate(as_mat(in), dst, kernel);
        else
            cv::erode(as_mat(in), dst, kernel);
        return out;
    } catch (const cv::Exception &) {
        omr_image_free(out);
        return nullptr;
    }
}

static bool clip(const omr_image *image, int &x, int &y, int &w, int &h) {
    int x1 = std::min(image->width, x + w), y1 = std::min(image->height, y + h);
    x = std::max(0, x);
    y = std::max(0, y);
    w = x1 - x;
    h = y1 - y;
    return w > 0 && h > 0;
}

extern "C" int cvw_otsu_threshold(const omr_image *image, int x, int y, int w, int h) {
    if (!clip(image, x, y, w, h))
        return -1;
    try {
        cv::Mat roi = as_mat(image)(cv::Rect(x, y, w, h)), binary;
        return (int)cv::threshold(roi, binary, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    } catch (const cv::Exception &) {
        return -1;
    }
}

extern "C" int cvw_find_blobs(const omr_image *image, int x, int y, int w, int h, int threshold,
                              cvw_blob *blobs, int max_blobs) {
    if (!clip(image, x, y, w, h))
        return 0;
    try {
        cv::Mat roi = as_mat(image)(cv::Rect(x, y, w, h)), ink, labels, stats, centroids;
        cv::threshold(roi, ink, threshold, 255, cv::THRESH_BINARY_INV);
        int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
        int found = 0;
        for (int i = 1; i < n && found < max_blobs; i++) {
            cvw_blob &b = blobs[found++];
            b.x = x + stats.at<int>(i, cv::CC_STAT_LEFT);
            b.y = y + stats.at<int>(i, cv::CC_STAT_TOP);
            b.w = stats.at<int>(i, cv::CC_STAT_WIDTH);
            b.h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
            b.area = stats.at<int>(i, cv::CC_STAT_AREA);
            b.cx = x + centroids.at<double>(i, 0);
            b.cy = y + centroids.at<double>(i, 1);
        }
        return found;
    } catch (const cv::Exception &) {
        return OMR_ERR_INVALID;
    }
}

/* ---- features ---------------------------------------------------------------------- */

struct cvw_features {
    std::vector<cv::KeyPoint> keypoints;
    cv::Mat descriptors;
};

extern "C" cvw_features *cvw_features_detect(const omr_image *image, int max_features) {
    cvw_features *f = new (std::nothrow) cvw_features;
    if (!f)
        return nullptr;
    try {
        cv::Mat m = as_mat(image);
        /* many candidates, then the strongest few of every cell of a 4 x 6
         * grid: a form's print is everywhere, and so should the matches be */
        cv::Ptr<cv::ORB> orb = cv::ORB::create(max_features * 3, 1.2f, 8, 31, 0, 2, cv::ORB::HARRIS_SCORE, 31, 12);
        std::vector<cv::KeyPoint> all;
        orb->detect(m, all);
        const int gx = 4, gy = 6;
        std::vector<std::vector<cv::KeyPoint>> cells(gx * gy);
        for (const cv::KeyPoint &k : all) {
            int cx = std::min(gx - 1, std::max(0, (int)(k.pt.x * gx / m.cols)));
            int cy = std::min(gy - 1, std::max(0, (int)(k.pt.y * gy / m.rows)));
            cells[cy * gx + cx].push_back(k);
        }
        int per_cell = std::max(1, max_features / (gx * gy));
        for (std::vector<cv::KeyPoint> &c : cells) {
            cv::KeyPointsFilter::retainBest(c, per_cell);
            f->keypoints.insert(f->keypoints.end(), c.begin(), c.end());
        }
        orb->compute(m, f->keypoints, f->descriptors);
        return f;
    } catch (const cv::Exception &) {
        delete f;
        return nullptr;
    } catch (const std::bad_alloc &) {
        delete f;
        return nullptr;
    }
}

extern "C" cvw_features *cvw_features_sample(const cvw_features *features, int n) {
    cvw_features *f = new (std::nothrow) cvw_features;
    if (!f)
        return nullptr;
    try {
        int total = (int)features->keypoints.size();
        int step = n > 0 && total > n ? (total + n - 1) / n : 1;
        std::vector<int> rows;
        for (int i = 0; i < total; i += step)
            rows.push_back(i);
        f->descriptors = cv::Mat((int)rows.size(), features->descriptors.cols, features->descriptors.type());
        for (size_t k = 0; k < rows.size(); k++) {
            f->keypoints.push_back(features->keypoints[rows[k]]);
            features->descriptors.row(rows[k]).copyTo(f->descriptors.row((int)k));
        }
        return f;
    } catch (const cv::Exception &) {
        delete f;
        return nullptr;
    } catch (const std::bad_alloc &) {
        delete f;
        return nullptr;
    }
}

extern "C" void cvw_features_free(cvw_features *features) { delete features; }

extern "C" int cvw_features_bytes(const cvw_features *features) {
    return features->descriptors.empty() ? 0 : (int)features->descriptors.cols;
}

extern "C" void cvw_features_export(const cvw_features *features, float *points, uint8_t *descriptors) {
    int n = (int)features->keypoints.size(), bytes = cvw_features_bytes(features);
    for (int i = 0; i < n; i++) {
        const cv::KeyPoint &k = features->keypoints[(size_t)i];
        points[4 * i] = k.pt.x;
        points[4 * i + 1] = k.pt.y;
        points[4 * i + 2] = k.size;
        points[4 * i + 3] = k.angle;
        if (bytes)
            memcpy(descriptors + (size_t)i * bytes, features->descriptors.ptr<uint8_t>(i), (size_t)bytes);
    }
}

extern "C" cvw_features *cvw_features_import(int n, int bytes, const float *points, const uint8_t *descriptors) {
    cvw_features *f = new (std::nothrow) cvw_features;
    if (!f)
        return nullptr;
    try {
        f->keypoints.reserve((size_t)n);
        for (int i = 0; i < n; i++)
            f->keypoints.emplace_back(points[4 * i], points[4 * i + 1], points[4 * i + 2], points[4 * i + 3]);
        if (n > 0 && bytes > 0) {
            f->descriptors = cv::Mat(n, bytes, CV_8U);
            for (int i = 0; i < n; i++)
                memcpy(f->descriptors.ptr<uint8_t>(i), descriptors + (size_t)i * bytes, (size_t)bytes);
        }
        return f;
    } catch (const cv::Exception &) {
        delete f;
        return nullptr;
    } catch (const std::bad_alloc &) {
        delete f;
        return nullptr;
    }
}

extern "C" int cvw_features_count(const cvw_features *features) {
    return features ? (int)features->keypoints.size() : 0;
}

/* The features of `from` and `to` that are each other's nearest neighbour
 * and clearly nearer than the next: their positions in src and dst. Built
 * twice, the CPU's popcount instruction chosen at load time where it has
 * one (x86-64's baseline has none: __builtin_popcountll becomes a call per
 * word, half of all the time a page read by look took). */
static bool nearest_pairs_wide(const uint64_t *wa, int na, const uint64_t *wb, int nb, int *best1, int *best2,
                               int *idx1, int *col_best, int *col_idx);
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("popcnt", "default")))
#endif
static void mutual_matches(const cvw_features *from, const cvw_features *to, std::vector<cv::Point2f> &src,
                           std::vector<cv::Point2f> &dst) {
    /* BFMatcher's knnMatch both ways, in one pass over the distances: for
     * each `from` row its nearest two (the earlier on a tie, as knnMatch
     * keeps them), for each `to` row its nearest `from` row. ORB's
     * descriptors are 32 bytes: four words and a popcount each. */
    const cv::Mat &a = from->descriptors, &b = to->descriptors;
    CV_Assert(a.type() == CV_8U && b.type() == CV_8U && a.cols == b.cols);
    int na = a.rows, nb = b.rows, words = (a.cols + 7) / 8;
    std::vector<uint64_t> wa((size_t)na * words, 0), wb((size_t)nb * words, 0);
    for (int i = 0; i < na; i++)
        memcpy(&wa[(size_t)i * words], a.ptr<uint8_t>(i), (size_t)a.cols);
    for (int j = 0; j < nb; j++)
        memcpy(&wb[(size_t)j * words], b.ptr<uint8_t>(j), (size_t)b.cols);
    std::vector<int> best1(na, INT32_MAX), best2(na, INT32_MAX), idx1(na, -1);
    std::vector<int> col_best(nb, INT32_MAX), col_idx(nb, -1);
    bool wide = words == 4 && nearest_pairs_wide(wa.data(), na, wb.data(), nb, best1.data(), best2.data(),
                                                 idx1.data(), col_best.data(), col_idx.data());
    for (int i = 0; i < na && !wide; i++) {
        const uint64_t *x = &wa[(size_t)i * words];
        int d1 = INT32_MAX, d2 = INT32_MAX, j1 = -1;
        for (int j = 0; j < nb; j++) {
            const uint64_t *y = &wb[(size_t)j * words];
            /* a pair counts only when nearer than the row's second best or
             * the column's best: stop adding words once it cannot be (the
             * same pairs, a fraction of the popcounts) */
            int lim = d2 > col_best[j] ? d2 : col_best[j];
            int d = 0;
            for (int w = 0; w < words && d < lim; w++)
                d += __builtin_popcountll(x[w] ^ y[w]);
            if (d >= lim)
                continue;
            if (d < d1) {
                d2 = d1;
                d1 = d;
                j1 = j;
            } else if (d < d2) {
                d2 = d;
            }
            if (d < col_best[j]) {
                col_best[j] = d;
                col_idx[j] = i;
            }
        }
        best1[i] = d1;
        best2[i] = d2;
        idx1[i] = j1;
    }
    for (int i = 0; i < na; i++) {
        if (idx1[i] < 0)
            continue;
        if (nb >= 2 && (float)best1[i] > 0.85f * (float)best2[i])
            continue; /* not distinctive: a repeated box or letter */
        if (col_idx[idx1[i]] != i)
            continue; /* not mutual */
        src.push_back(from->keypoints[i].pt);
        dst.push_back(to->keypoints[idx1[i]].pt);
    }
}

extern "C" int cvw_features_agreeing(const cvw_features *from, const cvw_features *to) {
    if (!from || !to || from->descriptors.empty() || to->descriptors.empty())
        return 0;
    try {
        std::vector<cv::Point2f> src, dst;
        mutual_matches(from, to, src, dst);
        return (int)src.size();
    } catch (const cv::Exception &) {
        return OMR_ERR_INVALID;
    } catch (const std::bad_alloc &) {
        return OMR_ERR_MEMORY;
    }
}

/* The largest set of pairs one similarity (turn, scale, shift) places
 * within `tol_px` of their partners. Each hypothesis is made from two pairs
 * at least a tenth of the `from` extent apart (two close points fix the
 * turn badly); the pairs are taken in their order, at most `max_hyp` of
 * them, so the work is bounded whatever the page. */
static int placed_pairs(const std::vector<cv::Point2f> &src, const std::vector<cv::Point2f> &dst, double tol_px,
                        int max_hyp) {
    int n = (int)src.size(), best = n > 0 ? 1 : 0;
    if (n < 2)
        return best;
    float minx = src[0].x, maxx = src[0].x, miny = src[0].y, maxy = src[0].y;
    for (const cv::Point2f &p : src) {
        minx = std::min(minx, p.x);
        maxx = std::max(maxx, p.x);
        miny = std::min(miny, p.y);
        maxy = std::max(maxy, p.y);
    }
    double extent = std::max(maxx - minx, maxy - miny), min_sep2 = extent * extent / 100, tol2 = tol_px * tol_px;
    int h = std::min(n, max_hyp);
    for (int i = 0; i < h; i++)
        for (int j = i + 1; j < h; j++) {
            double sx = src[j].x - src[i].x, sy = src[j].y - src[i].y;
            double dx = dst[j].x - dst[i].x, dy = dst[j].y - dst[i].y;
            double s2 = sx * sx + sy * sy;
            if (s2 < min_sep2)
                continue;
            /* dst = [a -b; b a] src + t */
            double a = (sx * dx + sy * dy) / s2, b = (sx * dy - sy * dx) / s2;
            double sc2 = a * a + b * b;
            if (sc2 < 0.25 || sc2 > 4)
                continue; /* not a page at a believable scale */
            double tx = dst[i].x - (a * src[i].x - b * src[i].y), ty = dst[i].y - (b * src[i].x + a * src[i].y);
            int count = 0;
            for (int k = 0; k < n; k++) {
                double ex = a * src[k].x - b * src[k].y + tx - dst[k].x;
                double ey = b * src[k].x + a * src[k].y + ty - dst[k].y;
                count += ex * ex + ey * ey <= tol2;
            }
            best = std::max(best, count);
        }
    return best;
}

extern "C" int cvw_features_placed(const cvw_features *from, const cvw_features *to, double tol_px) {
    if (!from || !to || from->descriptors.empty() || to->descriptors.empty())
        return 0;
    try {
        std::vector<cv::Point2f> src, dst;
        mutual_matches(from, to, src, dst);
        return placed_pairs(src, dst, tol_px, 64);
    } catch (const cv::Exception &) {
        return OMR_ERR_INVALID;
    } catch (const std::bad_alloc &) {
        return OMR_ERR_MEMORY;
    }
}

extern "C" int cvw_features_homography(const cvw_features *from, const cvw_features *to, double ransac_px,
                                       double h[9]) {
    return cvw_features_homography_min(from, to, ransac_px, 12, h);
}

extern "C" int cvw_features_homography_min(const cvw_features *from, const cvw_features *to, double ransac_px,
                                           int min_pairs, double h[9]) {
    if (!from || !to || from->descriptors.empty() || to->descriptors.empty())
        return 0;
    try {
        std::vector<cv::Point2f> src, dst;
        mutual_matches(from, to, src, dst);
        if (src.size() < 12 || (int)src.size() < min_pairs)
            return 0;
        std::vector<unsigned char> inlier;
        cv::Mat hm = cv::findHomography(src, dst, cv::RANSAC, ransac_px, inlier, 4000, 0.999);
        if (hm.empty())
            return 0;
        int n = 0;
        for (unsigned char v : inlier)
            n += v != 0;
        for (int i = 0; i < 9; i++)
            h[i] = hm.at<double>(i / 3, i % 3) / hm.at<double>(2, 2);
        return n;
    } catch (const cv::Exception &) {
        return OMR_ERR_INVALID;
    }
}

/* ---- shapes ------------------------------------------------------------------------ */

extern "C" int cvw_find_shapes(const omr_image *image, int threshold, cvw_shape *shapes, int max_shapes) {
    try {
        cv::Mat ink;
        cv::threshold(as_mat(image), ink, threshold, 255, cv::THRESH_BINARY_INV);
        std::vector<std::vector<cv::Point>> contours;
        std::vector<cv::Vec4i> tree; /* next, previous, first child, parent */
        cv::findContours(ink, contours, tree, cv::RETR_TREE, cv::CHAIN_APPROX_NONE);
        std::vector<int> depth(contours.size(), 0);
        for (size_t i = 0; i < contours.size(); i++)
            for (int p = tree[i][3]; p >= 0; p = tree[p][3])
                depth[i]++;
        int count = 0;
        for (size_t i = 0; i < contours.size(); i++) {
            if (depth[i] % 2 != 0)
                continue; /* a hole */
            if (count >= max_shapes) {
                count++;
                continue;
            }
            cvw_shape &s = shapes[count++];
            s = cvw_shape();
            cv::Rect r = cv::boundingRect(contours[i]);
            s.x = r.x;
            s.y = r.y;
            s.w = r.width;
            s.h = r.height;
            cv::Moments m = cv::moments(contours[i]);
            /* a contour's area runs through pixel centres: add half its rim */
            double rim = cv::arcLength(contours[i], true) / 2;
            s.area = m.m00 + rim;
            double m00 = m.m00 + rim, m10 = m.m10, m01 = m.m01;
            int largest = -1;
            double largest_area = 0;
            for (int c = tree[i][2]; c >= 0; c = tree[c][0]) {
                cv::Moments hmnt = cv::moments(contours[c]);
                double a = hmnt.m00 - cv::arcLength(contours[c], true) / 2;
                if (a < 4)
                    continue;
                s.n_holes++;
                m00 -= a;
                m10 -= hmnt.m10;
                m01 -= hmnt.m01;
                if (a > largest_area) {
                    largest_area = a;
                    largest = c;
                }
            }
            s.ink = m00;
            s.cx = m00 > 0 ? m10 / std::max(1.0, m.m00 - (m.m00 + rim - m00)) : r.x + r.width / 2.0;
            s.cy = m00 > 0 ? m01 / std::max(1.0, m.m00 - (m.m00 + rim - m00)) : r.y + r.height / 2.0;
            if (m.m00 <= 0 || s.cx < r.x || s.cx > r.x + r.width || s.cy < r.y || s.cy > r.y + r.height) {
                s.cx = r.x + r.width / 2.0;
                s.cy = r.y + r.height / 2.0;
            }
            if (largest >= 0) {
                cv::Rect hr = cv::boundingRect(contours[largest]);
                s.hx = hr.x;
                s.hy = hr.y;
                s.hw = hr.width;
                s.hh = hr.height;
                s.hole_area = largest_area;
                for (int c = tree[largest][2]; c >= 0; c = tree[c][0])
                    s.hole_children++;
            }
            std::vector<cv::Point> poly;
            cv::approxPolyDP(contours[i], poly, 0.04 * cv::arcLength(contours[i], true), true);
            s.vertices = (int)poly.size();
        }
        return count;
    } catch (const cv::Exception &) {
        return OMR_ERR_INVALID;
    } catch (const std::bad_alloc &) {
        return OMR_ERR_MEMORY;
    }
}

/* ---- nearest descriptors, eight at a time (mutual_matches) ------------------------- */

/* mutual_matches' pass over the distances on a CPU with AVX-512's 64-bit
 * popcount (vpopcntdq): 32-byte descriptors (four words), `to`'s rows laid
 * out word by word in blocks of eight, so one row of `from` is measured
 * against eight of `to` in four xors and four popcounts. The same pairs,
 * in the same order, as the scalar pass: a column's best moves on a
 * strictly nearer row (the earlier row on a tie), and the lanes nearer than
 * the row's second best are taken one by one in column order with the
 * scalar rule (the second best only falls, so a lane not nearer than it at
 * the start of the block is not nearer later). Returns false, having done
 * nothing, where the CPU has no vpopcntdq or memory is short. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>

__attribute__((target("avx512f,avx512vl,avx512vpopcntdq"))) static void
nearest_pairs_avx512(const uint64_t *wa, int na, const uint64_t *planar, int nb, int *best1, int *best2, int *idx1,
                     int *col_best, int *col_idx) {
    int blocks = (nb + 7) / 8;
    for (int i = 0; i < na; i++) {
        const uint64_t *x = &wa[(size_t)i * 4];
        __m512i x0 = _mm512_set1_epi64((long long)x[0]), x1 = _mm512_set1_epi64((long long)x[1]);
        __m512i x2 = _mm512_set1_epi64((long long)x[2]), x3 = _mm512_set1_epi64((long long)x[3]);
        __m256i row = _mm256_set1_epi32(i);
        int d1 = INT32_MAX, d2 = INT32_MAX, j1 = -1;
        for (int b = 0; b < blocks; b++) {
            const uint64_t *y = &planar[(size_t)b * 32];
            __m512i d = _mm512_popcnt_epi64(_mm512_xor_si512(x0, _mm512_loadu_si512(y)));
            d = _mm512_add_epi64(d, _mm512_popcnt_epi64(_mm512_xor_si512(x1, _mm512_loadu_si512(y + 8))));
            d = _mm512_add_epi64(d, _mm512_popcnt_epi64(_mm512_xor_si512(x2, _mm512_loadu_si512(y + 16))));
            d = _mm512_add_epi64(d, _mm512_popcnt_epi64(_mm512_xor_si512(x3, _mm512_loadu_si512(y + 24))));
            __m256i d32 = _mm512_maskz_cvtepi64_epi32((__mmask8)0xff, d); /* maskz: gcc 12 warns on the plain one */
            int j0 = b * 8, lanes = nb - j0 < 8 ? nb - j0 : 8;
            __mmask8 valid = (__mmask8)((1u << lanes) - 1);
            /* the columns' best: strictly nearer rows only */
            __m256i cb = _mm256_maskz_loadu_epi32(valid, &col_best[j0]);
            __mmask8 nearer = _mm256_mask_cmplt_epi32_mask(valid, d32, cb);
            _mm256_mask_storeu_epi32(&col_best[j0], nearer, d32);
            _mm256_mask_storeu_epi32(&col_idx[j0], nearer, row);
            /* the row's best two */
            unsigned take = _mm256_mask_cmplt_epi32_mask(valid, d32, _mm256_set1_epi32(d2));
            if (!take)
                continue;
            alignas(32) int dd[8];
            _mm256_store_si256((__m256i *)dd, d32);
            for (; take; take &= take - 1) {
                int l = __builtin_ctz(take), v = dd[l];
                if (v < d1) {
                    d2 = d1;
                    d1 = v;
                    j1 = j0 + l;
                } else if (v < d2) {
                    d2 = v;
                }
            }
        }
        best1[i] = d1;
        best2[i] = d2;
        idx1[i] = j1;
    }
}

static bool nearest_pairs_wide(const uint64_t *wa, int na, const uint64_t *wb, int nb, int *best1, int *best2,
                               int *idx1, int *col_best, int *col_idx) {
    if (!__builtin_cpu_supports("avx512vpopcntdq") || !__builtin_cpu_supports("avx512vl"))
        return false;
    int blocks = (nb + 7) / 8;
    uint64_t *planar = (uint64_t *)malloc((size_t)blocks * 32 * sizeof *planar);
    if (!planar)
        return false;
    memset(planar, 0, (size_t)blocks * 32 * sizeof *planar);
    for (int j = 0; j < nb; j++)
        for (int w = 0; w < 4; w++)
            planar[(size_t)(j / 8) * 32 + (size_t)w * 8 + (size_t)(j % 8)] = wb[(size_t)j * 4 + (size_t)w];
    nearest_pairs_avx512(wa, na, planar, nb, best1, best2, idx1, col_best, col_idx);
    free(planar);
    return true;
}
#else
static bool nearest_pairs_wide(const uint64_t *, int, const uint64_t *, int, int *, int *, int *, int *, int *) {
    return false;
}
#endif
