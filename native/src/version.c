/*
 * version.c: the MPI library's own version string.
 *
 * Meant for diagnostics before anything is initialised (which MPI did the process load?), so it
 * relies only on MPI_Get_library_version, which MPI allows at any time.
 */
#include "internal.h"

MLXMPI_EXPORT int32_t mlxmpi_library_version(char* buffer, int32_t capacity) {
    char text[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    if (MPI_Get_library_version(text, &length) != MPI_SUCCESS || length < 0) {
        length = 0;
    }
    if (length > MPI_MAX_LIBRARY_VERSION_STRING - 1) {
        length = MPI_MAX_LIBRARY_VERSION_STRING - 1;
    }
    /* Some MPIs end the text with a newline; callers log or embed it, where that would show
       as a stray blank line. */
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == ' ' ||
                          text[length - 1] == '\0')) {
        length--;
    }
    return mlxmpi_internal_copy_text(text, (size_t)length, buffer, capacity);
}
