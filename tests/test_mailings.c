/*
 * test_mailings.c — the survey's mailings in waves (omr frame mail): each
 * respondent's letter (the login code, the web address, that answering is
 * voluntary, the name and address from the frame in the envelope's window)
 * printed before their form in one PDF; a reminder only to those sent the
 * wave before who have not answered; each wave recorded in the ledger; the
 * cumulative response rate per wave (omr frame waves, the report's
 * waves.csv), each return attributed to the last wave sent before it
 * arrived. Runs the real omr binary; reads the PDF with poppler.
 */
#include <poppler.h>

#include "helpers.h"
#include "print/letter.h"

Test(mailings, letter_texts_and_address_lines) {
    char *s = letter_fill("Kod {code} på {web}, {name}. {other}", "K7M2QX9A", "https://e.se",
                          "Eva", "2024-03-01");
    cr_assert_str_eq(s, "Kod K7M2QX9A på https://e.se, Eva. {other}");
    free(s);
    char *names[] = {"kon", "Namn", "c_o", "Adress", "Postnummer", "Ort"};
    char *values[] = {"K", "Eva Ek", "Ek", "Storgatan 1", "123 45", "STOCKHOLM"};
    char name[128], lines[3][128];
    cr_assert_eq(letter_address_from_frame(names, values, 6, name, lines), 3);
    cr_assert_str_eq(name, "Eva Ek");
    cr_assert_str_eq(lines[0], "c/o Ek");
    cr_assert_str_eq(lines[1], "Storgatan 1");
    cr_assert_str_eq(lines[2], "123 45  STOCKHOLM");
    cr_assert_eq(letter_address_from_frame(names, values, 1, name, lines), 0); /* no address */
    cr_assert_str_eq(name, "");
}

Test(mailings, a_letter_without_the_login_code_is_refused) {
    char *dir = test_tempdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/l.cfg", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("sender = [\"S\"]; web = \"w\"; contact = \"c\";\n"
          "invitation = { heading = \"h\"; body = \"kod {code}\"; };\n"
          "reminder1 = { heading = \"h\"; body = \"no code here\"; };\n"
          "reminder2 = { heading = \"h\"; body = \"{code}\"; };\n", f);
    fclose(f);
    letter *l = NULL;
    omr_error err = {0};
    cr_assert_eq(letter_load(path, &l, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "reminder1") && strstr(err.message, "{code}"), "%s", err.message);
    cr_assert_eq(letter_load("templates/ekb-2024-letter.cfg", &l, &err), OMR_OK, "%s", err.message);
    letter_free(l);
    rm_rf(dir);
}

static char *page_text(PopplerDocument *doc, int page) {
    PopplerPage *p = poppler_document_get_page(doc, page);
    cr_assert_not_null(p);
    char *text = poppler_page_get_text(p);
    g_object_unref(p);
    return text;
}

/* Where `needle` is on the page: its top left in mm from the top left corner. */
static void text_position(PopplerDocument *doc, int page, const char *needle, double *x_mm,
                          double *y_mm) {
    PopplerPage *p = poppler_document_get_page(doc, page);
    double w, h;
    poppler_page_get_size(p, &w, &h);
    GList *found = poppler_page_find_text(p, needle);
    cr_assert_not_null(found, "\"%s\" not on page %d", needle, page + 1);
    PopplerRectangle *r = found->data;
    /* find_text gives PDF user space: y from the bottom */
    *x_mm = r->x1 * 25.4 / 72;
    *y_mm = (h - (r->y1 > r->y2 ? r->y1 : r->y2)) * 25.4 / 72;
    g_list_free_full(found, (GDestroyNotify)poppler_rectangle_free);
    g_object_unref(p);
}

static void run(const char *cmd) { cr_assert_eq(system(cmd), 0, "%s", cmd); }

static void read_all(const char *dir, const char *name, char *buf, size_t size) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    buf[fread(buf, 1, size - 1, f)] = 0;
    fclose(f);
}

Test(mailings, waves_letters_reminders_and_the_rate_per_wave, .timeout = 240) {
    char *dir = test_tempdir();
    char here[2048], cmd[16384];
    cr_assert_not_null(getcwd(here, sizeof here));
    /* a frame of six with name and address; web answers as the returns, at
     * known times between the waves */
    snprintf(cmd, sizeof cmd,
             "cd %s && O=%s/%s && $O frame codes 6 > codes.txt && "
             "{ echo code,unit,namn,adress,postnummer,ort; i=0; for c in $(cat codes.txt); do "
             "i=$((i+1)); echo \"$c,A,Person $i,Gatan $i,123 4$i,STOCKHOLM\"; done; } > frame.csv && "
             "$O frame import frame.csv --template ekb-2024 --db l.db 2>/dev/null && "
             "{ $O frame mail --wave reminder1 --db l.db --out early.pdf 2> early.txt; "
             "echo $? > early.rc; }",
             dir, here, getenv("OMR_BIN"));
    run(cmd);
    char text[8192];
    read_all(dir, "early.rc", text, sizeof text);
    cr_assert_str_eq(text, "2\n", "a reminder before the invitation must be refused");
    read_all(dir, "early.txt", text, sizeof text);
    cr_assert(strstr(text, "invitation") && strstr(text, "never recorded"), "%s", text);
    static const char header[] =
        "code,submitted_at,q1a,q1b,q2a,q2b,q2c,q2d,q2e,q3a,q3b,q4a,q4a1,q4b,q4c,q5,q5r.1,q5r.2,"
        "q5r.3,q5r.4,q5r.5,q5r.6,q5r.7,q5r.8,q6,comment";
    snprintf(cmd, sizeof cmd,
             "cd %s && O=%s/%s && c() { sed -n \"$1p\" codes.txt; } && "
             "web() { printf '%%s\\n%%s,%%s,,,,,,,,,,,,,,,,,,,,,,,,\\n' '%s' $1 $2 > w.csv && "
             "$O frame web-returns w.csv --db l.db 2>/dev/null; } && "
             "$O frame mail --wave invitation --db l.db --out inv.pdf --sent 2024-03-01 --quiet "
             "2>/dev/null && "
             "web $(c 1) 2024-03-05T10:00:00Z && web $(c 2) 2024-03-09T23:00:00Z && "
             "$O frame mail --wave reminder1 --db l.db --out r1.pdf --sent 2024-03-10 --list r1.txt "
             "--quiet 2>/dev/null && "
             "web $(c 3) 2024-03-12T10:00:00Z && "
             "$O frame mail --wave reminder2 --db l.db --out r2.pdf --sent 2024-03-20 --list r2.txt "
             "--quiet 2>/dev/null && "
             "web $(c 4) 2024-03-25T10:00:00Z && "
             "$O frame waves --db l.db > waves.txt && "
             "$O report --db l.db --out rep >/dev/null 2>&1 && "
             "$O frame mail --wave invitation --db l.db --out again.pdf --quiet 2> again.txt",
             dir, here, getenv("OMR_BIN"), header);
    run(cmd);
    char codes[6][32], path[4096];
    snprintf(path, sizeof path, "%s/codes.txt", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(fscanf(f, "%31s", codes[i]), 1);
    fclose(f);

    /* the invitation: per respondent a letter, then the form's two pages */
    snprintf(path, sizeof path, "file://%s/inv.pdf", dir);
    GError *gerr = NULL;
    PopplerDocument *doc = poppler_document_new_from_file(path, NULL, &gerr);
    cr_assert_not_null(doc, "%s", gerr ? gerr->message : "");
    cr_assert_eq(poppler_document_get_n_pages(doc), 18);
    for (int i = 0; i < 6; i++) {
        char *letter_text = page_text(doc, 3 * i), *form_text = page_text(doc, 3 * i + 1);
        char person[32], street[32];
        snprintf(person, sizeof person, "Person %d", i + 1);
        snprintf(street, sizeof street, "Gatan %d", i + 1);
        cr_assert(strstr(letter_text, codes[i]) && strstr(letter_text, person) &&
                      strstr(letter_text, street) && strstr(letter_text, "STOCKHOLM") &&
                      strstr(letter_text, "https://enkat.stockholm.se/ekb") &&
                      strstr(letter_text, "frivilligt") && strstr(letter_text, "2024-03-01"),
                  "letter %d: %s", i + 1, letter_text);
        cr_assert(!strstr(letter_text, "Sida 1 av"), "page %d is no letter", 3 * i + 1);
        cr_assert(strstr(form_text, codes[i]) && strstr(form_text, "Sida 1 av 2"),
                  "form %d: %s", i + 1, form_text);
        g_free(letter_text);
        g_free(form_text);
    }
    /* the address sits in the window: right half, 45 to 95 mm from the top */
    double x, y;
    text_position(doc, 0, "Person 1", &x, &y);
    cr_assert(x > 105 && x < 130 && y > 45 && y < 95, "address at %.1f, %.1f mm", x, y);
    g_object_unref(doc);

    /* reminders: only those sent the wave before who had not answered */
    static char list[1024];
    char want[1024];
    read_all(dir, "r1.txt", list, sizeof list);
    snprintf(want, sizeof want, "%s\n%s\n%s\n%s\n", codes[2], codes[3], codes[4], codes[5]);
    cr_assert_str_eq(list, want);
    read_all(dir, "r2.txt", list, sizeof list);
    snprintf(want, sizeof want, "%s\n%s\n%s\n", codes[3], codes[4], codes[5]);
    cr_assert_str_eq(list, want);
    snprintf(path, sizeof path, "file://%s/r2.pdf", dir);
    doc = poppler_document_new_from_file(path, NULL, &gerr);
    cr_assert_not_null(doc);
    cr_assert_eq(poppler_document_get_n_pages(doc), 9);
    char *t = page_text(doc, 0);
    cr_assert(strstr(t, "sista påminnelsen") && strstr(t, codes[3]), "%s", t);
    g_free(t);
    g_object_unref(doc);

    /* the rate per wave: 2 returns before reminder 1 (one the evening
     * before it), 1 between the reminders, 1 after reminder 2; of 6 */
    read_all(dir, "rep/waves.csv", text, sizeof text);
    cr_assert_str_eq(text,
                     "wave,first_sent,sent,returned,returned_cumulative,net_sample,"
                     "response_rate_cumulative\r\n"
                     "invitation,2024-03-01,6,2,2,6,33.33\r\n"
                     "reminder1,2024-03-10,4,1,3,6,50.00\r\n"
                     "reminder2,2024-03-20,3,1,4,6,66.67\r\n");
    read_all(dir, "rep/utskick.html", text, sizeof text);
    cr_assert(strstr(text, "Efter påminnelse 2") && strstr(text, "66,67&nbsp;%"), "%s", text);
    /* the waves page is one of the report's pages: the navigation both ways */
    cr_assert(strstr(text, "<nav") && strstr(text, "href=\"index.html\""), "%s", text);
    read_all(dir, "rep/index.html", text, sizeof text);
    cr_assert(strstr(text, "href=\"utskick.html\""), "index.html does not link utskick.html");
    read_all(dir, "waves.txt", text, sizeof text);
    cr_assert(strstr(text, "33,33%") && strstr(text, "50,00%") && strstr(text, "66,67%"), "%s",
              text);
    /* an invitation sent again is printed but keeps the first record */
    read_all(dir, "again.txt", text, sizeof text);
    cr_assert(strstr(text, "some codes had this wave already"), "%s", text);
    rm_rf(dir);
}

/* Names and addresses from a file of their own (kept out of the ledger, so
 * out of the analysis exports): the letter shows them; a recipient missing
 * from the file refuses the whole print run. */
Test(mailings, addresses_from_a_file_kept_out_of_the_ledger, .timeout = 120) {
    char *dir = test_tempdir();
    char here[2048], cmd[8192];
    cr_assert_not_null(getcwd(here, sizeof here));
    snprintf(cmd, sizeof cmd,
             "cd %s && O=%s/%s && $O frame codes 3 > c.txt && "
             "{ echo code,unit; for c in $(cat c.txt); do echo $c,A; done; } > f.csv && "
             "$O frame import f.csv --template ekb-2024 --db l.db 2>/dev/null && "
             "{ printf '\\357\\273\\277code;namn;adress;postnummer;ort\\n'; i=0; for c in $(cat c.txt); do "
             "i=$((i+1)); echo \"$c;Eva Ek $i;Storgatan $i;111 2$i;STOCKHOLM\"; done; } > adr.csv && "
             "$O frame mail --wave invitation --db l.db --addresses adr.csv --out a.pdf --quiet "
             "2>/dev/null && head -3 adr.csv > short.csv && "
             "{ $O frame mail --wave invitation --db l.db --addresses short.csv --out b.pdf "
             "--no-record 2> short.txt; echo $? > short.rc; }",
             dir, here, getenv("OMR_BIN"));
    cr_assert_eq(system(cmd), 0);
    char path[4096];
    snprintf(path, sizeof path, "file://%s/a.pdf", dir);
    PopplerDocument *doc = poppler_document_new_from_file(path, NULL, NULL);
    cr_assert_not_null(doc);
    char *t = page_text(doc, 6); /* the third letter */
    cr_assert(strstr(t, "Eva Ek 3") && strstr(t, "Storgatan 3") && strstr(t, "STOCKHOLM"), "%s", t);
    g_free(t);
    g_object_unref(doc);
    char text[1024];
    read_all(dir, "short.rc", text, sizeof text);
    cr_assert_str_eq(text, "1\n");
    read_all(dir, "short.txt", text, sizeof text);
    cr_assert(strstr(text, "has no address for"), "%s", text);
    snprintf(path, sizeof path, "%s/b.pdf", dir);
    cr_assert_neq(access(path, F_OK), 0, "a run with a letter missing its address was printed");
    rm_rf(dir);
}
