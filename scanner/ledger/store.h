/*
 * store.h — the ledger: one SQLite database (WAL) that is the source of truth
 * for everything omr has received and decided. Only `store` and the modules
 * that own a table write to it; exports are rebuilt from it.
 *
 * The schema below is the contract between the daemon (watch), the operators'
 * review page (review), the sample frame and reports (frame, report) and the
 * exports. Each module may add tables of its own (CREATE TABLE IF NOT EXISTS
 * in its own open function), never columns to another module's table.
 *
 *   scan_files    one row per distinct file content received (sha256), with
 *                 its state: processing -> done | rejected. The same content
 *                 arriving twice is the same row and is not counted twice.
 *                 `original_name` is the name it arrived under (relative to
 *                 the inbox for the daemon, the path given to `omr scan`);
 *                 `stored_path` where the file is kept (archive or rejected
 *                 folder). A file that could not be read at all has no hash:
 *                 its sha256 is "unreadable:<name>:<time>:<n>" (state
 *                 rejected, `error` says why).
 *   pages         one row per page of a scan file: read (a page of a known
 *                 form, joined to a return), blank, or rejected (reason).
 *                 `transform` is JSON {"m":[6 numbers mm->px],"turns":q,
 *                 "fiducials":n[,"covered":c][,"h":[9 numbers]]} so a review
 *                 page can crop the question's region from the scan (n:
 *                 fiducials found, 2, 3 or 4; c: of a page placed by two,
 *                 the others covered; h, when present, the projective map mm->px,
 *                 row-major 3x3, to use instead of m).
 *   returns       one paper (or web) return of a login code: the form that a
 *                 set of pages makes. A page joins the oldest return of its
 *                 (template, code) that lacks that page number; otherwise it
 *                 starts a new return, flagged duplicate_of the first one
 *                 (and a review item of kind 'duplicate', item "duplicate").
 *                 `flags` is what records.csv shows: "missing_page:2
 *                 routing:q4a1 corrected:q2b fiducial_covered:1
 *                 duplicate_of:<id>", recomputed whenever a page joins.
 *   marks         every box measured on a page, with its decision
 *                 (shift_mm and ink_near since schema 2; ink_near holds
 *                 decide_box_flags: 1 ink near, 2 circled, 4 dot, 8 faint,
 *                 16 scribble).
 *   answers       one row per (return, question) whose page has been read
 *                 (no row: page missing): the decided value (single/scale:
 *                 the value; multi: the chosen values, space-separated; NULL
 *                 when unanswered), the machine's value, status ok|review,
 *                 and who confirmed it. A confirmed value is never changed
 *                 by a recomputation.
 *   texts         one row per (return, text field) whose page has been read:
 *                 OCR text, confidence, crop path (relative to the output
 *                 folder), status none (nothing written) | pending_ocr (the
 *                 background OCR queue) | ok | review, confirmation.
 *   review_items  what needs a person: an answer (item = question id), a text
 *                 (item = field id), a duplicate return (item "duplicate"),
 *                 or a page without a usable code (unmatched_page, page_id
 *                 set); leased to one operator at a time (lease_owner,
 *                 lease_until). records.csv lists a return's open items.
 *   decisions     every decision an operator made on an item (history kept).
 *                 For a 'duplicate' item, final_value 'discard' leaves that
 *                 return out of records.csv; any other value keeps it.
 *   events        the daemon's log of outcomes, for `omr status`.
 *   duplicate_files (schema 2) every later arrival of content already in
 *                 scan_files: not counted again, listed in rejects.csv.
 *   stations      one row per `omr watch` station that has written to the
 *                 ledger (station: host name and processing folder): its
 *                 inbox, pid, start and the last time it was seen alive
 *                 (written at start and every few seconds), for `omr status`
 *                 when several stations share one PostgreSQL ledger.
 *   meta          key/value: schema_version, templates (space-separated ids
 *                 last used by scan or watch, for `omr export`), and the
 *                 daemon's watch.inbox, watch.processing, watch.pid,
 *                 watch.started_at for `omr status`.
 *
 * Schema 2 only adds (marks.shift_mm, marks.ink_near, duplicate_files); a
 * schema-1 ledger is upgraded in place by store_open.
 */
#ifndef OMR_STORE_H
#define OMR_STORE_H

#include "ledger/db.h"

#include "deciding/assemble.h"
#include "base/common.h"

#define STORE_SCHEMA_VERSION 2

/* The schema, as executed by store_open (idempotent). */
extern const char store_schema_sql[];

/* Opens (creating if needed) the ledger at `path`: WAL journal, foreign keys
 * on, a busy timeout of 10 s, schema applied. The caller owns *db and closes
 * it with store_close. One connection per thread.
 * A `path` that is a libpq URI (postgresql://… or postgres://…, see
 * store_is_server) opens a PostgreSQL ledger: the database must exist (the
 * role needs CREATE on its schema the first time); its tables are made and
 * migrated as a file's are. */
int store_open(const char *path, omr_db **db, omr_error *err);
/* The same, but never creates: OMR_ERR_NOT_FOUND, saying to restore it, when
 * the ledger is gone (a daemon's threads open theirs after start-up, when an
 * empty new ledger would silently take the old one's place). A ledger
 * store_open creates is made 0600 (it holds personal data); SQLite gives its
 * -wal and -shm files the same mode. */
int store_open_existing(const char *path, omr_db **db, omr_error *err);
/* Copies the ledger open as `db` (even one whose file was deleted while open)
 * into a new file `to` (created 0600; refused if it exists). */
int store_rescue(omr_db *db, const char *to, omr_error *err);
void store_close(omr_db *db);
/* The ledger file's path ("" for an in-memory ledger and for a PostgreSQL
 * ledger, which is no file: a caller that wants a folder beside the ledger
 * takes the current one). */
const char *store_filename(omr_db *db);
/* Is `path` a PostgreSQL ledger (a libpq URI) rather than a ledger file?
 * For the commands that look for a file before they open it. */
int store_is_server(const char *path);

/* Runs `sql` (no results) or fills err with SQLite's message and the SQL's
 * first words. */
int store_exec(omr_db *db, const char *sql, omr_error *err);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int store_begin(omr_db *db, omr_error *err);
int store_commit(omr_db *db, omr_error *err);
void store_rollback(omr_db *db);

/* Current UTC time as ISO 8601 ("2026-11-23T10:15:02Z") into buf[32]. */
void store_now(char buf[32]);

/* ---- writing what the pipeline read ------------------------------------------------ */

/* The SHA-256 of a file's content as 64 hex digits, and its size. OMR_ERR_IO
 * with the system's reason when it cannot be read. */
int store_hash_file(const char *path, char hex[65], long long *size, omr_error *err);

typedef enum { STORE_PAGE_READ, STORE_PAGE_BLANK, STORE_PAGE_REJECTED } store_page_status;

typedef struct {
    int file_page;            /* 1-based */
    store_page_status status;
    char *reason;             /* blank / rejected: why (owned) */
    int reviewable;           /* rejected but decoded: a person can look at it */
    page_reading *reading;    /* read pages (owned); its texts' crops are saved by store. A
                                 reviewable page known by its look but not its code keeps its
                                 reading too: the page row gets its template, page number and
                                 marks, which count once a person types its code */
    int group;                /* pages of one respondent matched by one review item (a form
                                 whose codes were all unreadable): the file_page of the group's
                                 first page, which holds the item; 0 alone */
} store_page;

/* One scan file and what it yielded. */
typedef struct {
    const char *sha256;       /* 64 hex digits, or NULL for a file that could not be read */
    const char *name;         /* original_name */
    const char *archive_path; /* stored_path when a page was read (state done) */
    const char *rejected_path;/* stored_path when nothing was used (state rejected) */
    long long size;
    const char *received_at;  /* ISO time, NULL: now */
    const char *error;        /* the whole file could not be used (then no pages) */
    store_page *pages;
    size_t n_pages;
    const char *out_dir;      /* comment crops go to out_dir/comments/ */
    int ocr;                  /* 1: writing waits for the OCR queue; 0: straight to review */
    double seconds;           /* reading time, for the event message */
} store_scan_file;

typedef struct {
    int duplicate;            /* content already in the ledger: only noted in duplicate_files */
    long long file_id;        /* the scan_files row (the first copy's, for a duplicate) */
    char state[16];           /* done | rejected (the first copy's, for a duplicate) */
    char first_name[512];     /* duplicate: the first copy's original_name */
    char first_path[1024];    /* duplicate: the first copy's stored_path ("" if none) */
    char received_at[32];     /* duplicate: when the first copy arrived */
    char error[1024];         /* state rejected: why (the first copy's reason, for a duplicate) */
    size_t pages_read, pages_blank, pages_rejected;
    size_t pages_waiting;     /* of pages_rejected: known by their look, waiting in review for a
                                 person to type their code (the file is done, not rejected) */
    size_t returns_new, returns_joined, comments;
    char codes[256];          /* "ABC123 (complete), XYZ9 (page 2 of 2)"; cut with "..." */
} store_file_result;

/* Records a scan file in ONE transaction: its scan_files row (done when a page
 * was read or every page is blank, else rejected), its pages and marks, the returns its pages start
 * or join (recomputing their answers and flags), texts (crops saved as PNG
 * under out_dir/comments/), review items, and an event. When the content is
 * already in the ledger (same sha256, done or rejected) nothing is counted:
 * a duplicate_files row is added and result->duplicate set. On an error
 * (disk full, read-only ledger) nothing is recorded. `templates` are those
 * the pages were read against. */
int store_write_file(omr_db *db, const omr_template *const *templates, size_t n_templates,
                     const store_scan_file *file, store_file_result *result, omr_error *err);

/* What the ledger knows of a content hash. found = 0 when unknown. */
typedef struct {
    int found;
    long long id;
    char state[16];
    char name[512];
    char stored_path[1024];
    char error[512];
    char received_at[32];
} store_file_info;

int store_find_file(omr_db *db, const char *sha256, store_file_info *out, omr_error *err);

/* At start-up: forgets every scan_files row left in state processing (by a
 * tool that noted a file before reading it; its file is read again from the
 * processing folder). *count = rows forgotten. */
int store_forget_unfinished(omr_db *db, int *count, omr_error *err);

/* Notes a later arrival of known content (not counted again) and where
 * that copy is filed (stored_path; NULL when it stays where it is). */
int store_record_duplicate(omr_db *db, long long file_id, const char *name,
                           const char *received_at, const char *stored_path, omr_error *err);

/* Where the latest arrival named `name` of content `file_id` was noted as
 * filed (empty when none was noted): a file left in the processing folder
 * by a kill after its duplicate row was written is filed there on restart. */
int store_find_duplicate(omr_db *db, long long file_id, const char *name, char *stored_path, size_t size,
                         omr_error *err);

/* Recomputes a return's answers, review items and flags from its pages'
 * marks (confirmed answers and decided items are kept). Called by
 * store_write_file for every return a page joins; exposed for tests and for
 * a changed template. OMR_ERR_NOT_FOUND when the return or its template is
 * not known. */
int store_recompute_return(omr_db *db, const omr_template *const *templates, size_t n_templates,
                           long long return_id, omr_error *err);

/* The template of `id` among those given, NULL when it is not there. */
const omr_template *store_template_by_id(const omr_template *const *templates, size_t n, const char *id);

/* ---- the OCR queue ------------------------------------------------------------------ */

typedef struct {
    long long rowid;          /* texts.rowid */
    long long return_id;
    char field[64];
    char crop_path[512];      /* relative to the output folder */
    char template_id[64];
    char code[64];
} store_text_job;

/* Claims the oldest text waiting for OCR (status pending_ocr) whose rowid is
 * after `after` and whose rowid % n_shards == shard (several OCR threads of a
 * station share the queue that way), unless another owner's claim on it is
 * still running: the text is claimed for `owner` (a station's OCR thread,
 * e.g. "host:pid/0") for lease_seconds, so that every comment is OCRed once
 * across all stations, and a dead station's claims are taken over when they
 * run out. Its own claims `owner` gets again. *found = 0 when there is none. */
int store_next_text_job(omr_db *db, long long after, int shard, int n_shards, const char *owner, int lease_seconds,
                        store_text_job *job, int *found, omr_error *err);

/* Records the OCR result of a job: status ok, or review (with an open review
 * item saying `reason`) when `needs_review`. text may be NULL (not read).
 * Does nothing when the text is no longer pending (a person typed it). */
int store_finish_text_job(omr_db *db, const store_text_job *job, const char *text,
                          double confidence, int needs_review, const char *reason, omr_error *err);

/* Texts waiting for OCR. */
int store_count_pending_texts(omr_db *db, long long *count, omr_error *err);

/* ---- small things ------------------------------------------------------------------- */

/* Adds an event ("info" or "error") for `omr status`. */
int store_log_event(omr_db *db, const char *level, const char *file, const char *message,
                    omr_error *err);

int store_set_meta(omr_db *db, const char *key, const char *value, omr_error *err);
/* The value of `key` into buf ("" when missing). */
int store_get_meta(omr_db *db, const char *key, char *buf, size_t size, omr_error *err);

/* Records an unreadable file (no hash): a rejected scan_files row saying why. */
int store_write_unreadable(omr_db *db, const char *name, const char *stored_path,
                           const char *reason, omr_error *err);

#endif
