/*
 * dtype.c: element sizes and the MPI datatype that moves each mlxmpi_dtype.
 *
 * A gather never interprets elements, it only moves bytes, so each dtype maps to an MPI type of
 * the same size that MPI copies bit for bit: bool as an unsigned byte (any byte value survives,
 * not just 0 and 1), float16 and bfloat16 as 16-bit unsigned integers (MPI has no portable
 * half-precision types), complex64 as C float _Complex.
 */
#include "internal.h"

/* The managed Dtype enum uses the same numbers. */
_Static_assert(MLXMPI_DTYPE_BOOL == 0, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_UINT8 == 1, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_UINT16 == 2, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_UINT32 == 3, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_UINT64 == 4, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_INT8 == 5, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_INT16 == 6, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_INT32 == 7, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_INT64 == 8, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_FLOAT16 == 9, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_BFLOAT16 == 10, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_FLOAT32 == 11, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_FLOAT64 == 12, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_COMPLEX64 == 13, "frozen dtype value");
_Static_assert(MLXMPI_DTYPE_COUNT == 14, "frozen dtype count");

/* Element sizes in bytes, as the managed element types (bool byte ushort uint ulong sbyte short
   int long Half BFloat16 float double Complex64) lay them out. */
enum {
    SIZE_BOOL = 1,
    SIZE_UINT8 = 1,
    SIZE_UINT16 = 2,
    SIZE_UINT32 = 4,
    SIZE_UINT64 = 8,
    SIZE_INT8 = 1,
    SIZE_INT16 = 2,
    SIZE_INT32 = 4,
    SIZE_INT64 = 8,
    SIZE_FLOAT16 = 2,
    SIZE_BFLOAT16 = 2,
    SIZE_FLOAT32 = 4,
    SIZE_FLOAT64 = 8,
    SIZE_COMPLEX64 = 8,
};

/* The C types behind the MPI types chosen below must have exactly those sizes. */
_Static_assert(sizeof(uint8_t) == SIZE_BOOL, "bool moves as one byte");
_Static_assert(sizeof(uint8_t) == SIZE_UINT8, "uint8 size");
_Static_assert(sizeof(uint16_t) == SIZE_UINT16, "uint16 size");
_Static_assert(sizeof(uint32_t) == SIZE_UINT32, "uint32 size");
_Static_assert(sizeof(uint64_t) == SIZE_UINT64, "uint64 size");
_Static_assert(sizeof(int8_t) == SIZE_INT8, "int8 size");
_Static_assert(sizeof(int16_t) == SIZE_INT16, "int16 size");
_Static_assert(sizeof(int32_t) == SIZE_INT32, "int32 size");
_Static_assert(sizeof(int64_t) == SIZE_INT64, "int64 size");
_Static_assert(sizeof(uint16_t) == SIZE_FLOAT16, "float16 moves as two bytes");
_Static_assert(sizeof(uint16_t) == SIZE_BFLOAT16, "bfloat16 moves as two bytes");
_Static_assert(sizeof(float) == SIZE_FLOAT32, "float32 size");
_Static_assert(sizeof(double) == SIZE_FLOAT64, "float64 size");
_Static_assert(sizeof(float _Complex) == SIZE_COMPLEX64, "complex64 moves as 8 bytes");

static const int32_t dtype_sizes[] = {
    [MLXMPI_DTYPE_BOOL] = SIZE_BOOL,
    [MLXMPI_DTYPE_UINT8] = SIZE_UINT8,
    [MLXMPI_DTYPE_UINT16] = SIZE_UINT16,
    [MLXMPI_DTYPE_UINT32] = SIZE_UINT32,
    [MLXMPI_DTYPE_UINT64] = SIZE_UINT64,
    [MLXMPI_DTYPE_INT8] = SIZE_INT8,
    [MLXMPI_DTYPE_INT16] = SIZE_INT16,
    [MLXMPI_DTYPE_INT32] = SIZE_INT32,
    [MLXMPI_DTYPE_INT64] = SIZE_INT64,
    [MLXMPI_DTYPE_FLOAT16] = SIZE_FLOAT16,
    [MLXMPI_DTYPE_BFLOAT16] = SIZE_BFLOAT16,
    [MLXMPI_DTYPE_FLOAT32] = SIZE_FLOAT32,
    [MLXMPI_DTYPE_FLOAT64] = SIZE_FLOAT64,
    [MLXMPI_DTYPE_COMPLEX64] = SIZE_COMPLEX64,
};
/* A dtype appended to the enum without a size here would read as size 0 ("unknown"). */
_Static_assert(sizeof dtype_sizes / sizeof dtype_sizes[0] == MLXMPI_DTYPE_COUNT,
               "every dtype needs a size");

MLXMPI_EXPORT int32_t mlxmpi_dtype_size(int32_t dtype) {
    if (dtype < 0 || dtype >= MLXMPI_DTYPE_COUNT) {
        return 0;
    }
    return dtype_sizes[dtype];
}

MPI_Datatype mlxmpi_internal_dtype_mpi_type(int32_t dtype) {
    /* A switch rather than a table: some MPIs' predefined handles are not constant
       expressions, so they cannot initialise a static array. */
    switch (dtype) {
    case MLXMPI_DTYPE_BOOL:
    case MLXMPI_DTYPE_UINT8:
        return MPI_UINT8_T;
    case MLXMPI_DTYPE_INT8:
        return MPI_INT8_T;
    case MLXMPI_DTYPE_UINT16:
    case MLXMPI_DTYPE_FLOAT16:
    case MLXMPI_DTYPE_BFLOAT16:
        return MPI_UINT16_T;
    case MLXMPI_DTYPE_INT16:
        return MPI_INT16_T;
    case MLXMPI_DTYPE_UINT32:
        return MPI_UINT32_T;
    case MLXMPI_DTYPE_INT32:
        return MPI_INT32_T;
    case MLXMPI_DTYPE_UINT64:
        return MPI_UINT64_T;
    case MLXMPI_DTYPE_INT64:
        return MPI_INT64_T;
    case MLXMPI_DTYPE_FLOAT32:
        return MPI_FLOAT;
    case MLXMPI_DTYPE_FLOAT64:
        return MPI_DOUBLE;
    case MLXMPI_DTYPE_COMPLEX64:
        return MPI_C_FLOAT_COMPLEX;
    default:
        return MPI_DATATYPE_NULL;
    }
}
