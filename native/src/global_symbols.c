/*
 * global_symbols.c: making the MPI library's symbols global before MPI_Init.
 *
 * .NET loads the shim with dlopen(RTLD_LOCAL), so libmpi, pulled in as the shim's dependency,
 * lands in a local symbol scope too. Open MPI's components are separate shared objects that it
 * dlopens during MPI_Init, and some builds resolve libmpi / libopen-pal symbols from the global
 * scope; in a local scope that fails with "undefined symbol" errors from mca_*.so. Re-opening
 * the already loaded library with RTLD_NOLOAD | RTLD_GLOBAL moves it into the global scope
 * without loading anything new. A failure here is not fatal: many builds link their components
 * against libmpi and need none of this.
 */
#define _GNU_SOURCE /* dladdr, RTLD_NOLOAD */

#include <dlfcn.h>
#include <string.h>

#include "internal.h"

typedef int (*init_thread_function)(int*, char***, int, int*);

_Static_assert(sizeof(init_thread_function) == sizeof(void*),
               "dladdr needs a function address as a data pointer");

int mlxmpi_internal_promote_mpi_symbols(void) {
    /* Asking the dynamic linker which object defines MPI_Init_thread finds the MPI library
       actually in use, whatever its file name (libmpi.so.40, libmpich.so.12, a vendor MPI). */
    init_thread_function function = MPI_Init_thread;
    void* address = NULL;
    memcpy(&address, &function, sizeof address); /* ISO C has no function-to-data cast */

    Dl_info where;
    if (dladdr(address, &where) == 0 || where.dli_fname == NULL || where.dli_fname[0] == '\0') {
        return 0;
    }
    /* Deliberately never closed: the extra reference keeps the library global for the life
       of the process. */
    void* handle = dlopen(where.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    return handle != NULL;
}
