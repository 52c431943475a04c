/*
 * fill.c — the synthetic respondent: plans a form's answers (the ground
 * truth) and draws them like a person with a pen would.
 *
 * Every mark is a "hand stroke": a polyline through a few control points,
 * densified into 0.3 mm steps with a smoothed random sideways wobble, drawn
 * piece by piece with round caps and a width that drifts around the pen's
 * width and thins at both ends. Crosses, ticks, circles, scribbled fills and
 * stray doodles are all made of these. Sizes, rotation and position inside
 * the box are random within what people do (60-110 % of the box, a few
 * degrees of rotation, off-centre), and nothing that is meant to be outside
 * a box (circles, stray marks) is allowed to touch one: each such path is
 * checked against every box before it is drawn, so that the truth stays the
 * truth.
 */
#include "fill.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTLINE_MM 0.35 /* render.c draws box outlines inside the box rect */
#define LABEL_GAP_MM 1.8/* render.c: box outline to its label */
#define LABEL_PT 10.0   /* render.c: box labels */
#define MM_PER_PT (25.4 / 72.0)
#define PRINT_FONT "DejaVu Sans"
#define STRAY_CLEAR_MM 3.0 /* stray marks keep this far from boxes, fields, codes */

/* Sentences a respondent might write about the social services. */
static const char *const SENTENCES[] = {
    "Min handläggare är alltid trevlig och lyssnar på mig.",
    "Det är svårt att nå min handläggare på telefon.",
    "Jag väntade över en månad på mitt beslut.",
    "Jag förstår inte alltid breven som jag får från er.",
    "Tack för att ni hjälpte mig när jag behövde det som mest.",
    "Det tar för lång tid att få svar på mejl.",
    "Jag har bytt handläggare tre gånger på ett år.",
    "Beslutet var svårt att förstå och ingen förklarade det.",
    "Jag känner mig respekterad när jag besöker kontoret.",
    "Ibland känns det som att ingen bryr sig om min situation.",
    "Det borde vara lättare att lämna in papper digitalt.",
    "Min handläggare ger mig bra råd om arbete och studier.",
    "Jag vill kunna träffa min handläggare oftare.",
    "Väntetiden i telefonkön är alldeles för lång.",
    "Jag är nöjd med stödet jag får från socialtjänsten.",
    "Ni borde förklara reglerna för försörjningsstöd tydligare.",
    "Jag skäms ibland över att behöva söka hjälp.",
    "Personalen i receptionen var otrevlig mot mig.",
    "Det är bra att man kan söka bistånd via e-tjänsten.",
    "Jag fick inte veta att jag kunde överklaga beslutet.",
    "Min handläggare tar sig tid och förklarar allt noga.",
    "Jag önskar att det fanns tolk vid alla möten.",
    "Handläggningen av min ansökan tog flera veckor.",
    "Jag blev väl bemött när jag ringde förra veckan.",
    "Det är stressigt att inte veta när pengarna kommer.",
    "Det är för många blanketter att fylla i varje månad.",
    "Tack till min handläggare för ett bra samarbete.",
    "Kontoret borde ha öppet fler dagar i veckan.",
    "Jag upplever att mina synpunkter inte tas på allvar.",
    "Det har blivit mycket bättre det senaste året.",
    "Mina barn påverkas när utbetalningen blir försenad.",
    "Jag vill gärna ha hjälp att hitta ett jobb.",
};
#define N_SENTENCES ((int)(sizeof SENTENCES / sizeof SENTENCES[0]))

/* Installed by the Makefile's deps (fonts-dkg-handwriting, fonts-breip,
 * fonts-femkeklaver); the names are fontconfig family names (fc-list). */
static const struct {
    const char *family;
    double min_pt, max_pt;
    int no_ring; /* the font has no å/Å glyph: written as a/A with a ring drawn on */
} HANDS[] = {
    {"DkgHandwriting", 15, 19, 0},
    {"Breip", 17, 21, 0},
    {"femkeklaver", 14, 17, 1},
};
#define N_HANDS ((int)(sizeof HANDS / sizeof HANDS[0]))

/* One-word answers in a comment field: what a respondent writes when the
 * field asks for "anything else?" (2-6 letters, Swedish and English). */
static const char *const WORDS[] = {"Ja", "Nej", "Yes", "no.", "Ok", "Bra", "Nej.", "Inget",
                                    "Tack!", "Nöjd", "ja", "nej", "Dåligt", "No"};
#define N_WORDS ((int)(sizeof WORDS / sizeof WORDS[0]))
#define ONE_WORD_SHARE 0.16 /* of fields that would stay empty: about 10 % of all fields */

static const char *const NAMES[] = {"Anna Lindqvist", "Mohammed Ali", "Eva Söderström",
                                    "Johan Åberg", "Fatima Hassan", "Lars Öberg",
                                    "Maria Nyström", "Ahmed Yusuf"};

const char *fill_behaviour_name(fill_behaviour b) {
    static const char *const names[FILL_BEHAVIOUR_COUNT] = {
        "blank", "cross", "tick", "solid", "overshoot", "correction", "dot", "circle",
        "double_tick", "erased"};
    return b >= 0 && b < FILL_BEHAVIOUR_COUNT ? names[b] : "?";
}

const char *fill_pen_name(fill_pen pen) {
    switch (pen) {
    case PEN_BLACK: return "black";
    case PEN_BLUE: return "blue";
    case PEN_PENCIL: return "pencil";
    }
    return "?";
}

const char *fill_comment_kind_name(fill_comment_kind k) {
    switch (k) {
    case COMMENT_NONE: return "none";
    case COMMENT_HANDWRITTEN: return "handwritten";
    case COMMENT_PRINTED: return "printed";
    }
    return "?";
}

/* ---- planning ---------------------------------------------------------------- */

/* How often each behaviour is picked for a single-choice or scale question
 * (percent); multi-choice questions have their own mix below. */
static const double SINGLE_MIX[FILL_BEHAVIOUR_COUNT] = {
    [FILL_BLANK] = 8.0,     [FILL_CROSS] = 50.0,      [FILL_TICK] = 16.5,
    [FILL_SOLID] = 7.0,     [FILL_OVERSHOOT] = 10.0,  [FILL_CORRECTION] = 4.0,
    [FILL_DOT] = 1.5,       [FILL_CIRCLE] = 1.5,      [FILL_DOUBLE_TICK] = 1.5,
    [FILL_ERASED] = 2.0,
};
static const double MULTI_MIX[FILL_BEHAVIOUR_COUNT] = {
    [FILL_CROSS] = 60.0,    [FILL_TICK] = 18.0,       [FILL_SOLID] = 6.0,
    [FILL_OVERSHOOT] = 8.0, [FILL_CORRECTION] = 4.0,  [FILL_DOT] = 2.0,
    [FILL_CIRCLE] = 2.0,
};

/* A box to answer with: scales lean to the favourable end, as real returns do. */
static int pick_box(const template_question *q, rng *r) {
    int n = (int)q->n_boxes;
    if (q->type != QUESTION_SCALE || n < 2)
        return rng_int(r, n);
    double lo = 1e9, hi = -1e9, w[64];
    int numeric = n <= 64;
    for (int i = 0; i < n && numeric; i++) {
        char *end;
        double v = strtod(q->boxes[i].value, &end);
        numeric = *end == '\0';
        w[i] = v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (!numeric || hi <= lo)
        return rng_int(r, n);
    for (int i = 0; i < n; i++)
        w[i] = 0.5 + 1.5 * (w[i] - lo) / (hi - lo);
    return rng_pick(r, w, n);
}

static int other_box(int n, int not_this, rng *r) {
    int k = rng_int(r, n - 1);
    return k >= not_this ? k + 1 : k;
}

/* Whether the respondent was routed past question qi: its only_if question
 * (planned earlier) was answered with something else, or not at all. */
static int routed_past(const fill_form *f, size_t qi) {
    const template_question *q = &f->tmpl->questions[qi];
    if (!q->only_if_question)
        return 0;
    const template_question *cond = template_question_by_id(f->tmpl, q->only_if_question);
    if (!cond)
        return 0;
    size_t ci = (size_t)(cond - f->tmpl->questions);
    if (ci >= qi)
        return 0;
    const fill_answer *ca = &f->answers[ci];
    for (size_t b = 0; b < cond->n_boxes; b++)
        if (ca->chosen[b] && ca->behaviour != FILL_DOUBLE_TICK)
            for (size_t v = 0; v < q->n_only_if_values; v++)
                if (strcmp(cond->boxes[b].value, q->only_if_values[v]) == 0)
                    return 0;
    return 1;
}

static void plan_answer(fill_form *f, size_t qi, rng *r) {
    const template_question *q = &f->tmpl->questions[qi];
    fill_answer *a = &f->answers[qi];
    int n = (int)q->n_boxes;
    a->solid_box = a->second_box = a->erased_box = -1;
    a->pen = rng_chance(r, 0.05) ? (fill_pen)rng_int(r, 3) : f->pen;
    a->behaviour = FILL_BLANK;
    /* most people follow "if yes, ..."; some answer anyway (a routing
     * inconsistency the scanner keeps and flags) */
    if (n == 0 || (routed_past(f, qi) && rng_chance(r, 0.88)))
        return;

    if (q->type == QUESTION_MULTI) {
        static const double how_many[] = {8, 50, 27, 15};
        int m = rng_pick(r, how_many, 4);
        if (m > n)
            m = n;
        if (m == 0)
            return;
        a->behaviour = (fill_behaviour)rng_pick(r, MULTI_MIX, FILL_BEHAVIOUR_COUNT);
        if (a->behaviour == FILL_DOT || a->behaviour == FILL_CIRCLE) {
            m = 1;
            a->ambiguous = a->behaviour == FILL_DOT;
        }
        if (a->behaviour == FILL_CORRECTION && m >= n)
            a->behaviour = FILL_CROSS;
        int *order = malloc((size_t)n * sizeof *order);
        if (!order)
            return;
        for (int i = 0; i < n; i++)
            order[i] = i;
        rng_shuffle(r, order, n);
        for (int i = 0; i < m; i++)
            a->chosen[order[i]] = 1;
        if (a->behaviour == FILL_CORRECTION)
            a->solid_box = order[m];
        free(order);
    } else {
        a->behaviour = (fill_behaviour)rng_pick(r, SINGLE_MIX, FILL_BEHAVIOUR_COUNT);
        if (n < 2 && (a->behaviour == FILL_CORRECTION || a->behaviour == FILL_DOUBLE_TICK ||
                      a->behaviour == FILL_ERASED))
            a->behaviour = FILL_CROSS;
        if (a->behaviour == FILL_BLANK)
            return;
        int k = pick_box(q, r);
        a->chosen[k] = 1;
        if (a->behaviour == FILL_CORRECTION)
            a->solid_box = other_box(n, k, r);
        if (a->behaviour == FILL_DOUBLE_TICK) {
            a->second_box = other_box(n, k, r);
            a->chosen[a->second_box] = 1;
        }
        if (a->behaviour == FILL_ERASED)
            a->erased_box = other_box(n, k, r);
        /* a lone dot from someone who crosses is anyone's guess; a circle
         * round one box is that box */
        if (a->behaviour == FILL_DOT || a->behaviour == FILL_DOUBLE_TICK)
            a->ambiguous = 1;
    }
    /* the respondent's habit: a dotter dots, a circler circles, with any pen */
    if (f->style != FILL_CROSS && (a->behaviour == FILL_CROSS || a->behaviour == FILL_TICK ||
                                   a->behaviour == FILL_OVERSHOOT) && rng_chance(r, 0.85)) {
        int count = 0;
        for (int i = 0; i < n; i++)
            count += a->chosen[i];
        if (count == 1) {
            a->behaviour = f->style;
            a->ambiguous = 0;
            a->pen = (fill_pen)rng_int(r, 3);
        }
    }
    if (f->style == FILL_DOT && a->behaviour == FILL_DOT)
        a->ambiguous = 0; /* a dotter's dot, whichever way it came */
    if (a->behaviour == FILL_CIRCLE)
        a->pen = (fill_pen)rng_int(r, 3);
    if (a->behaviour == FILL_CIRCLE) {
        int k = 0;
        while (k < n && !a->chosen[k])
            k++;
        a->circle_label = q->labels == LABELS_RIGHT && k < n && q->boxes[k].label &&
                          *q->boxes[k].label && rng_chance(r, 0.4);
    }
}

/* Some fields that would stay empty get one handwritten word instead (pen or
 * pencil), from the form's own stream for it, so that every other choice of
 * the form is what it is without one-word answers. */
static void plan_one_word(const fill_form *f, size_t field, fill_comment *c) {
    if (c->kind != COMMENT_NONE)
        return;
    rng w;
    rng_seed(&w, rng_derive(f->stroke_seed, 2, (uint64_t)field));
    if (!rng_chance(&w, ONE_WORD_SHARE))
        return;
    static const double pens[] = {35, 40, 25}; /* black, blue, pencil */
    c->kind = COMMENT_HANDWRITTEN;
    c->word = 1 + rng_int(&w, N_WORDS);
    c->font = rng_int(&w, N_HANDS);
    c->pen = (fill_pen)rng_pick(&w, pens, 3);
    c->n_sentences = 0;
}

int fill_plan(fill_form *f, const omr_template *t, const char *code, rng *r) {
    memset(f, 0, sizeof *f);
    f->tmpl = t;
    snprintf(f->code, sizeof f->code, "%s", code);
    static const double pens[] = {40, 45, 15}; /* black, blue ballpoint, pencil */
    f->pen = (fill_pen)rng_pick(r, pens, 3);
    f->pencil_grey = rng_range(r, 102, 178);
    static const double styles[] = {80, 10, 10}; /* crosser, dotter, circler */
    static const fill_behaviour style_of[] = {FILL_CROSS, FILL_DOT, FILL_CIRCLE};
    f->style = style_of[rng_pick(r, styles, 3)];
    f->pen_width = rng_range(r, 0.35, 0.6);
    f->stroke_seed = rng_next(r);
    f->answers = calloc(t->n_questions + 1, sizeof *f->answers);
    f->comments = calloc(t->n_text_fields + 1, sizeof *f->comments);
    if (!f->answers || !f->comments) {
        fill_form_clear(f);
        return OMR_ERR_MEMORY;
    }
    for (size_t i = 0; i < t->n_questions; i++) {
        f->answers[i].chosen = calloc(t->questions[i].n_boxes + 1, sizeof(int));
        if (!f->answers[i].chosen) {
            fill_form_clear(f);
            return OMR_ERR_MEMORY;
        }
        plan_answer(f, i, r);
    }
    for (size_t i = 0; i < t->n_text_fields; i++) {
        fill_comment *c = &f->comments[i];
        static const double kinds[] = {65, 25, 10}; /* none, handwritten, printed */
        c->kind = (fill_comment_kind)rng_pick(r, kinds, 3);
        c->n_sentences = 1 + rng_int(r, c->kind == COMMENT_PRINTED ? 4 : 3);
        for (int s = 0; s < c->n_sentences; s++) {
            int pick, again;
            do { /* distinct sentences */
                pick = rng_int(r, N_SENTENCES);
                again = 0;
                for (int k = 0; k < s; k++)
                    again |= c->sentences[k] == pick;
            } while (again);
            c->sentences[s] = pick;
        }
        c->font = rng_int(r, N_HANDS);
        c->pen = rng_chance(r, 0.6) ? PEN_BLUE : PEN_BLACK;
        plan_one_word(f, i, c);
    }
    return OMR_OK;
}

void fill_form_clear(fill_form *f) {
    if (f->answers)
        for (size_t i = 0; i < f->tmpl->n_questions; i++)
            free(f->answers[i].chosen);
    if (f->comments)
        for (size_t i = 0; i < f->tmpl->n_text_fields; i++)
            free(f->comments[i].text);
    free(f->answers);
    free(f->comments);
    f->answers = NULL;
    f->comments = NULL;
}

void fill_truth(const fill_form *f, size_t qi, char *buf, size_t size) {
    const template_question *q = &f->tmpl->questions[qi];
    const fill_answer *a = &f->answers[qi];
    size_t used = 0;
    buf[0] = '\0';
    for (size_t b = 0; b < q->n_boxes && a->chosen; b++) {
        if (!a->chosen[b])
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", q->boxes[b].value);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

/* ---- ink and hand strokes ------------------------------------------------------ */

typedef struct {
    double r, g, b;
    double width; /* mm */
    int pencil;
} ink;

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

static ink ink_for(const fill_form *f, fill_pen pen, rng *r) {
    ink k = {0};
    switch (pen) {
    case PEN_BLACK: {
        double g = rng_range(r, 0.05, 0.14);
        k.r = k.g = k.b = g;
        k.width = clampd(f->pen_width * rng_range(r, 0.85, 1.2), 0.3, 0.7);
        break;
    }
    case PEN_BLUE:
        k.r = (20 + rng_range(r, -8, 8)) / 255;
        k.g = (40 + rng_range(r, -10, 10)) / 255;
        k.b = (160 + rng_range(r, -20, 20)) / 255;
        k.width = clampd(f->pen_width * rng_range(r, 0.85, 1.2), 0.3, 0.7);
        break;
    case PEN_PENCIL:
        k.r = k.g = k.b = (f->pencil_grey + rng_range(r, -4, 4)) / 255;
        k.width = rng_range(r, 0.6, 0.9); /* soft lead: a wider, lighter line */
        k.pencil = 1;
        break;
    }
    return k;
}

static double path_length(const omr_point *p, int n) {
    double len = 0;
    for (int i = 0; i + 1 < n; i++)
        len += hypot(p[i + 1].x - p[i].x, p[i + 1].y - p[i].y);
    return len;
}

/* Draws a hand-made line through the control points. */
static void hand_stroke(cairo_t *cr, rng *r, const ink *k, const omr_point *pts, int n) {
    if (n < 2)
        return;
    double total = path_length(pts, n);
    if (total <= 0)
        return;
    cairo_save(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_source_rgb(cr, k->r, k->g, k->b);
    double wobble = 0, drift = 0, travelled = 0;
    omr_point prev = pts[0];
    for (int i = 0; i + 1 < n; i++) {
        omr_point a = pts[i], b = pts[i + 1];
        double len = hypot(b.x - a.x, b.y - a.y);
        if (len <= 0)
            continue;
        int steps = (int)ceil(len / 0.3);
        if (steps < 2)
            steps = 2;
        double nx = -(b.y - a.y) / len, ny = (b.x - a.x) / len;
        for (int s = 1; s <= steps; s++) {
            double t = (double)s / steps;
            wobble = 0.75 * wobble + 0.25 * 0.14 * rng_normal(r);
            drift = 0.85 * drift + 0.15 * rng_normal(r);
            travelled += len / steps;
            double u = travelled / total;
            double taper = 0.7 + 0.3 * clampd(fmin(u, 1 - u) * 6, 0, 1);
            omr_point p = {a.x + (b.x - a.x) * t + nx * wobble, a.y + (b.y - a.y) * t + ny * wobble};
            double w = clampd(k->width * (1 + 0.2 * drift) * taper, 0.22, 1.0);
            if (k->pencil) {
                double g = clampd(k->r + 0.03 * rng_normal(r), 0, 1);
                cairo_set_source_rgb(cr, g, g, g);
            }
            cairo_set_line_width(cr, w);
            cairo_move_to(cr, prev.x, prev.y);
            cairo_line_to(cr, p.x, p.y);
            cairo_stroke(cr);
            prev = p;
        }
    }
    cairo_restore(cr);
}

/* A square frame for a mark: centre, side, rotation. u, v in -0.5..0.5. */
typedef struct {
    double cx, cy, side, c, s;
} frame;

static omr_point at(const frame *f, double u, double v) {
    double x = u * f->side, y = v * f->side;
    return (omr_point){f->cx + x * f->c - y * f->s, f->cy + x * f->s + y * f->c};
}

static frame mark_frame(rng *r, omr_rect box, double lo, double hi) {
    frame f;
    double size = box.w < box.h ? box.w : box.h;
    f.side = size * rng_range(r, lo, hi);
    double slack = (size - f.side) / 2 * 0.8;
    if (slack < 0)
        slack = 0;
    f.cx = box.x + box.w / 2 + rng_range(r, -slack, slack);
    f.cy = box.y + box.h / 2 + rng_range(r, -slack, slack);
    double rot = clampd(rng_normal(r) * 4.0, -10, 10) * M_PI / 180;
    f.c = cos(rot);
    f.s = sin(rot);
    return f;
}

static double jit(rng *r, double amount) { return rng_range(r, -amount, amount); }

/* The two strokes of a cross, 3 points each (slightly bowed). */
static void cross_points(const frame *f, rng *r, omr_point one[3], omr_point two[3]) {
    double j = 0.07;
    one[0] = at(f, -0.5 + jit(r, j), -0.5 + jit(r, j));
    one[1] = at(f, jit(r, j), jit(r, j));
    one[2] = at(f, 0.5 + jit(r, j), 0.5 + jit(r, j));
    two[0] = at(f, 0.5 + jit(r, j), -0.5 + jit(r, j));
    two[1] = at(f, jit(r, j), jit(r, j));
    two[2] = at(f, -0.5 + jit(r, j), 0.5 + jit(r, j));
    if (rng_chance(r, 0.3)) { /* some draw the strokes the other way */
        omr_point t = one[0];
        one[0] = one[2];
        one[2] = t;
    }
}

static void tick_points(const frame *f, rng *r, omr_point p[3]) {
    p[0] = at(f, -0.5 + jit(r, 0.05), 0.0 + jit(r, 0.12));
    p[1] = at(f, -0.15 + jit(r, 0.08), 0.45 + jit(r, 0.05));
    p[2] = at(f, 0.5 + jit(r, 0.05), -0.5 + jit(r, 0.1));
}

/* How far p lies outside rect (negative inside), Chebyshev-style. */
static double outside(omr_point p, omr_rect rc) {
    double d = rc.x - p.x;
    d = fmax(d, p.x - (rc.x + rc.w));
    d = fmax(d, rc.y - p.y);
    return fmax(d, p.y - (rc.y + rc.h));
}

static double rect_distance(omr_point p, omr_rect rc) {
    double dx = fmax(fmax(rc.x - p.x, 0), p.x - (rc.x + rc.w));
    double dy = fmax(fmax(rc.y - p.y, 0), p.y - (rc.y + rc.h));
    return hypot(dx, dy);
}

/* Whether point p keeps `margin` from every box on the page except `self`. */
static int clear_of_other_boxes(const omr_template *t, int page, const template_box *self,
                                omr_point p, double margin) {
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (q->page != page)
            continue;
        for (size_t b = 0; b < q->n_boxes; b++)
            if (&q->boxes[b] != self && rect_distance(p, q->boxes[b].rect) < margin)
                return 0;
    }
    return 1;
}

/* Moves the last point of a stroke along its direction until it lies
 * `over` mm outside the box, but never into another box. */
static void extend_over_edge(const omr_template *t, int page, const template_box *box,
                             omr_point *pts, int n, double over) {
    omr_point a = pts[n - 2], b = pts[n - 1];
    double len = hypot(b.x - a.x, b.y - a.y);
    if (len <= 0)
        return;
    double dx = (b.x - a.x) / len, dy = (b.y - a.y) / len;
    omr_point best = b;
    for (double step = 0; step < 6; step += 0.05) {
        omr_point p = {b.x + dx * step, b.y + dy * step};
        if (!clear_of_other_boxes(t, page, box, p, 0.8))
            break;
        best = p;
        if (outside(p, box->rect) >= over)
            break;
    }
    pts[n - 1] = best;
}

static void draw_cross(cairo_t *cr, rng *r, const ink *k, omr_rect box) {
    frame f = mark_frame(r, box, 0.6, 1.1);
    omr_point one[3], two[3];
    cross_points(&f, r, one, two);
    hand_stroke(cr, r, k, one, 3);
    hand_stroke(cr, r, k, two, 3);
}

static void draw_tick(cairo_t *cr, rng *r, const ink *k, omr_rect box) {
    frame f = mark_frame(r, box, 0.6, 1.1);
    omr_point p[3];
    tick_points(&f, r, p);
    hand_stroke(cr, r, k, p, 3);
}

static void draw_overshoot(cairo_t *cr, rng *r, const ink *k, const omr_template *t, int page,
                           const template_box *box) {
    frame f = mark_frame(r, box->rect, 0.85, 1.0);
    double over = rng_range(r, 0.5, 1.5);
    if (rng_chance(r, 0.5)) {
        omr_point p[3];
        tick_points(&f, r, p);
        extend_over_edge(t, page, box, p, 3, over);
        hand_stroke(cr, r, k, p, 3);
    } else {
        omr_point one[3], two[3];
        cross_points(&f, r, one, two);
        extend_over_edge(t, page, box, one, 3, over);
        if (rng_chance(r, 0.4))
            extend_over_edge(t, page, box, two, 3, rng_range(r, 0.5, 1.5));
        hand_stroke(cr, r, k, one, 3);
        hand_stroke(cr, r, k, two, 3);
    }
}

/* A box filled in: a rough polygon over the interior, then a zig-zag
 * scribble on top the way a pen fills a square. */
static void draw_solid(cairo_t *cr, rng *r, const ink *k, omr_rect box) {
    double x0 = box.x + OUTLINE_MM, y0 = box.y + OUTLINE_MM;
    double x1 = box.x + box.w - OUTLINE_MM, y1 = box.y + box.h - OUTLINE_MM;
    omr_point poly[8] = {
        {x0 + jit(r, 0.2) + 0.05, y0 + jit(r, 0.2) + 0.05}, {(x0 + x1) / 2, y0 + rng_range(r, -0.1, 0.25)},
        {x1 + jit(r, 0.2) - 0.05, y0 + jit(r, 0.2) + 0.05}, {x1 - rng_range(r, -0.1, 0.25), (y0 + y1) / 2},
        {x1 + jit(r, 0.2) - 0.05, y1 + jit(r, 0.2) - 0.05}, {(x0 + x1) / 2, y1 - rng_range(r, -0.1, 0.25)},
        {x0 + jit(r, 0.2) + 0.05, y1 + jit(r, 0.2) - 0.05}, {x0 + rng_range(r, -0.1, 0.25), (y0 + y1) / 2},
    };
    cairo_save(cr);
    cairo_set_source_rgb(cr, k->r, k->g, k->b);
    cairo_move_to(cr, poly[0].x, poly[0].y);
    for (int i = 1; i < 8; i++)
        cairo_line_to(cr, poly[i].x, poly[i].y);
    cairo_close_path(cr);
    cairo_fill(cr);
    cairo_restore(cr);
    omr_point zig[40];
    int n = 0;
    double step = rng_range(r, 0.45, 0.7);
    for (double y = y0 + 0.2; y < y1 - 0.1 && n < 40; y += step, n++)
        zig[n] = (omr_point){(n % 2 ? x1 - 0.2 : x0 + 0.2) + jit(r, 0.25), y + jit(r, 0.1)};
    ink thick = *k;
    thick.width = clampd(k->width * 1.2, 0.3, 0.9);
    hand_stroke(cr, r, &thick, zig, n);
}

/* A small dot, 0.6-1.5 mm across, somewhere inside the box. */
static void draw_dot(cairo_t *cr, rng *r, const ink *k, omr_rect box) {
    double radius = rng_range(r, 0.3, 0.75);
    double sx = box.w / 2 - OUTLINE_MM - radius - 0.4, sy = box.h / 2 - OUTLINE_MM - radius - 0.4;
    sx = sx > 0 ? sx : 0;
    sy = sy > 0 ? sy : 0;
    cairo_save(cr);
    cairo_set_source_rgb(cr, k->r, k->g, k->b);
    cairo_translate(cr, box.x + box.w / 2 + jit(r, sx), box.y + box.h / 2 + jit(r, sy));
    cairo_scale(cr, rng_range(r, 0.9, 1.1), rng_range(r, 0.9, 1.1));
    cairo_arc(cr, 0, 0, radius, 0, 2 * M_PI);
    cairo_fill(cr);
    cairo_restore(cr);
}

/* A hand-drawn ellipse that closes with an overlap, as people draw it. */
static int ellipse_points(rng *r, double cx, double cy, double a, double b, double rot,
                          omr_point *pts, int max) {
    double start = rng_range(r, 0, 2 * M_PI);
    double sweep = 2 * M_PI + rng_range(r, 0.2, 0.7);
    double end_scale = rng_range(r, 0.96, 1.04);
    double wob = 0;
    for (int i = 0; i < max; i++) {
        double t = (double)i / (max - 1);
        double ang = start + sweep * t;
        wob = 0.7 * wob + 0.3 * 0.025 * rng_normal(r);
        double scale = (1 + (end_scale - 1) * t) * (1 + wob);
        double x = a * scale * cos(ang), y = b * scale * sin(ang);
        pts[i] = (omr_point){cx + x * cos(rot) - y * sin(rot), cy + x * sin(rot) + y * cos(rot)};
    }
    return max;
}

/* Width of a box's printed label, mm (as render.c prints it, unwrapped). */
static double label_width(cairo_t *cr, const char *label) {
    cairo_save(cr);
    cairo_select_font_face(cr, PRINT_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, LABEL_PT * MM_PER_PT);
    cairo_text_extents_t e;
    cairo_text_extents(cr, label, &e);
    cairo_restore(cr);
    return e.x_advance < 70 ? e.x_advance : 70;
}

/* Whether an ellipse (its points) keeps `margin` clear of every box of the
 * page but `self`, and encloses no other box's centre. */
static int ellipse_takes_in_only(const omr_template *t, int page, const template_box *self,
                                 const omr_point *pts, int n, double cx, double cy, double a,
                                 double b, double rot, double margin) {
    for (int i = 0; i < n; i++)
        if (!clear_of_other_boxes(t, page, self, pts[i], margin))
            return 0;
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (q->page != page)
            continue;
        for (size_t k = 0; k < q->n_boxes; k++) {
            if (&q->boxes[k] == self)
                continue;
            omr_rect rc = q->boxes[k].rect;
            double x = rc.x + rc.w / 2 - cx, y = rc.y + rc.h / 2 - cy;
            double u = x * cos(rot) + y * sin(rot), v = -x * sin(rot) + y * cos(rot);
            if ((u * u) / (a * a) + (v * v) / (b * b) < 1.2)
                return 0;
        }
    }
    return 1;
}

/* A circle or oval round the box (its smaller diameter 1.1-3 times the box)
 * or round its label, closed with an overlap or left open by up to a sixth
 * of a turn, with no ink in any other box. Returns 0 when no such circle fits
 * (boxes too close together). */
static int draw_circle(cairo_t *cr, rng *r, const ink *k, const omr_template *t, int page,
                       const template_box *box, int around_label) {
    enum { N = 64 };
    omr_point pts[N];
    double margin = 0.4 + k->width / 2;
    omr_rect rc = box->rect;
    double side = rc.w < rc.h ? rc.w : rc.h;
    for (int attempt = 0; attempt < 30; attempt++) {
        int label = around_label && attempt < 15;
        double cx, cy, a, b, rot = jit(r, 6) * M_PI / 180;
        if (label) {
            double lw = label_width(cr, box->label);
            cx = rc.x + rc.w + LABEL_GAP_MM + lw / 2 + rng_range(r, -0.3, 0.6);
            cy = rc.y + rc.h / 2 + jit(r, 0.3);
            a = lw / 2 + rng_range(r, 0.8, 2.5);
            b = rng_range(r, 2.6, 4.5);
        } else {
            /* the smaller diameter 1.1-3x the box (later attempts smaller),
             * the larger up to 1.6 times that: an oval */
            double hi = 3.0 - (attempt % 15) * 0.13;
            double d = side * rng_range(r, 1.1, hi > 1.2 ? hi : 1.2);
            double aspect = rng_chance(r, 0.5) ? 1 : rng_range(r, 1.1, 1.6);
            a = d / 2, b = d / 2;
            if (rng_chance(r, 0.5))
                a *= aspect;
            else
                b *= aspect;
            cx = rc.x + rc.w / 2 + jit(r, 0.12 * d);
            cy = rc.y + rc.h / 2 + jit(r, 0.12 * d);
        }
        int n = ellipse_points(r, cx, cy, a, b, rot, pts, N);
        if (rng_chance(r, 0.3)) /* open: the hand stops short */
            n = (int)(N * rng_range(r, 0.78, 0.92));
        if (ellipse_takes_in_only(t, page, box, pts, n, cx, cy, a, b, rot, margin)) {
            hand_stroke(cr, r, k, pts, n);
            return 1;
        }
    }
    return 0;
}

/* A cross rubbed out: what is left is a pale trace (8-22% darkness) and a
 * grey smudge over the box. */
static void draw_erased(cairo_t *cr, rng *r, omr_rect box) {
    ink pale = {0};
    double g = rng_range(r, 0.78, 0.92);
    pale.r = pale.g = pale.b = g;
    pale.width = rng_range(r, 0.4, 0.8);
    pale.pencil = 1;
    draw_cross(cr, r, &pale, box);
    cairo_save(cr);
    double s = rng_range(r, 0.93, 0.97);
    cairo_set_source_rgba(cr, s, s, s, 0.6);
    cairo_translate(cr, box.x + box.w / 2 + jit(r, 0.4), box.y + box.h / 2 + jit(r, 0.4));
    cairo_scale(cr, box.w * rng_range(r, 0.5, 0.7), box.h * rng_range(r, 0.4, 0.6));
    cairo_arc(cr, 0, 0, 1, 0, 2 * M_PI);
    cairo_fill(cr);
    cairo_restore(cr);
}

/* ---- comments ------------------------------------------------------------------ */

typedef struct {
    char *text;
    size_t len, cap;
} strbuf;

static void sb_add(strbuf *sb, const char *s, size_t n) {
    if (sb->len + n + 2 > sb->cap) {
        size_t cap = (sb->len + n + 2) * 2;
        char *grown = realloc(sb->text, cap);
        if (!grown)
            return;
        sb->text = grown;
        sb->cap = cap;
    }
    memcpy(sb->text + sb->len, s, n);
    sb->len += n;
    sb->text[sb->len] = '\0';
}

static void add_word(strbuf *sb, const char *word) {
    if (sb->len)
        sb_add(sb, " ", 1);
    sb_add(sb, word, strlen(word));
}

/* The comment's words, in order, as one buffer of NUL-separated words. */
static char *comment_words(const fill_comment *c, int *count) {
    strbuf sb = {0};
    *count = 0;
    for (int s = 0; s < c->n_sentences; s++) {
        const char *p = SENTENCES[c->sentences[s]];
        while (*p) {
            while (*p == ' ')
                p++;
            const char *e = p;
            while (*e && *e != ' ')
                e++;
            if (e > p) {
                sb_add(&sb, p, (size_t)(e - p));
                sb_add(&sb, "", 1); /* the word's NUL, kept as separator */
                (*count)++;
            }
            p = e;
        }
    }
    return sb.text;
}

/* Shows a word at the current point. With `no_ring`, å and Å (which the
 * font lacks; cairo's toy API has no fallback) are written as a and A with a
 * small ring drawn above, as a hand would. */
static void show_word(cairo_t *cr, const char *word, int no_ring) {
    if (!no_ring || (!strstr(word, "\xC3\xA5") && !strstr(word, "\xC3\x85"))) {
        cairo_show_text(cr, word);
        return;
    }
    char run[256];
    size_t n = 0;
    for (const char *p = word;; p++) {
        int ring = p[0] == '\xC3' && (p[1] == '\xA5' || p[1] == '\x85');
        if (*p && !ring && n + 1 < sizeof run) {
            run[n++] = *p;
            continue;
        }
        run[n] = '\0';
        if (n)
            cairo_show_text(cr, run);
        n = 0;
        if (!*p)
            break;
        if (ring) {
            const char *base = p[1] == '\xA5' ? "a" : "A";
            double x, y;
            cairo_get_current_point(cr, &x, &y);
            cairo_text_extents_t e;
            cairo_text_extents(cr, base, &e);
            cairo_show_text(cr, base);
            double radius = e.height * (base[0] == 'a' ? 0.16 : 0.11);
            cairo_save(cr);
            cairo_new_path(cr);
            cairo_set_line_width(cr, radius * 0.55);
            cairo_arc(cr, x + e.x_bearing + e.width / 2, y + e.y_bearing - radius * 1.9, radius, 0,
                      2 * M_PI);
            cairo_stroke(cr);
            cairo_restore(cr);
            cairo_move_to(cr, x + e.x_advance, y);
            p++; /* the second byte of the UTF-8 pair */
        }
    }
}

/* Handwriting: words in a handwriting font, each with its own small turn,
 * size and baseline shift, lines that slope a little and start unevenly.
 * Returns the words written (what fits in the field). */
static char *write_by_hand(cairo_t *cr, rng *r, const fill_comment *c, const ink *k,
                           omr_rect field) {
    int n_words;
    char *words = comment_words(c, &n_words);
    strbuf out = {0};
    if (!words)
        return omr_strdup("");
    double pt = rng_range(r, HANDS[c->font].min_pt, HANDS[c->font].max_pt);
    double size = pt * MM_PER_PT;
    cairo_save(cr);
    cairo_select_font_face(cr, HANDS[c->font].family, CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_set_source_rgb(cr, k->r, k->g, k->b);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    cairo_text_extents_t space;
    cairo_text_extents(cr, " ", &space);
    double left = field.x + rng_range(r, 4, 7), right = field.x + field.w - 4;
    double bottom = field.y + field.h - 3;
    double line_gap = size * rng_range(r, 1.25, 1.55);
    double baseline = field.y + 4 + fe.ascent * 0.8 + rng_range(r, 0, 2);
    double slope = tan(jit(r, 1.2) * M_PI / 180);
    double x = left;
    const char *w = words;
    for (int i = 0; i < n_words; i++, w += strlen(w) + 1) {
        double scale = rng_range(r, 0.94, 1.06);
        cairo_text_extents_t e;
        cairo_text_extents(cr, w, &e);
        double width = e.x_advance * scale;
        if (x + width > right && x > left) { /* next line */
            x = field.x + rng_range(r, 4, 8);
            baseline += line_gap + jit(r, 0.6);
            slope = tan(jit(r, 1.2) * M_PI / 180);
            left = x;
        }
        if (baseline + fe.descent * 0.6 > bottom || x + width > right)
            break; /* the field is full: people stop (or write in the margin) */
        double y = baseline + (x - left) * slope + 0.3 * rng_normal(r);
        cairo_save(cr);
        cairo_translate(cr, x, y);
        cairo_rotate(cr, jit(r, 3) * M_PI / 180);
        cairo_scale(cr, scale, scale);
        cairo_move_to(cr, 0, 0);
        show_word(cr, w, HANDS[c->font].no_ring);
        cairo_restore(cr);
        add_word(&out, w);
        x += width + space.x_advance * rng_range(r, 0.9, 1.7);
    }
    cairo_restore(cr);
    free(words);
    return out.text ? out.text : omr_strdup("");
}

/* A one-word answer anywhere in the field: in a corner (40 %) or anywhere
 * else, 0.75-1 times the hand's usual size, turned up to 8 degrees, never
 * closer than 1.2 mm to the field's outline. Its own stream (like the plan),
 * so that the page's other strokes stay as they are. Returns the word. */
static char *write_one_word(cairo_t *cr, const fill_form *f, size_t field_index, const fill_comment *c,
                            omr_rect field) {
    rng r;
    rng_seed(&r, rng_derive(f->stroke_seed, 3, (uint64_t)field_index));
    const char *word = WORDS[c->word - 1];
    ink k = ink_for(f, c->pen, &r);
    double pt = rng_range(&r, HANDS[c->font].min_pt * 0.75, HANDS[c->font].max_pt);
    double angle = jit(&r, 8) * M_PI / 180;
    cairo_save(cr);
    cairo_select_font_face(cr, HANDS[c->font].family, CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, pt * MM_PER_PT);
    cairo_set_source_rgb(cr, k.r, k.g, k.b);
    cairo_text_extents_t e;
    cairo_text_extents(cr, word, &e);
    /* the turned word's ink box, around its origin */
    double ca = fabs(cos(angle)), sa = fabs(sin(angle));
    double bw = e.width * ca + e.height * sa, bh = e.width * sa + e.height * ca;
    double cx_off = e.x_bearing + e.width / 2, cy_off = e.y_bearing + e.height / 2;
    double m = 1.2;
    double lo_x = field.x + m + bw / 2, hi_x = field.x + field.w - m - bw / 2;
    double lo_y = field.y + m + bh / 2, hi_y = field.y + field.h - m - bh / 2;
    double cx, cy;
    if (rng_chance(&r, 0.4)) { /* a corner */
        int corner = rng_int(&r, 4);
        double dx = rng_range(&r, 0, 3), dy = rng_range(&r, 0, 3);
        cx = corner & 1 ? hi_x - dx : lo_x + dx;
        cy = corner & 2 ? hi_y - dy : lo_y + dy;
    } else {
        cx = rng_range(&r, lo_x, hi_x > lo_x ? hi_x : lo_x + 0.01);
        cy = rng_range(&r, lo_y, hi_y > lo_y ? hi_y : lo_y + 0.01);
    }
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, angle);
    cairo_move_to(cr, -cx_off, -cy_off);
    show_word(cr, word, HANDS[c->font].no_ring);
    cairo_restore(cr);
    return omr_strdup(word);
}

/* A typed comment (a printed slip or a typewritten line), DejaVu Sans 11 pt. */
static char *write_printed(cairo_t *cr, rng *r, const fill_comment *c, omr_rect field) {
    int n_words;
    char *words = comment_words(c, &n_words);
    strbuf out = {0};
    if (!words)
        return omr_strdup("");
    double size = 11 * MM_PER_PT;
    cairo_save(cr);
    cairo_select_font_face(cr, PRINT_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    cairo_text_extents_t space;
    cairo_text_extents(cr, " ", &space);
    double left = field.x + rng_range(r, 4, 6), right = field.x + field.w - 4;
    double bottom = field.y + field.h - 3;
    double baseline = field.y + 4 + fe.ascent + rng_range(r, 0, 1.5);
    double line_gap = size * 1.3;
    double x = left;
    const char *w = words;
    for (int i = 0; i < n_words; i++, w += strlen(w) + 1) {
        cairo_text_extents_t e;
        cairo_text_extents(cr, w, &e);
        if (x + e.x_advance > right && x > left) {
            x = left;
            baseline += line_gap;
        }
        if (baseline + fe.descent > bottom)
            break;
        cairo_move_to(cr, x, baseline);
        cairo_show_text(cr, w);
        add_word(&out, w);
        x += e.x_advance + space.x_advance;
    }
    cairo_restore(cr);
    free(words);
    return out.text ? out.text : omr_strdup("");
}

/* ---- stray marks ------------------------------------------------------------------ */

/* Places the page keeps free of stray ink: boxes and their labels (ink on a
 * label reads as a circled answer), text fields, fiducials, the QR code with
 * the code printed under it. */
static int stray_is_clear(cairo_t *cr, const omr_template *t, int page, omr_rect bbox) {
    double m = STRAY_CLEAR_MM;
    if (bbox.x < 4 || bbox.y < 4 || bbox.x + bbox.w > t->page_width - 4 ||
        bbox.y + bbox.h > t->page_height - 4)
        return 0;
    omr_rect grown = {bbox.x - m, bbox.y - m, bbox.w + 2 * m, bbox.h + 2 * m};
#define OVERLAPS(o) \
    (grown.x < (o).x + (o).w && (o).x < grown.x + grown.w && grown.y < (o).y + (o).h && \
     (o).y < grown.y + grown.h)
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (q->page != page)
            continue;
        for (size_t b = 0; b < q->n_boxes; b++) {
            omr_rect box = q->boxes[b].rect;
            if (OVERLAPS(box))
                return 0;
            if (q->labels == LABELS_RIGHT && q->boxes[b].label && *q->boxes[b].label) {
                omr_rect label = {box.x + box.w, box.y - 1,
                                  LABEL_GAP_MM + label_width(cr, q->boxes[b].label), box.h + 2};
                if (OVERLAPS(label))
                    return 0;
            }
        }
    }
    for (size_t i = 0; i < t->n_text_fields; i++)
        if (t->text_fields[i].page == page && OVERLAPS(t->text_fields[i].rect))
            return 0;
    omr_rect code = t->code_rect;
    code.h += 6; /* the code in plain text under the symbol */
    if (OVERLAPS(code))
        return 0;
    for (int i = 0; i < 4; i++) {
        double s = t->fiducial_size;
        omr_rect fr = {t->fiducials[i].x - s / 2, t->fiducials[i].y - s / 2, s, s};
        if (OVERLAPS(fr))
            return 0;
    }
#undef OVERLAPS
    return 1;
}

static omr_rect bbox_of(const omr_point *p, int n, double pad) {
    double x0 = p[0].x, y0 = p[0].y, x1 = x0, y1 = y0;
    for (int i = 1; i < n; i++) {
        x0 = fmin(x0, p[i].x);
        y0 = fmin(y0, p[i].y);
        x1 = fmax(x1, p[i].x);
        y1 = fmax(y1, p[i].y);
    }
    return (omr_rect){x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad};
}

/* One doodle, underline, squiggle or scribbled word in a margin or beside a
 * question's text, at least STRAY_CLEAR_MM from anything the scanner reads. */
static void draw_stray(cairo_t *cr, rng *r, const fill_form *f, int page) {
    const omr_template *t = f->tmpl;
    ink k = ink_for(f, f->pen, r);
    /* the questions of this page, to write beside */
    int qs[256], nq = 0;
    for (size_t i = 0; i < t->n_questions && nq < 256; i++)
        if (t->questions[i].page == page)
            qs[nq++] = (int)i;
    for (int attempt = 0; attempt < 40; attempt++) {
        double x, y;
        if (nq > 0 && rng_chance(r, 0.5)) {
            const template_question *q = &t->questions[qs[rng_int(r, nq)]];
            x = q->text_rect.x + rng_range(r, 0, fmax(q->text_rect.w - 20, 1));
            y = q->text_rect.y + rng_range(r, -4, 9);
        } else {
            x = rng_chance(r, 0.5) ? rng_range(r, 5, 17) : rng_range(r, t->page_width - 22, t->page_width - 6);
            y = rng_range(r, 25, t->page_height - 25);
        }
        int kind = rng_int(r, 4);
        omr_point pts[16] = {{0, 0}};
        int n = 0;
        if (kind == 0) { /* an underline */
            double len = rng_range(r, 12, 40);
            n = 5;
            for (int i = 0; i < n; i++)
                pts[i] = (omr_point){x + len * i / (n - 1), y + jit(r, 0.5)};
        } else if (kind == 1) { /* a squiggle */
            n = 6 + rng_int(r, 8);
            double px = x, py = y;
            for (int i = 0; i < n; i++) {
                px += jit(r, 2.5);
                py += jit(r, 2.5);
                pts[i] = (omr_point){px, py};
            }
        } else if (kind == 2) { /* a short slash or arrow */
            double len = rng_range(r, 5, 12), ang = rng_range(r, 0, 2 * M_PI);
            pts[0] = (omr_point){x, y};
            pts[1] = (omr_point){x + len * cos(ang), y + len * sin(ang)};
            n = 2;
        } else { /* a word or two: "?", "vet ej", "OK" */
            static const char *const notes[] = {"?", "??", "vet ej", "OK", "!", "nej", "se baksidan"};
            const char *note = notes[rng_int(r, 7)];
            int hand = rng_int(r, N_HANDS);
            cairo_save(cr);
            cairo_select_font_face(cr, HANDS[hand].family, CAIRO_FONT_SLANT_NORMAL,
                                   CAIRO_FONT_WEIGHT_NORMAL);
            cairo_set_font_size(cr, rng_range(r, 14, 19) * MM_PER_PT);
            cairo_text_extents_t e;
            cairo_text_extents(cr, note, &e);
            omr_rect bb = {x + e.x_bearing - 0.5, y + e.y_bearing - 0.5, e.width + 1, e.height + 1};
            int ok = stray_is_clear(cr, t, page, bb);
            if (ok) {
                cairo_set_source_rgb(cr, k.r, k.g, k.b);
                cairo_translate(cr, x, y);
                cairo_rotate(cr, jit(r, 6) * M_PI / 180);
                cairo_move_to(cr, 0, 0);
                cairo_show_text(cr, note);
            }
            cairo_restore(cr);
            if (ok)
                return;
            continue;
        }
        if (stray_is_clear(cr, t, page, bbox_of(pts, n, k.width + 0.5))) {
            hand_stroke(cr, r, &k, pts, n);
            return;
        }
    }
}

/* ---- a page ------------------------------------------------------------------------- */

static void draw_answer(cairo_t *cr, rng *r, fill_form *f, size_t qi) {
    const omr_template *t = f->tmpl;
    const template_question *q = &t->questions[qi];
    fill_answer *a = &f->answers[qi];
    if (a->behaviour == FILL_BLANK)
        return;
    ink k = ink_for(f, a->pen, r);
    /* a respondent who ticks ticks, one who crosses crosses: per question */
    int tick_style = rng_chance(r, 0.3);
    for (size_t b = 0; b < q->n_boxes; b++) {
        if (!a->chosen[b])
            continue;
        omr_rect box = q->boxes[b].rect;
        switch (a->behaviour) {
        case FILL_CROSS:
        case FILL_CORRECTION:
        case FILL_ERASED:
            draw_cross(cr, r, &k, box);
            break;
        case FILL_TICK:
            draw_tick(cr, r, &k, box);
            break;
        case FILL_DOUBLE_TICK:
            if (tick_style)
                draw_tick(cr, r, &k, box);
            else
                draw_cross(cr, r, &k, box);
            break;
        case FILL_SOLID:
            draw_solid(cr, r, &k, box);
            break;
        case FILL_OVERSHOOT:
            draw_overshoot(cr, r, &k, t, q->page, &q->boxes[b]);
            break;
        case FILL_DOT:
            draw_dot(cr, r, &k, box);
            break;
        case FILL_CIRCLE:
            if (!draw_circle(cr, r, &k, t, q->page, &q->boxes[b], a->circle_label)) {
                /* no room for a circle that touches no box: a dot instead,
                 * which is as ambiguous, and the truth says so */
                a->behaviour = FILL_DOT;
                a->ambiguous = 1;
                draw_dot(cr, r, &k, box);
            }
            break;
        case FILL_BLANK:
        case FILL_BEHAVIOUR_COUNT:
            break;
        }
    }
    if (a->behaviour == FILL_CORRECTION && a->solid_box >= 0)
        draw_solid(cr, r, &k, q->boxes[a->solid_box].rect);
    if (a->behaviour == FILL_ERASED && a->erased_box >= 0)
        draw_erased(cr, r, q->boxes[a->erased_box].rect);
}

int fill_draw_page(cairo_t *cr, fill_form *f, int page, omr_error *err) {
    const omr_template *t = f->tmpl;
    rng r;
    rng_seed(&r, rng_derive(f->stroke_seed, 1, (uint64_t)page));
    cairo_save(cr);
    for (size_t i = 0; i < t->n_questions; i++)
        if (t->questions[i].page == page)
            draw_answer(cr, &r, f, i);
    for (size_t i = 0; i < t->n_text_fields; i++) {
        const template_text_field *field = &t->text_fields[i];
        fill_comment *c = &f->comments[i];
        if (field->page != page)
            continue;
        free(c->text);
        c->text = NULL;
        if (c->kind == COMMENT_HANDWRITTEN && c->word > 0) {
            c->text = write_one_word(cr, f, i, c, field->rect);
        } else if (c->kind == COMMENT_HANDWRITTEN) {
            ink k = ink_for(f, c->pen, &r);
            c->text = write_by_hand(cr, &r, c, &k, field->rect);
        } else if (c->kind == COMMENT_PRINTED) {
            c->text = write_printed(cr, &r, c, field->rect);
        } else {
            c->text = omr_strdup("");
        }
    }
    if (rng_chance(&r, 0.3)) {
        int n = 1 + rng_chance(&r, 0.3);
        for (int i = 0; i < n; i++)
            draw_stray(cr, &r, f, page);
    }
    cairo_restore(cr);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        return omr_fail(err, OMR_ERR_IO, "drawing the answers on page %d of form %s: %s", page,
                        f->code, cairo_status_to_string(cairo_status(cr)));
    return OMR_OK;
}

/* ---- a letter in the envelope ------------------------------------------------------------ */

void fill_draw_letter(cairo_t *cr, double width, double height, rng *r) {
    static const char *const months[] = {"januari", "februari", "mars", "april", "maj", "juni",
                                         "augusti", "september", "oktober", "november"};
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    cairo_select_font_face(cr, PRINT_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    double size = rng_range(r, 10.5, 12) * MM_PER_PT;
    cairo_set_font_size(cr, size);
    double left = rng_range(r, 22, 30), right = width - rng_range(r, 22, 30);
    double y = rng_range(r, 30, 45);
    char line[160];
    snprintf(line, sizeof line, "Stockholm den %d %s 2024", 1 + rng_int(r, 28), months[rng_int(r, 10)]);
    cairo_text_extents_t e;
    cairo_text_extents(cr, line, &e);
    cairo_move_to(cr, right - e.x_advance, y);
    cairo_show_text(cr, line);
    y += 20;
    cairo_move_to(cr, left, y);
    cairo_show_text(cr, "Till socialtjänsten");
    y += size * 2.6;
    cairo_move_to(cr, left, y);
    cairo_show_text(cr, "Hej!");
    y += size * 2;
    int paragraphs = 2 + rng_int(r, 3);
    cairo_text_extents_t space;
    cairo_text_extents(cr, " ", &space);
    for (int p = 0; p < paragraphs && y < height - 70; p++) {
        int sentences = 2 + rng_int(r, 3);
        double x = left;
        for (int s = 0; s < sentences; s++) {
            const char *text = SENTENCES[rng_int(r, N_SENTENCES)];
            char word[128];
            const char *q = text;
            while (*q) {
                while (*q == ' ')
                    q++;
                size_t n = 0;
                while (q[n] && q[n] != ' ')
                    n++;
                if (n == 0)
                    break;
                snprintf(word, sizeof word, "%.*s", (int)(n < 127 ? n : 127), q);
                q += n;
                cairo_text_extents(cr, word, &e);
                if (x + e.x_advance > right) {
                    x = left;
                    y += size * 1.35;
                }
                cairo_move_to(cr, x, y);
                cairo_show_text(cr, word);
                x += e.x_advance + space.x_advance;
            }
        }
        y += size * 2.6;
    }
    cairo_move_to(cr, left, y);
    cairo_show_text(cr, "Med vänliga hälsningar");
    int hand = rng_int(r, N_HANDS);
    cairo_select_font_face(cr, HANDS[hand].family, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, rng_range(r, 18, 24) * MM_PER_PT);
    cairo_set_source_rgb(cr, 20 / 255.0, 40 / 255.0, 160 / 255.0);
    cairo_translate(cr, left + jit(r, 3), y + 14);
    cairo_rotate(cr, jit(r, 3) * M_PI / 180);
    cairo_move_to(cr, 0, 0);
    show_word(cr, NAMES[rng_int(r, (int)(sizeof NAMES / sizeof NAMES[0]))], HANDS[hand].no_ring);
    cairo_restore(cr);
}
