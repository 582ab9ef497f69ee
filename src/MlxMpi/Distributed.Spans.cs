using MlxMpi.Collectives;

namespace MlxMpi;

// Beyond MLX: gathers and reductions of 1-D .NET data (arrays, spans, the span of a Memory) without MlxArray. The
// element type T picks the dtype as MlxArray.FromArray does (bool, byte, sbyte, short, ushort, int, uint, long, ulong,
// Half, BFloat16, float, double, Complex64). Managed memory is pinned for the call only (a fixed block) and viewed in
// place: a gather reads the input where it lies and writes every rank's block straight into the result, with no copy
// in or out. The checks across ranks are those of the MlxArray overloads (the input is a 1-D array of x.Length
// elements), and a local failure on one rank (an element type that has no dtype, an output of the wrong length) throws
// there and makes every other rank throw CollectiveMismatchException instead of waiting.
public static unsafe partial class Distributed
{
    /// <summary>
    /// Gathers <paramref name="x"/> from every rank of <paramref name="group"/> and returns the blocks concatenated in rank
    /// order (<c>x.Length * group.Size</c> elements). Every rank must pass the same length; a mismatch throws
    /// CollectiveMismatchException on every rank. On a group of one the result is a copy of x.
    /// </summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an MLX element type (on the other ranks:
    /// CollectiveMismatchException naming this rank).</exception>
    public static T[] AllGather<T>(ReadOnlySpan<T> x, Group? group = null) where T : unmanaged
    {
        var g = group ?? Init();
        g.ThrowIfDisposed();
        var total = (long)x.Length * g.Size;
        T[] result = [];
        Exception? failure = null;
        if (total > Array.MaxLength)
            failure = new ArgumentException($"the result would hold {x.Length} x {g.Size} = {total} elements, more than a .NET array can; gather into a native MlxArray instead", nameof(x));
        else
            result = GC.AllocateUninitializedArray<T>((int)total); // every element is written by the gather
        GatherSpan(x, result, g, failure);
        return result;
    }

    /// <summary>Gathers <paramref name="x"/> as <see cref="AllGather{T}(ReadOnlySpan{T}, Group?)"/> does.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null (reported to the other ranks too).</exception>
    public static T[] AllGather<T>(T[] x, Group? group = null) where T : unmanaged
    {
        if (x is not null)
            return AllGather((ReadOnlySpan<T>)x, group);
        GatherSpan(ReadOnlySpan<T>.Empty, Span<T>.Empty, group ?? Init(), new ArgumentNullException(nameof(x), "the input array x is null"));
        return []; // not reached: the gather throws the failure
    }

    /// <summary>
    /// Gathers <paramref name="x"/> from every rank straight into <paramref name="output"/>, which must hold exactly
    /// <c>x.Length * group.Size</c> elements and not overlap x. Reusing one output across calls allocates nothing per call.
    /// A wrong output on any rank throws ArgumentException there and CollectiveMismatchException on the others, and
    /// output is not written. On a group of one x is copied into output.
    /// </summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an MLX element type, or the output has the
    /// wrong length or overlaps x.</exception>
    public static void AllGatherInto<T>(ReadOnlySpan<T> x, Span<T> output, Group? group = null) where T : unmanaged =>
        GatherSpan(x, output, group ?? Init(), null);

    /// <summary>Both spans as 1-D arrays over their pinned memory, through AllGatherInto's path (its checks, its header
    /// phase), with <paramref name="failure"/> or an unsupported element type announced instead of taking part.</summary>
    private static void GatherSpan<T>(ReadOnlySpan<T> x, Span<T> output, Group group, Exception? failure) where T : unmanaged =>
        OnPinnedViews(x, output, inPlace: false, failure, group,
                      static (g, input, destination, problem) => ViewCalls.GatherInto(g, input, destination, problem));

    /// <summary>
    /// Runs <paramref name="call"/> on both spans as 1-D MlxArray views of their memory, pinned only for the call (one view
    /// for both when <paramref name="inPlace"/>), or with no views and the failure to announce: <paramref name="failure"/>,
    /// or an element type MLX lacks. The views end with the fixed block: nothing may use the pinned memory after it.
    /// </summary>
    private static void OnPinnedViews<T, TState>(ReadOnlySpan<T> x, Span<T> output, bool inPlace, Exception? failure, TState state,
                                                 Action<TState, MlxArray?, MlxArray?, Exception?> call) where T : unmanaged
    {
        if (!DtypeInfo.TryOf<T>(out var dtype))
            failure ??= DtypeInfo.NotAnElementType(typeof(T), nameof(T));
        MlxArray? input = null, destination = null;
        fixed (T* source = x)
        fixed (T* target = output)
        {
            try
            {
                if (failure is null)
                {
                    input = MlxArray.ViewOfPinned((byte*)source, dtype, [x.Length], null, (long)x.Length * sizeof(T));
                    destination = inPlace ? input : MlxArray.ViewOfPinned((byte*)target, dtype, [output.Length], null, (long)output.Length * sizeof(T));
                }
                call(state, input, destination, failure);
            }
            finally
            {
                input?.Dispose();
                if (!inPlace)
                    destination?.Dispose();
            }
        }
    }
}
