/*
 * frame_input.h — private to the frame's files (frame.c, frame_import.c): the
 * list of problems an input file has, each with its line and a reason.
 */
#ifndef OMR_FRAME_INPUT_H
#define OMR_FRAME_INPUT_H

#include "survey/frame.h"

/* Adds a problem (nothing when problems is NULL or memory is out). */
void frame_problem_add(frame_problems *p, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
