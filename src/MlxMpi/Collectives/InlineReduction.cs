using System.Numerics;
using System.Runtime.CompilerServices;
using MlxMpi.Interop;

namespace MlxMpi.Collectives;

/// <summary>
/// Combines one rank's inline payload into the result, as MPI_Reduce_local with the shim's operations would
/// (inout = in op inout), for the element types whose rules are plain arithmetic: integers (wrapping sums) and
/// float32/float64 (as MPI's predefined MPI_SUM/MPI_MAX/MPI_MIN compute them). A P/Invoke and MPI's op dispatch cost
/// more than the few elements that fit in a header slot; the other dtypes (float16, bfloat16, complex64, bool) go
/// to the shim, whose user-defined operations define them.
/// </summary>
internal static unsafe class InlineReduction
{
    [MethodImpl(HotPath.Optimized)]
    internal static void Combine(Dtype dtype, ReduceOp op, byte* input, byte* inout, long elements)
    {
        switch (dtype)
        {
            case Dtype.Float32: Numbers<float>(op, input, inout, elements); return;
            case Dtype.Float64: Numbers<double>(op, input, inout, elements); return;
            case Dtype.Int32: Numbers<int>(op, input, inout, elements); return;
            case Dtype.Int64: Numbers<long>(op, input, inout, elements); return;
            case Dtype.UInt32: Numbers<uint>(op, input, inout, elements); return;
            case Dtype.UInt64: Numbers<ulong>(op, input, inout, elements); return;
            case Dtype.Int16: Numbers<short>(op, input, inout, elements); return;
            case Dtype.UInt16: Numbers<ushort>(op, input, inout, elements); return;
            case Dtype.Int8: Numbers<sbyte>(op, input, inout, elements); return;
            case Dtype.UInt8: Numbers<byte>(op, input, inout, elements); return;
            default: ShimCalls.ReduceLocal(input, inout, elements, (int)dtype, op); return;
        }
    }

    [MethodImpl(HotPath.Optimized)]
    private static void Numbers<T>(ReduceOp op, byte* input, byte* inout, long elements) where T : unmanaged, INumber<T>
    {
        var a = (T*)input;
        var b = (T*)inout;
        for (long i = 0; i < elements; i++)
        {
            // The same expressions as the MPI operations: in + inout; (in > inout) ? in : inout; (in < inout) ? ...
            b[i] = op switch
            {
                ReduceOp.Sum => unchecked(a[i] + b[i]),
                ReduceOp.Max => a[i] > b[i] ? a[i] : b[i],
                _ => a[i] < b[i] ? a[i] : b[i],
            };
        }
    }
}
