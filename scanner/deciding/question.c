/*
 * question.c — a question's answer from its boxes' decisions (decide.c):
 * the form's rule for taking an answer back (template `corrections`), a
 * barely closed circle beside a clear one, then by the question's type: one
 * mark is a single-choice answer; two, any unclear box, or ink beside a box
 * that nothing explains go to review with the best reading. And routing:
 * an answer where its only_if condition does not hold.
 */
#include "deciding/decide.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A correction by a fill (fill-cancels, scribble-cancels) is a box filled
 * beside a cross or tick: the fill stands well above the mark it corrects.
 * A solid box under this much denser than the densest mark beside it is
 * the same hand's mark twice (a scribbler's answers reach 0.90-0.98 and
 * 0.62-0.86 in one question: held-out 2606 ZLT63KM0 q5r 0.93 beside 0.78
 * and 0.62, blurred 0.94 beside 0.86 and 0.68; 2604 65291Z54 q4a 0.93
 * beside 0.77, a double), or a fill as dense as its cross: a correction or
 * two answers, a person looks. A fill beside a pen's cross stands 0.23 and
 * more above it (seed 8201's 87 corrections: 1.0 beside crosses of
 * 0.15-0.77). The gap alone does not tell a scribbler's two answers from a
 * correction: held-out 2617 had scribbles of 0.94 beside 0.71 and 0.97
 * beside 0.74 in q5r, both answers, read as one answer corrected (Q7NFD3UB,
 * H81MG5Y9, silently). So a fill takes a mark back only when it is a fill
 * through and through (FILL_THROUGH, decide.h) or the mark is a pen's line, not a
 * dense patch (CORRECTION_MARK_MAX); between, a person looks. */
#define CORRECTION_GAP 0.2
#define CORRECTION_MARK_MAX 0.6

/* Why a solid box beside a mark was taken for no sure correction: as dense
 * as the mark, or on a fold's speckled or black panel (`drowned`) */
static void doubtful_reason(question_answer *out, int drowned) {
    snprintf(out->reason, sizeof out->reason, "%s",
             drowned ? "a box reads filled where the paper round it is dark: a correction, or a mark in the dark"
                     : "a filled box beside a mark nearly as dense: a correction, or two answers");
}

/* Why a question's boxes are unclear, where one cause accounts for all of
 * them. Paper that scans black round the boxes (a fold's panel under a
 * harsh threshold; a grid printed on a dark tint: Auto Multiple Choice's
 * numeric sheets), some of them perhaps only speckled, shows no mark to
 * anyone looking at the scan, and says so: a person needs the paper, or a
 * lighter scan */
static void unclear_reason(question_answer *out, int unsure, int speckled, int creased, int hidden, int black) {
    if (black > 0 && black + speckled == unsure)
        snprintf(out->reason, sizeof out->reason,
                 "the paper round the boxes scans too dark to tell a mark: read the paper, or rescan it lighter");
    else if (hidden == unsure)
        snprintf(out->reason, sizeof out->reason, "a box is covered: its printed outline does not show");
    else if (speckled == unsure)
        snprintf(out->reason, sizeof out->reason, "the paper round the boxes scanned as speckle");
    else if (creased == unsure)
        snprintf(out->reason, sizeof out->reason, "a straight line runs through the boxes, as a fold's crease leaves");
    else
        snprintf(out->reason, sizeof out->reason, "%d box%s unclear", unsure, unsure > 1 ? "es" : "");
}

void decide_question(const template_question *q, const box_decision *boxes, question_answer *out) {
    assert(q && (boxes || q->n_boxes == 0));
    memset(out, 0, sizeof *out);
    out->chosen = -1;
    out->confidence = 1;
    size_t n = q->n_boxes;
    template_corrections rule = q->corrections;
    int marked = 0, firm = 0, solid = 0, unsure = 0, near_blank = 0, circled = 0;
    int scribbles = 0, faints = 0, last_marked = -1, last_solid = -1;
    for (size_t i = 0; i < n; i++) {
        switch (boxes[i].state) {
        case BOX_MARKED:
            marked++;
            firm += !boxes[i].scribble;
            last_marked = (int)i;
            circled += boxes[i].circled;
            break;
        case BOX_SOLID: solid++; last_solid = (int)i; break;
        case BOX_UNSURE:
            unsure++;
            scribbles += boxes[i].scribble;
            faints += boxes[i].faint;
            break;
        case BOX_BLANK:
            if (boxes[i].ink_near)
                near_blank++;
            break;
        }
    }
    /* The form's rule for taking an answer back (template `corrections`).
     * A box withdrawn by it is neither an answer nor unclear. */
    int *withdrawn = calloc(n ? n : 1, sizeof *withdrawn);
    if (!withdrawn) {
        out->status = ANSWER_REVIEW;
        snprintf(out->reason, sizeof out->reason, "out of memory deciding");
        if (q->type == QUESTION_MULTI)
            out->selected = calloc(n ? n : 1, sizeof *out->selected);
        return;
    }
    /* a firm mark that is no dot: a cross, a tick, a circle, a fill */
    int plain = 0, doubtful = 0, drowned = 0;
    double densest_mark = 0;
    for (size_t i = 0; i < n; i++) {
        plain += boxes[i].state == BOX_SOLID || (boxes[i].state == BOX_MARKED && !boxes[i].dot && !boxes[i].strewn);
        if (boxes[i].state == BOX_MARKED && boxes[i].fill > densest_mark)
            densest_mark = boxes[i].fill;
    }
    for (size_t i = 0; i < n; i++) {
        const box_decision *b = &boxes[i];
        int solid_box = b->state == BOX_SOLID, scribbled = b->state == BOX_MARKED && b->scribble;
        /* a pale trace beside a firm mark of the question, a cross or a
         * fill that answers (not one that undoes): a mark rubbed out, or
         * the back of a thin sheet showing through (make_variants
         * show_through: a solid "Ja" beside a pale trace went to review) */
        int answers_firmly = marked > 0 || (solid > 0 && rule != CORRECTIONS_FILL_IS_UNDO);
        int erased = b->faint && b->state == BOX_UNSURE && answers_firmly;
        /* specks strewn across a box beside a firm mark: what rubbing a
         * mark out leaves on a 1-bit scan, withdrawn like a pale trace */
        erased |= b->strewn && (b->state == BOX_MARKED || b->state == BOX_UNSURE) && plain > 0;
        /* a fill that corrects the firm mark beside it stands well above
         * every mark beside it, on clean paper: on a fold's speckled or
         * black panel a box reads solid with a cross in it as well (fresh
         * seed 8522 --folds --warp 0.8, V2WY55Y4 q4c: "3" crossed where a
         * harsh 1-bit scan turned the paper below a crease black, fill
         * 0.94, beside the thin remnant of the "2" rubbed out, 0.15: read
         * as "2", corrected, silently). There only a box black through and
         * through above its paper is a sure fill (maybe_drowned) */
        int correcting = solid_box && firm > 0 && !b->maybe_drowned && b->fill - densest_mark >= CORRECTION_GAP &&
                         (b->fill >= FILL_THROUGH || densest_mark <= CORRECTION_MARK_MAX);
        drowned += solid_box && firm > 0 && b->maybe_drowned;
        int w = 0;
        switch (rule) {
        case CORRECTIONS_FILL_CANCELS:
            w = correcting || erased;
            doubtful += solid_box && firm > 0 && !correcting;
            break;
        case CORRECTIONS_FILL_IS_UNDO:
            w = (solid_box && !b->maybe_drowned) || (scribbled && firm > 0) || erased;
            break;
        case CORRECTIONS_SCRIBBLE_CANCELS:
            w = correcting || (scribbled && firm > 0) || erased;
            doubtful += solid_box && firm > 0 && !correcting;
            break;
        case CORRECTIONS_NONE:
            break;
        }
        withdrawn[i] = w;
        if (w) {
            out->taken_back = 1;
            if (solid_box)
                solid--;
            else if (b->state == BOX_MARKED)
                marked--;
            else
                unsure--;
        } else if (solid_box && b->maybe_drowned && rule == CORRECTIONS_FILL_IS_UNDO) {
            /* undone by its fill, or a mark drowned in the panel: a person looks */
            withdrawn[i] = 1;
            solid--;
            unsure++;
        } else if (scribbled && (rule == CORRECTIONS_FILL_IS_UNDO || rule == CORRECTIONS_SCRIBBLE_CANCELS)) {
            /* a lone scribble where scribbling (or filling) withdraws: withdrawn, or meant? */
            withdrawn[i] = 1; /* not an answer ... */
            marked--;
            unsure++;         /* ... but unclear: a person looks */
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!withdrawn[i] && boxes[i].state != BOX_BLANK && boxes[i].confidence < out->confidence)
            out->confidence = boxes[i].confidence;
    /* a barely closed circle beside a well closed one: its ink may be the
     * other circle's; it cannot be attributed, so a person looks */
    double strongest = 0;
    for (size_t i = 0; i < n; i++)
        if (boxes[i].circled && boxes[i].state == BOX_MARKED && boxes[i].confidence > strongest)
            strongest = boxes[i].confidence;
    for (size_t i = 0; i < n; i++)
        if (!withdrawn[i] && boxes[i].circled && boxes[i].state == BOX_MARKED && strongest >= CIRCLE_STRONG &&
            boxes[i].confidence < CIRCLE_WEAK) {
            withdrawn[i] = 1;
            marked--;
            circled--;
            unsure++;
        }
    /* boxes that hold no more than their speckled paper, beside a mark that
     * stands out of it: the question's answer is that mark, they are blank.
     * With no such mark a person looks: "no answer" and a light mark lost
     * in the speckle cannot be told apart */
    int speckled = 0, creased = 0, specks = 0, hidden = 0, black = 0;
    for (size_t i = 0; i < n; i++) {
        black += !withdrawn[i] && boxes[i].black_paper && boxes[i].state == BOX_UNSURE;
        hidden += !withdrawn[i] && boxes[i].hidden && boxes[i].state == BOX_UNSURE;
        speckled += !withdrawn[i] && boxes[i].speckled && boxes[i].state == BOX_UNSURE;
        creased += !withdrawn[i] && boxes[i].creased && boxes[i].state == BOX_UNSURE;
        specks += !withdrawn[i] && boxes[i].speck && boxes[i].state == BOX_UNSURE;
    }
    /* ... and so are boxes whose only ink is a fold's crease, or a speck of dust */
    if (speckled + creased + specks > 0 && speckled + creased + specks == unsure && (marked > 0 || solid > 0)) {
        unsure = 0;
        speckled = 0;
        creased = 0;
    }
    /* ink near a blank box while another box is circled: the circle's own ink */
    if (circled == 1 && marked == 1 && firm == 1)
        near_blank = 0;
    (void)scribbles;
    (void)faints;

    if (q->type == QUESTION_MULTI) {
        out->selected = calloc(n ? n : 1, sizeof *out->selected);
        for (size_t i = 0; out->selected && i < n; i++)
            out->selected[i] = !withdrawn[i] && (boxes[i].state == BOX_MARKED || boxes[i].state == BOX_SOLID);
        free(withdrawn);
        if (unsure) {
            out->status = ANSWER_REVIEW;
            unclear_reason(out, unsure, speckled, creased, hidden, black);
        } else if (doubtful) {
            out->status = ANSWER_REVIEW;
            doubtful_reason(out, drowned);
        } else if (near_blank) {
            out->status = ANSWER_REVIEW;
            snprintf(out->reason, sizeof out->reason, "ink beside a box, not in it");
        }
        return;
    }

    int answers = marked + solid;
    if (answers == 1)
        for (size_t i = 0; i < n; i++)
            if (!withdrawn[i] && (boxes[i].state == BOX_MARKED || boxes[i].state == BOX_SOLID))
                out->chosen = (int)i;
    (void)last_marked;
    (void)last_solid;
    free(withdrawn);
    if (unsure) {
        out->status = ANSWER_REVIEW;
        unclear_reason(out, unsure, speckled, creased, hidden, black);
        if (answers != 1)
            out->chosen = -1;
    } else if (answers > 1) {
        out->status = ANSWER_REVIEW;
        out->chosen = -1;
        if (circled > 1 && circled == answers)
            snprintf(out->reason, sizeof out->reason, "a circle takes in %d options", answers);
        else if (doubtful)
            doubtful_reason(out, drowned);
        else
            snprintf(out->reason, sizeof out->reason, "%d boxes marked in a single-choice question", answers);
    } else if (near_blank) {
        /* ink round a box or its label that is no circle the machine can attribute */
        out->status = ANSWER_REVIEW;
        snprintf(out->reason, sizeof out->reason, "ink beside a box, not in it");
    }
    if (out->status == ANSWER_OK && answers == 0)
        out->confidence = 1;
}

int decide_routing_violated(const omr_template *t, const template_question *q,
                            const question_answer *answers) {
    if (!q->only_if_question)
        return 0;
    const question_answer *self = &answers[q - t->questions];
    int answered = self->chosen >= 0;
    if (self->selected)
        for (size_t i = 0; i < q->n_boxes; i++)
            answered |= self->selected[i];
    if (!answered)
        return 0;
    const template_question *cond = template_question_by_id(t, q->only_if_question);
    if (!cond)
        return 0;
    const question_answer *c = &answers[cond - t->questions];
    if (c->chosen < 0)
        return 0; /* the condition was not answered: nothing to contradict */
    for (size_t i = 0; i < q->n_only_if_values; i++)
        if (strcmp(cond->boxes[c->chosen].value, q->only_if_values[i]) == 0)
            return 0;
    return 1;
}
