/*
 * queue.c — review_items in the ledger: adding and dropping items as the
 * machine's decisions change (store.c), leasing them to operators (one
 * IMMEDIATE transaction, so two operators never hold the same item), and the
 * reads the review page and its pictures need, handed on as jansson objects
 * and small structs. The review room (review/) never sees a statement.
 */
#include "ledger/queue.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/sql.h"
#include "ledger/store.h"

int queue_item_ensure(sqlite3 *db, long long return_id, const char *kind, const char *item, const char *reason,
                      omr_error *err) {
    assert(return_id > 0);
    char now[32];
    store_now(now);
    return sql_run(db, err, "cannot add a review item",
                   "INSERT INTO review_items(return_id, item, kind, reason, created_at) SELECT ?1, ?2, ?3, ?4, ?5 "
                   "WHERE NOT EXISTS (SELECT 1 FROM review_items WHERE return_id = ?1 AND kind = ?3 AND item = ?2)",
                   "ittt" "t", return_id, item, kind, reason, now);
}

int queue_item_drop(sqlite3 *db, long long return_id, const char *kind, const char *item, omr_error *err) {
    assert(return_id > 0);
    return sql_run(db, err, "cannot remove a review item",
                   "DELETE FROM review_items WHERE return_id = ? AND kind = ? AND item = ? AND state = 'open' "
                   "AND lease_owner IS NULL AND id NOT IN (SELECT review_item_id FROM decisions)",
                   "itt", return_id, kind, item);
}
