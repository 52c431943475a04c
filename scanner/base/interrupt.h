/*
 * interrupt.h — Ctrl-C and `kill` during a batch (omr scan): SIGINT and
 * SIGTERM are caught and only noted, so the batch can stop at the next page,
 * drop the file it was reading, keep what it committed, remove its temporary ledger and
 * leave its outputs as they were, instead of dying half way.
 *
 *   interrupt_catch()    installs the handlers (SA_RESTART: the read or write
 *                        in hand is not broken off); the earlier ones are kept
 *   interrupt_pending()  the signal caught (SIGINT, SIGTERM) or 0
 *   interrupt_release()  the earlier handlers back, the flag cleared
 * A second Ctrl-C while stopping ends the process at once (the default action).
 */
#ifndef OMR_INTERRUPT_H
#define OMR_INTERRUPT_H

void interrupt_catch(void);
int interrupt_pending(void);
void interrupt_release(void);

#endif
