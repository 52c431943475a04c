/*
 * interrupt.c — SIGINT/SIGTERM noted in a flag (see interrupt.h). The handler
 * only stores the signal number; SA_RESETHAND puts the default back, so a
 * second Ctrl-C is not swallowed.
 */
#include "base/interrupt.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t caught;
static struct sigaction old_int, old_term;
static int installed;

static void note_signal(int sig) { caught = sig; }

void interrupt_catch(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = note_signal;
    /* SA_RESTART: a read or an fsync in hand (SQLite's, libtiff's) goes on; the
     * batch looks at the flag between pages */
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    caught = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    installed = 1;
}

int interrupt_pending(void) { return caught; }

void interrupt_release(void) {
    if (!installed)
        return;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    installed = 0;
    caught = 0; /* noted by the batch (scan_summary.interrupted); not left for the next */
}
