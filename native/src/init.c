/*
 * init.c: the MPI lifecycle as the shim sees it.
 *
 * MPI may be initialised by us or by another binding in the same process (MPI.NET, a native
 * library, the host program). We never call MPI_Init twice and we only finalize what we
 * initialised. The shim keeps its own view of "MPI usable" in one atomic so that every
 * collective can check it for the price of a load: mlxmpi_init turns it on, and a delete
 * callback on an MPI_COMM_SELF attribute turns it off as the very first step of MPI_Finalize,
 * whoever calls it. Without that, a gather after someone else's MPI_Finalize would make
 * Open MPI abort the whole job instead of returning an error.
 *
 * mlxmpi_init and mlxmpi_finalize are not meant to race each other (neither are MPI_Init and
 * MPI_Finalize); the atomic only guards readers on other threads.
 */
#include <stdatomic.h>
#include <stddef.h>

#include "device.h"
#include "internal.h"

_Static_assert(MLXMPI_THREAD_SINGLE == 0, "frozen thread level value");
_Static_assert(MLXMPI_THREAD_FUNNELED == 1, "frozen thread level value");
_Static_assert(MLXMPI_THREAD_SERIALIZED == 2, "frozen thread level value");
_Static_assert(MLXMPI_THREAD_MULTIPLE == 3, "frozen thread level value");

/* The managed side declares the same struct field for field. */
_Static_assert(sizeof(mlxmpi_init_info) == 16, "frozen mlxmpi_init_info layout");
_Static_assert(offsetof(mlxmpi_init_info, provided_thread_level) == 0, "frozen layout");
_Static_assert(offsetof(mlxmpi_init_info, initialized_by_shim) == 4, "frozen layout");
_Static_assert(offsetof(mlxmpi_init_info, mpi_version) == 8, "frozen layout");
_Static_assert(offsetof(mlxmpi_init_info, mpi_subversion) == 12, "frozen layout");

enum mpi_state { STATE_NOT_INITIALIZED = 0, STATE_READY = 1, STATE_FINALIZED = 2 };

static _Atomic int g_state = STATE_NOT_INITIALIZED;
/* Set once MPI_Init_thread succeeded here: only then is MPI_Finalize ours to call. */
static int g_owns_finalize;

int32_t mlxmpi_internal_require_mpi(void) {
    int state = atomic_load_explicit(&g_state, memory_order_acquire);
    if (state == STATE_READY) {
        return MLXMPI_STATUS_OK;
    }
    if (state == STATE_FINALIZED) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_NOT_INITIALIZED, "MPI has been finalized");
    }
    return mlxmpi_internal_fail(MLXMPI_STATUS_NOT_INITIALIZED,
                                "MPI is not initialised: call mlxmpi_init first");
}

int mlxmpi_internal_mpi_usable(void) {
    int initialized = 0;
    int finalized = 0;
    if (MPI_Initialized(&initialized) != MPI_SUCCESS || !initialized) {
        return 0;
    }
    if (MPI_Finalized(&finalized) != MPI_SUCCESS || finalized) {
        return 0;
    }
    return 1;
}

static int to_mpi_thread_level(int32_t level) {
    switch (level) {
    case MLXMPI_THREAD_FUNNELED:
        return MPI_THREAD_FUNNELED;
    case MLXMPI_THREAD_SERIALIZED:
        return MPI_THREAD_SERIALIZED;
    case MLXMPI_THREAD_MULTIPLE:
        return MPI_THREAD_MULTIPLE;
    default:
        return MPI_THREAD_SINGLE;
    }
}

static int32_t from_mpi_thread_level(int level) {
    if (level == MPI_THREAD_MULTIPLE) {
        return MLXMPI_THREAD_MULTIPLE;
    }
    if (level == MPI_THREAD_SERIALIZED) {
        return MLXMPI_THREAD_SERIALIZED;
    }
    if (level == MPI_THREAD_FUNNELED) {
        return MLXMPI_THREAD_FUNNELED;
    }
    return MLXMPI_THREAD_SINGLE;
}

static int on_mpi_finalize(MPI_Comm comm, int keyval, void* attribute, void* extra_state) {
    (void)comm;
    (void)keyval;
    (void)attribute;
    (void)extra_state;
    atomic_store_explicit(&g_state, STATE_FINALIZED, memory_order_release);
    /* Pinned staging buffers go while MPI still runs: a CUDA-aware MPI may hold registrations
       of them that its finalize releases. */
    (void)mlxmpi_internal_staging_clear("MPI_Finalize");
    return MPI_SUCCESS;
}

/* MPI_Finalize deletes MPI_COMM_SELF's attributes before anything else (MPI-3.1 8.7.1), which
   makes this the standard way for a library to learn that MPI is going away. */
static int32_t watch_for_finalize(void) {
    int keyval = MPI_KEYVAL_INVALID;
    int rc = MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, on_mpi_finalize, &keyval, NULL);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Comm_create_keyval", rc);
    }
    rc = MPI_Comm_set_attr(MPI_COMM_SELF, keyval, NULL);
    int free_rc = MPI_Comm_free_keyval(&keyval); /* the attribute keeps the callback alive */
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Comm_set_attr", rc);
    }
    if (free_rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Comm_free_keyval", free_rc);
    }
    return MLXMPI_STATUS_OK;
}

MLXMPI_EXPORT int32_t mlxmpi_is_initialized(void) {
    return mlxmpi_internal_mpi_usable();
}

MLXMPI_EXPORT int32_t mlxmpi_init(int32_t requested_thread_level, mlxmpi_init_info* info) {
    if (requested_thread_level < MLXMPI_THREAD_SINGLE ||
        requested_thread_level > MLXMPI_THREAD_MULTIPLE) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_init: requested_thread_level %d is not an "
                                    "mlxmpi_thread_level (valid: 0..3)",
                                    (int)requested_thread_level);
    }

    int finalized = 0;
    int rc = MPI_Finalized(&finalized);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Finalized", rc);
    }
    if (finalized) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_NOT_INITIALIZED,
                                    "MPI has already been finalized and cannot be "
                                    "initialised again in this process");
    }

    int initialized = 0;
    rc = MPI_Initialized(&initialized);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Initialized", rc);
    }

    int provided = MPI_THREAD_SINGLE;
    int32_t initialized_here = 0;
    if (!initialized) {
        /* Must precede MPI_Init: that is when Open MPI dlopens its plugins. */
        (void)mlxmpi_internal_promote_mpi_symbols();
        rc = MPI_Init_thread(NULL, NULL, to_mpi_thread_level(requested_thread_level), &provided);
        if (rc != MPI_SUCCESS) {
            return mlxmpi_internal_mpi_error("MPI_Init_thread", rc);
        }
        g_owns_finalize = 1;
        initialized_here = 1;
    } else {
        rc = MPI_Query_thread(&provided);
        if (rc != MPI_SUCCESS) {
            return mlxmpi_internal_mpi_error("MPI_Query_thread", rc);
        }
    }

    /* Our own communicators get MPI_ERRORS_RETURN explicitly (comm.c). MPI_COMM_WORLD and
       MPI_COMM_SELF carry errors that MPI raises on no communicator of ours: MPI-3 reports them
       on MPI_COMM_WORLD (an invalid communicator, for one), MPI-4 on MPI_COMM_SELF (datatype
       construction, for one). Those two belong to whoever initialised MPI: when that was us,
       nobody else has chosen their handlers and errors should come back as status codes; when
       it was the application (another binding, the host program), its handlers stay as it set
       them (its MPI_ERRORS_ARE_FATAL may be deliberate). */
    if (initialized_here) {
        rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        if (rc != MPI_SUCCESS) {
            return mlxmpi_internal_mpi_error("MPI_Comm_set_errhandler(MPI_COMM_WORLD)", rc);
        }
        rc = MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
        if (rc != MPI_SUCCESS) {
            return mlxmpi_internal_mpi_error("MPI_Comm_set_errhandler(MPI_COMM_SELF)", rc);
        }
    }

    int version = 0;
    int subversion = 0;
    rc = MPI_Get_version(&version, &subversion);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Get_version", rc);
    }

    if (atomic_load_explicit(&g_state, memory_order_acquire) != STATE_READY) {
        int32_t status = watch_for_finalize();
        if (status != MLXMPI_STATUS_OK) {
            return status;
        }
        atomic_store_explicit(&g_state, STATE_READY, memory_order_release);
    }

    if (info != NULL) {
        info->provided_thread_level = from_mpi_thread_level(provided);
        info->initialized_by_shim = initialized_here;
        info->mpi_version = version;
        info->mpi_subversion = subversion;
    }
    return MLXMPI_STATUS_OK;
}

MLXMPI_EXPORT int32_t mlxmpi_finalize(void) {
    if (!g_owns_finalize) {
        return MLXMPI_STATUS_OK;
    }
    int finalized = 0;
    int rc = MPI_Finalized(&finalized);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Finalized", rc);
    }
    if (finalized) {
        return MLXMPI_STATUS_OK;
    }
    rc = MPI_Finalize();
    /* Whatever MPI_Finalize returned, MPI may no longer be called. */
    atomic_store_explicit(&g_state, STATE_FINALIZED, memory_order_release);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Finalize", rc);
    }
    return MLXMPI_STATUS_OK;
}
