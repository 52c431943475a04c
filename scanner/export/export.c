/*
 * export.c — writes the five outputs from the ledger (see export.h): opens
 * them as atomic files (base/files.h), takes one snapshot of the ledger (a
 * read transaction, ledger/export_queries.h) for all of them, has each
 * written (export_records.c: records and review; export_tables.c: marks,
 * rejects, codebook), finishes every file on disk before renaming any, so
 * the five stay in step, and fsyncs the folder. Also the list of files a
 * batch could not open (reject_list), and clearing what a killed export left.
 */
#include "export/export.h"

#include <assert.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/files.h"
#include "export/export_write.h"

void reject_list_add(reject_list *list, const char *file, int page, const char *reason, int blank) {
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        reject_entry *grown = realloc(list->items, cap * sizeof *grown);
        if (!grown)
            return;
        list->items = grown;
        list->cap = cap;
    }
    list->items[list->count++] = (reject_entry){omr_strdup(file), page, omr_strdup(reason), blank};
}

void reject_list_free(reject_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].file);
        free(list->items[i].reason);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}

void export_csv_field(FILE *out, const char *value) {
    omr_csv_field(out, value, ',');
}

static const char *const export_names[] = {"records.csv", "marks.csv", "review.csv", "rejects.csv",
                                           "codebook.csv"};

int export_ledger(omr_db *db, const char *dir, const omr_template *const *templates, size_t n_templates,
                  export_summary *summary, omr_error *err) {
    return export_ledger_progress(db, dir, templates, n_templates, NULL, summary, err);
}

int export_ledger_progress(omr_db *db, const char *dir, const omr_template *const *templates,
                           size_t n_templates, progress *p, export_summary *summary,
                           omr_error *err) {
    assert(db && dir && summary);
    memset(summary, 0, sizeof *summary);
    omr_atomic_file files[5];
    size_t opened = 0;
    int rc = OMR_OK;
    for (; opened < 5; opened++) {
        rc = omr_atomic_open(&files[opened], dir, export_names[opened], err);
        if (rc != OMR_OK)
            break;
    }
    /* one snapshot for all five */
    export_snapshot *snap = NULL;
    if (rc == OMR_OK)
        rc = export_snapshot_begin(db, &snap, err);
    export_counts counts = {.progress = p};
    if (rc == OMR_OK)
        rc = export_write_records_and_review(snap, files[0].fp, files[2].fp, templates, n_templates, &counts, err);
    *summary = (export_summary){.forms = counts.forms,
                                .forms_review = counts.forms_review,
                                .forms_incomplete = counts.forms_incomplete,
                                .comments_read = counts.comments_read,
                                .left_out = counts.left_out};
    progress_phase(p, counts.forms, "marks.csv");
    if (rc == OMR_OK)
        rc = export_write_marks(snap, files[1].fp, templates, n_templates, err);
    if (rc == OMR_OK)
        rc = export_write_rejects(snap, files[3].fp, err);
    export_snapshot_end(snap);
    if (rc == OMR_OK)
        export_write_codebook(files[4].fp, templates, n_templates);
    /* every file complete on disk before any is renamed, so the five stay in step */
    for (size_t i = 0; i < opened; i++) {
        if (rc == OMR_OK)
            rc = omr_atomic_finish(&files[i], err);
        else
            omr_atomic_abort(&files[i]);
    }
    for (size_t i = 0; i < opened; i++) {
        if (rc == OMR_OK)
            rc = omr_atomic_rename(&files[i], err);
        else
            omr_atomic_abort(&files[i]);
    }
    if (rc == OMR_OK)
        omr_sync_dir(dir);
    return rc;
}

void export_remove_leftovers(const char *dir) {
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        for (size_t i = 0; i < sizeof export_names / sizeof export_names[0]; i++) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, ".%s.tmp.", export_names[i]);
            if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
                char path[4400];
                snprintf(path, sizeof path, "%.4000s/%.255s", dir, e->d_name);
                unlink(path);
            }
        }
    }
    closedir(d);
    /* crops a killed write left half-saved */
    char comments[4096];
    snprintf(comments, sizeof comments, "%s/comments", dir);
    d = opendir(comments);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, ".crop.tmp.", 10) == 0) {
            char path[4400];
            snprintf(path, sizeof path, "%.4000s/%.255s", comments, e->d_name);
            unlink(path);
        }
    closedir(d);
}
