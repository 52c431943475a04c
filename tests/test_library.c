/* test_library.c — base/library.h: loading a shared library's functions at
 * first use, and saying why when it cannot. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/library.h"

Test(library, functions_are_found_and_called) {
    double (*cosine)(double) = NULL, (*root)(double) = NULL;
    library_symbol symbols[] = {{"cos", (void **)&cosine}, {"sqrt", (void **)&root}};
    char error[256] = "";
    void *lib = library_load("libm.so.6", symbols, 2, error, sizeof error);
    cr_assert_not_null(lib, "%s", error);
    cr_assert_not_null(cosine);
    cr_assert_float_eq(cosine(0.0), 1.0, 1e-12);
    cr_assert_float_eq(root(16.0), 4.0, 1e-12);
}

Test(library, a_missing_function_is_named) {
    double (*cosine)(double) = NULL, (*missing)(double) = NULL;
    library_symbol symbols[] = {{"cos", (void **)&cosine}, {"omr_no_such_function", (void **)&missing}};
    char error[256] = "";
    cr_assert_null(library_load("libm.so.6", symbols, 2, error, sizeof error));
    cr_assert(strstr(error, "libm.so.6 has no omr_no_such_function"), "%s", error);
}

Test(library, a_missing_library_is_named) {
    char error[256] = "";
    cr_assert_null(library_load("libomr-not-installed.so.1", NULL, 0, error, sizeof error));
    cr_assert(strstr(error, "libomr-not-installed.so.1"), "%s", error);
}
