/*
 * cv_wrap.cpp — the only C++ in omr: wraps cv::estimateAffine-style fits,
 * warps, blurs, resizing, Otsu and connected components for the C stages.
 * Each function converts omr_image to a cv::Mat header (no copy), calls
 * OpenCV inside try/catch and turns exceptions into status codes.
 */
#include "cv_wrap.h"

#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
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
