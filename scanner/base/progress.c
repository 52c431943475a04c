/*
 * progress.c — the progress line of long commands (see progress.h): a bar
 * redrawn on a terminal, plain lines every few seconds in a log. Time from
 * CLOCK_MONOTONIC; the rate is over the whole run so far (steady for a batch
 * of pages that take alike long).
 */
#include "base/progress.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct progress {
    FILE *out;
    char command[64], unit[32];
    size_t total, done;
    int tty;
    double start, last_print, interval;
    char note[128];
    int printed;
    size_t printed_done; /* the figure on the last line printed */
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

progress *progress_new(FILE *out, const char *command, const char *unit, size_t total) {
    progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->out = out;
    snprintf(p->command, sizeof p->command, "%s", command);
    snprintf(p->unit, sizeof p->unit, "%s", unit);
    p->total = total;
    p->tty = isatty(fileno(out));
    p->start = p->last_print = now_s();
    const char *every = getenv("OMR_PROGRESS_SECONDS");
    char *end = NULL;
    double v = every && *every ? strtod(every, &end) : -1;
    p->interval = p->tty ? 0.2 : (end && !*end && v >= 0 ? v : 10.0);
    return p;
}

void progress_set_total(progress *p, size_t total) {
    if (p)
        p->total = total;
}

void progress_format(char *buf, size_t size, const char *unit, size_t done, size_t total,
                     double seconds, int bar) {
    size_t len = 0;
    buf[0] = 0;
    if (bar && total) {
        char cells[21];
        size_t full = done >= total ? 20 : done * 20 / total;
        for (size_t i = 0; i < 20; i++)
            cells[i] = i < full ? '#' : '.';
        cells[20] = 0;
        len += (size_t)snprintf(buf + len, size - len, "[%s] ", cells);
    }
    if (len >= size)
        return;
    if (total)
        len += (size_t)snprintf(buf + len, size - len, "%zu/%zu %s", done, total, unit);
    else
        len += (size_t)snprintf(buf + len, size - len, "%zu %s", done, unit);
    if (len >= size)
        return;
    double rate = seconds > 0 ? (double)done / seconds : 0;
    len += (size_t)snprintf(buf + len, size - len, ", %.1f %s/s", rate, unit);
    if (len < size && total && done < total && rate > 0) {
        long left = (long)((double)(total - done) / rate + 0.5);
        snprintf(buf + len, size - len, ", %ld:%02ld left", left / 60, left % 60);
    }
}

static void print_line(progress *p, int final) {
    char figures[256];
    progress_format(figures, sizeof figures, p->unit, p->done, p->total, now_s() - p->start,
                    p->tty);
    if (p->tty)
        fprintf(p->out, "\r%s: %s%s%s\033[K%s", p->command, figures, *p->note ? ", " : "",
                p->note, final ? "\n" : "");
    else
        fprintf(p->out, "%s: %s%s%s\n", p->command, figures, *p->note ? ", " : "", p->note);
    fflush(p->out);
    p->printed = 1;
    p->printed_done = p->done;
}

void progress_update(progress *p, size_t done, const char *note) {
    if (!p)
        return;
    p->done = done;
    snprintf(p->note, sizeof p->note, "%s", note ? note : "");
    double t = now_s();
    if (t - p->last_print < p->interval && p->last_print >= p->start)
        return;
    p->last_print = t;
    print_line(p, 0);
}

void progress_finish(progress *p) {
    if (!p)
        return;
    /* the last figures (unless just printed), the terminal's line ended; a short run stays silent */
    if (p->printed && (p->tty || p->printed_done != p->done))
        print_line(p, 1);
    free(p);
}

void progress_phase(progress *p, size_t done, const char *note) {
    if (!p)
        return;
    if (p->tty) /* a terminal shows the new phase at once */
        p->last_print = p->start - p->interval - 1;
    progress_update(p, done, note);
}
