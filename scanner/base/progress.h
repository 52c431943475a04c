/*
 * progress.h — the one progress display of every long command (omr scan,
 * export, report, frame import, render, frame mail). The command line makes
 * one and hands it down; library code only calls progress_update, which
 * never fails and prints nothing on its own when the progress is NULL.
 *
 *   stderr is a terminal: one line redrawn in place ("\r"), at most 5 times a
 *     second: a bar, done/total, items per second, time left.
 *   otherwise (a log, a pipe, cron): a plain line every `interval` seconds
 *     (OMR_PROGRESS_SECONDS, default 10; 0 prints every update), and a last
 *     line at progress_finish when any was printed (a short run stays silent).
 *   --quiet: progress_new is not called (NULL): nothing at all.
 */
#ifndef OMR_PROGRESS_H
#define OMR_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct progress progress;

/* A progress for `command` ("omr scan") counting `unit` ("pages"), written to
 * `out` (stderr in the CLI). total may be 0 when unknown (then no bar, no
 * time left) and set later with progress_set_total. NULL when out of memory. */
progress *progress_new(FILE *out, const char *command, const char *unit, size_t total);
void progress_set_total(progress *p, size_t total);
/* `done` items of the total; `note` (may be NULL) is shown after the figures,
 * e.g. "12 of 40 files". Prints when the display is due. p may be NULL. */
void progress_update(progress *p, size_t done, const char *note);
/* progress_update at the start of a new phase ("writing to the ledger"):
 * a terminal shows it at once; a log as progress_update does. */
void progress_phase(progress *p, size_t done, const char *note);
/* The last figures (a final line, or the terminal's line ended) and frees p. */
void progress_finish(progress *p);

/* What the display would print for these figures, into buf (for tests and
 * for progress_update): "[#####.....] 120/500 pages, 12.3 pages/s, 0:31 left". */
void progress_format(char *buf, size_t size, const char *unit, size_t done, size_t total,
                     double seconds, int bar);

#endif
