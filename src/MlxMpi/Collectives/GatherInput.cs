using System.Runtime.CompilerServices;

namespace MlxMpi.Collectives;

/// <summary>
/// The local checks every gather makes of its input before the header phase. They return (not throw) what is
/// wrong, so that the failure can be announced to the other ranks instead of leaving them waiting.
/// </summary>
internal static class GatherInput
{
    [MethodImpl(HotPath.Optimized)]
    internal static Exception? Validate(MlxArray? x, Stream? stream)
    {
        if (x is null)
            return new ArgumentNullException(nameof(x), "the input array x is null");
        if (x.IsDisposed)
            return new ObjectDisposedException(null, "the input array x is disposed");
        if (stream is not null && stream.Device != x.Device)
            return new ArgumentException($"the stream is on {stream.Device} but x is on {x.Device}", nameof(stream));
        if (x.Ndim > HeaderSlot.MaxNdim)
            return new ArgumentException($"a gather supports up to {HeaderSlot.MaxNdim} dimensions; x has {x.Ndim}", nameof(x));
        return null;
    }

    /// <summary>A handle on x that survives the caller disposing x while an async gather waits its turn.</summary>
    internal static MlxArray? HoldForLater(MlxArray? x) => x is { IsDisposed: false } ? x.ShareView() : null;
}
