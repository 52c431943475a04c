/*
 * library.c — loading a shared library and its functions at first use
 * (see library.h).
 */
#include "base/library.h"

#include <assert.h>
#include <dlfcn.h>
#include <stdio.h>

void *library_load(const char *soname, const library_symbol *symbols, size_t n, char *error, size_t error_size) {
    assert(soname && (symbols || n == 0) && error && error_size > 0);
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(error, error_size, "%s", dlerror());
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!(*symbols[i].slot = dlsym(lib, symbols[i].symbol))) {
            snprintf(error, error_size, "%s has no %s", soname, symbols[i].symbol);
            dlclose(lib);
            return NULL;
        }
    return lib;
}
