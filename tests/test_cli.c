/*
 * test_cli.c — the command line as a user meets it: every command answers
 * --help on standard output with exit 0 (and its own usage, not the global
 * one), and `omr --version` names the release. Runs the real binary
 * ($OMR_BIN, default build/omr).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "pages/encode.h"

static const char *omr_bin(void) {
    const char *bin = getenv("OMR_BIN");
    return bin && *bin ? bin : "build/omr";
}

/* Runs `omr ARGS`, standard output into out (cut at size); the exit status. */
static int run(const char *args, char *out, size_t size) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>/dev/null", omr_bin(), args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "cannot run %s", cmd);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(cli, version_names_the_release) {
    char out[256];
    cr_assert_eq(run("--version", out, sizeof out), 0);
    cr_assert(strncmp(out, "omr ", 4) == 0, "got: %s", out);
    int major = -1, minor = -1;
    cr_assert_eq(sscanf(out + 4, "%d.%d", &major, &minor), 2, "no version number in: %s", out);
}

Test(cli, every_command_answers_help_with_its_own_usage) {
    static const struct {
        const char *args, *expect;
    } cases[] = {
        {"template check --help", "omr template check"},
        {"template geometry --help", "omr template geometry"},
        {"template new --help", "template new"},
        {"render --help", "omr render"},
        {"scan --help", "omr scan"},
        {"watch --help", "omr watch"},
        {"status --help", "omr status"},
        {"export --help", "omr export"},
        {"review --help", "omr review"},
        {"frame --help", "omr frame"},
        {"report --help", "omr report"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[8192];
        int status = run(cases[i].args, out, sizeof out);
        cr_expect_eq(status, 0, "omr %s exited %d", cases[i].args, status);
        cr_expect(strstr(out, cases[i].expect) != NULL, "omr %s does not mention \"%s\":\n%s",
                  cases[i].args, cases[i].expect, out);
    }
}

Test(cli, an_unknown_command_is_a_usage_error) {
    char out[8192];
    cr_assert_eq(run("no-such-command", out, sizeof out), 2);
}

/* `template new` on a blank where nothing can be found (a page with no box,
 * bubble or frame) writes no draft (one with no questions would not pass
 * `template check`) and says why and what to do, with exit status 2. */
Test(cli, template_new_without_any_box_writes_no_draft_and_says_why) {
    char *dir = test_tempdir();
    char png[600], cfg[600], cmd[1400], out[2048];
    snprintf(png, sizeof png, "%s/empty.png", dir);
    snprintf(cfg, sizeof cfg, "%s/empty.cfg", dir);
    omr_image *page = omr_image_new(827, 1169, 100, 255); /* A4 at 100 dpi, nothing printed */
    cr_assert_not_null(page);
    for (int x = 100; x < 700; x++) /* a rule: ink, but no box */
        page->pixels[(size_t)300 * page->stride + x] = 0;
    omr_error err = {0};
    cr_assert_eq(encode_png(page, png, &err), OMR_OK, "%s", err.message);
    omr_image_free(page);
    snprintf(cmd, sizeof cmd, "%s template new --from %s --out %s 2>&1", omr_bin(), png, cfg);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    int status = pclose(p);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "exit status 2: %s", out);
    cr_assert_not_null(strstr(out, "no check box, bubble or text field found"), "%s", out);
    cr_assert_not_null(strstr(out, "300 dpi"), "says what to do: %s", out);
    cr_assert_eq(access(cfg, F_OK), -1, "no draft written");
    rm_rf(dir);
}
