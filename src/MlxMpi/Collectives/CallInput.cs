using System.Runtime.CompilerServices;

namespace MlxMpi.Collectives;

/// <summary>What a call's input was: what the flight recorder and events show. Shape is null when there was none.</summary>
internal readonly struct CallInput
{
    internal readonly int[]? Shape;
    internal readonly Dtype Dtype;
    internal readonly long Bytes;

    [MethodImpl(HotPath.Inlined)]
    internal CallInput(int[]? shape, Dtype dtype, long bytes) => (Shape, Dtype, Bytes) = (shape, dtype, bytes);

    [MethodImpl(HotPath.Optimized)]
    internal static CallInput Of(MlxArray? x) => x?.DescribeForCall() ?? default;
}
