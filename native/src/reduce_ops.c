/*
 * reduce_ops.c: which MPI datatype and MPI_Op reduce each mlxmpi_dtype.
 *
 * Reductions interpret elements, so the byte-moving types of dtype.c do not do here:
 *   - integers are user-defined operations on their own MPI types (sums wrap as in C): both MPIs
 *     here get MPI's predefined ones wrong for some types. Open MPI 4.1.4's AVX component
 *     saturates 8- and 16-bit sums (uint8 200 + 100 gave 255), and MPICH 4.0.2 orders unsigned
 *     types as signed in MPI_MAX and MPI_MIN (max of uint8 200 and 100 gave 100);
 *   - float32 and float64 use MPI's predefined operations;
 *   - bool is a byte whose value may be anything: sum and max are logical OR, min logical AND,
 *     which MPI defines on C integer types and which give 0 or 1;
 *   - float16 and bfloat16 have no MPI type: user-defined operations over 16-bit words widen
 *     each element to float, combine, and round back to nearest even (never MPI_SUM on their bits);
 *   - complex64 sums as MPI_C_FLOAT_COMPLEX; max and min (which MPI does not define for complex)
 *     are user-defined, ordering lexicographically by real part, then imaginary part.
 * User-defined operations are created on first use and live until MPI_Finalize frees them.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

_Static_assert(MLXMPI_REDUCE_SUM == 0, "frozen reduce op value");
_Static_assert(MLXMPI_REDUCE_MAX == 1, "frozen reduce op value");
_Static_assert(MLXMPI_REDUCE_MIN == 2, "frozen reduce op value");

/* ---- half-precision conversions (IEEE binary16 and bfloat16) ---- */

static float bits_to_float(uint32_t bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static uint32_t float_to_bits(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    if (exponent == 0x1F) { /* infinity or NaN; keep the payload's top bits */
        return bits_to_float(sign | 0x7F800000u | (mantissa << 13));
    }
    if (exponent == 0) { /* zero or subnormal: mantissa * 2^-24 */
        float magnitude = (float)mantissa * 0x1p-24f;
        return sign ? -magnitude : magnitude;
    }
    return bits_to_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

static uint16_t float_to_half(float f) {
    uint32_t bits = float_to_bits(f);
    uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
    uint32_t magnitude = bits & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u) { /* NaN stays a (quiet) NaN */
        return (uint16_t)(sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu));
    }
    if (magnitude >= 0x477FF000u) { /* rounds to more than 65504: infinity */
        return (uint16_t)(sign | 0x7C00u);
    }
    if (magnitude < 0x38800000u) { /* below the smallest normal half: subnormal or zero */
        /* In units of the smallest subnormal half (2^-24): the float's mantissa, with its
           implicit bit, shifted right, rounded to nearest even. */
        uint32_t exponent = magnitude >> 23;
        uint32_t shift = 126u - exponent;
        if (exponent == 0 || shift > 24u) {
            return sign; /* below half the smallest subnormal */
        }
        uint32_t mantissa = (magnitude & 0x7FFFFFu) | 0x800000u;
        uint32_t units = mantissa >> shift;
        uint32_t rest = mantissa & ((1u << shift) - 1u);
        uint32_t halfway = 1u << (shift - 1u);
        if (rest > halfway || (rest == halfway && (units & 1u))) {
            units++;
        }
        return (uint16_t)(sign | units);
    }
    /* Normal: drop 13 mantissa bits with round to nearest even; a carry bumps the exponent. */
    uint32_t rounded = magnitude + 0xFFFu + ((magnitude >> 13) & 1u);
    return (uint16_t)(sign | (uint16_t)((rounded - 0x38000000u) >> 13));
}

static float bfloat_to_float(uint16_t b) {
    return bits_to_float((uint32_t)b << 16);
}

static uint16_t float_to_bfloat(float f) {
    uint32_t bits = float_to_bits(f);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {
        return (uint16_t)((bits >> 16) | 0x40u); /* quiet NaN */
    }
    bits += 0x7FFFu + ((bits >> 16) & 1u); /* round to nearest even */
    return (uint16_t)(bits >> 16);
}

/* ---- the user-defined operations ---- */

/* NaN wins in max and min, as MLX's maximum and minimum propagate it. */
static float max_float(float a, float b) {
    return (isnan(a) || a > b) ? a : b;
}

static float min_float(float a, float b) {
    return (isnan(a) || a < b) ? a : b;
}

static float sum_float(float a, float b) {
    return a + b;
}

/* inout[i] = combine(in[i], inout[i]) over 16-bit words, through float. */
#define HALF_OP(name, to_float, from_float, combine)                                            \
    static void name(void* in, void* inout, int* length, MPI_Datatype* type) {                 \
        (void)type;                                                                             \
        const uint16_t* a = in;                                                                 \
        uint16_t* b = inout;                                                                    \
        for (int i = 0; i < *length; i++) {                                                     \
            b[i] = from_float(combine(to_float(a[i]), to_float(b[i])));                        \
        }                                                                                       \
    }

HALF_OP(half_sum, half_to_float, float_to_half, sum_float)
HALF_OP(half_max, half_to_float, float_to_half, max_float)
HALF_OP(half_min, half_to_float, float_to_half, min_float)
HALF_OP(bfloat_sum, bfloat_to_float, float_to_bfloat, sum_float)
HALF_OP(bfloat_max, bfloat_to_float, float_to_bfloat, max_float)
HALF_OP(bfloat_min, bfloat_to_float, float_to_bfloat, min_float)

/* Integer sum (wrapping, computed unsigned: signed overflow is undefined in C), max and min:
   inout[i] = combine(in[i], inout[i]), written as an expression of a (in) and b (inout). */
#define INT_LOOP(name, T, combine)                                                              \
    static void name(void* in, void* inout, int* length, MPI_Datatype* type) {                 \
        (void)type;                                                                             \
        const T* a_ = in;                                                                       \
        T* b_ = inout;                                                                          \
        for (int i = 0; i < *length; i++) {                                                     \
            T a = a_[i], b = b_[i];                                                             \
            b_[i] = (combine);                                                                  \
        }                                                                                       \
    }
#define INT_OPS(T, U, suffix)                                                                   \
    INT_LOOP(sum_##suffix, T, (T)((U)a + (U)b))                                                 \
    INT_LOOP(max_##suffix, T, a > b ? a : b)                                                    \
    INT_LOOP(min_##suffix, T, a < b ? a : b)

INT_OPS(uint8_t, uint8_t, u8)
INT_OPS(int8_t, uint8_t, i8)
INT_OPS(uint16_t, uint16_t, u16)
INT_OPS(int16_t, uint16_t, i16)
INT_OPS(uint32_t, uint32_t, u32)
INT_OPS(int32_t, uint32_t, i32)
INT_OPS(uint64_t, uint64_t, u64)
INT_OPS(int64_t, uint64_t, i64)

/* Lexicographic order on (real, imaginary): 1 when a > b. */
static int complex_greater(const float* a, const float* b) {
    return a[0] > b[0] || (a[0] == b[0] && a[1] > b[1]);
}

/* inout[i] = in[i] when `direction` (1: max, -1: min) says in[i] wins the lexicographic order. */
static void complex_pick(const float* a, float* b, int length, int direction) {
    for (int i = 0; i < length; i++) {
        const float* x = a + 2 * i;
        float* y = b + 2 * i;
        if (direction > 0 ? complex_greater(x, y) : complex_greater(y, x)) {
            y[0] = x[0];
            y[1] = x[1];
        }
    }
}

#define COMPLEX_OP(name, direction)                                                             \
    static void name(void* in, void* inout, int* length, MPI_Datatype* type) {                 \
        (void)type;                                                                             \
        complex_pick(in, inout, *length, direction);                                            \
    }

COMPLEX_OP(complex_max, 1)
COMPLEX_OP(complex_min, -1)

/* The user operations, by kind; MPI_OP_NULL until first use. Calls into the shim are
   serialised by its callers (one MPI call at a time), so creation needs no lock. */
enum user_op { SUM_U8, MAX_U8, MIN_U8, SUM_I8, MAX_I8, MIN_I8, SUM_U16, MAX_U16, MIN_U16, SUM_I16,
               MAX_I16, MIN_I16, SUM_U32, MAX_U32, MIN_U32, SUM_I32, MAX_I32, MIN_I32, SUM_U64,
               MAX_U64, MIN_U64, SUM_I64, MAX_I64, MIN_I64, HALF_SUM, HALF_MAX, HALF_MIN, BFLOAT_SUM, BFLOAT_MAX, BFLOAT_MIN, COMPLEX_MAX,
               COMPLEX_MIN, USER_OP_COUNT };

static MPI_User_function* const user_functions[USER_OP_COUNT] = {
    sum_u8,  max_u8,  min_u8,  sum_i8,  max_i8,  min_i8,  sum_u16, max_u16, min_u16, sum_i16,
    max_i16, min_i16, sum_u32, max_u32, min_u32, sum_i32, max_i32, min_i32, sum_u64, max_u64,
    min_u64, sum_i64, max_i64, min_i64, half_sum, half_max, half_min, bfloat_sum, bfloat_max, bfloat_min, complex_max, complex_min,
};
static MPI_Op user_ops[USER_OP_COUNT];
static int user_ops_ready[USER_OP_COUNT];

static int32_t user_op(int which, MPI_Op* op) {
    if (!user_ops_ready[which]) {
        int rc = MPI_Op_create(user_functions[which], /* commute */ 1, &user_ops[which]);
        if (rc != MPI_SUCCESS) {
            return mlxmpi_internal_mpi_error("MPI_Op_create", rc);
        }
        user_ops_ready[which] = 1;
    }
    *op = user_ops[which];
    return MLXMPI_STATUS_OK;
}

/* The first (sum) of an integer dtype's three user operations; max and min follow it. */
static int integer_op(int32_t dtype) {
    switch (dtype) {
    case MLXMPI_DTYPE_UINT8: return SUM_U8;
    case MLXMPI_DTYPE_INT8: return SUM_I8;
    case MLXMPI_DTYPE_UINT16: return SUM_U16;
    case MLXMPI_DTYPE_INT16: return SUM_I16;
    case MLXMPI_DTYPE_UINT32: return SUM_U32;
    case MLXMPI_DTYPE_INT32: return SUM_I32;
    case MLXMPI_DTYPE_UINT64: return SUM_U64;
    default: return SUM_I64;
    }
}

int32_t mlxmpi_internal_reduce_types(const char* function, int32_t dtype, int32_t op,
                                     MPI_Datatype* type, MPI_Op* mpi_op) {
    if (op < MLXMPI_REDUCE_SUM || op > MLXMPI_REDUCE_MIN) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: unknown reduce op %d (expected 0 sum, 1 max, 2 min)",
                                    function, (int)op);
    }
    static const int half_ops[] = {HALF_SUM, HALF_MAX, HALF_MIN};
    static const int bfloat_ops[] = {BFLOAT_SUM, BFLOAT_MAX, BFLOAT_MIN};
    switch (dtype) {
    case MLXMPI_DTYPE_BOOL:
        *type = MPI_UINT8_T;
        *mpi_op = op == MLXMPI_REDUCE_MIN ? MPI_LAND : MPI_LOR;
        return MLXMPI_STATUS_OK;
    case MLXMPI_DTYPE_UINT8:
    case MLXMPI_DTYPE_INT8:
    case MLXMPI_DTYPE_UINT16:
    case MLXMPI_DTYPE_INT16:
    case MLXMPI_DTYPE_UINT32:
    case MLXMPI_DTYPE_INT32:
    case MLXMPI_DTYPE_UINT64:
    case MLXMPI_DTYPE_INT64:
        *type = mlxmpi_internal_dtype_mpi_type(dtype);
        return user_op(integer_op(dtype) + op, mpi_op);
    case MLXMPI_DTYPE_FLOAT16:
        *type = MPI_UINT16_T;
        return user_op(half_ops[op], mpi_op);
    case MLXMPI_DTYPE_BFLOAT16:
        *type = MPI_UINT16_T;
        return user_op(bfloat_ops[op], mpi_op);
    case MLXMPI_DTYPE_COMPLEX64:
        *type = MPI_C_FLOAT_COMPLEX;
        if (op == MLXMPI_REDUCE_SUM) {
            *mpi_op = MPI_SUM;
            return MLXMPI_STATUS_OK;
        }
        return user_op(op == MLXMPI_REDUCE_MAX ? COMPLEX_MAX : COMPLEX_MIN, mpi_op);
    default:
        break;
    }
    *type = mlxmpi_internal_dtype_mpi_type(dtype);
    if (*type == MPI_DATATYPE_NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s: unknown dtype %d",
                                    function, (int)dtype);
    }
    *mpi_op = op == MLXMPI_REDUCE_SUM ? MPI_SUM : op == MLXMPI_REDUCE_MAX ? MPI_MAX : MPI_MIN;
    return MLXMPI_STATUS_OK;
}

/* For the native tests: the conversions the user operations round through. */
float mlxmpi_internal_half_to_float(uint16_t h) { return half_to_float(h); }
uint16_t mlxmpi_internal_float_to_half(float f) { return float_to_half(f); }
float mlxmpi_internal_bfloat_to_float(uint16_t b) { return bfloat_to_float(b); }
uint16_t mlxmpi_internal_float_to_bfloat(float f) { return float_to_bfloat(f); }
