using System.Diagnostics.CodeAnalysis;

namespace MlxMpi.Collectives;

/// <summary>
/// The ...Into collectives over views of caller memory (spans, tensors, torch storage), with a failure found before any
/// view could be made announced through the header phase instead: then this rank throws it, and the others throw
/// CollectiveMismatchException naming this rank and saying why, exactly as for an invalid MlxArray.
/// </summary>
internal static class ViewCalls
{
    /// <summary>AllGatherInto of <paramref name="x"/> into <paramref name="output"/>, or the announcement of <paramref name="failure"/>.</summary>
    internal static void GatherInto(Group group, MlxArray? x, MlxArray? output, Exception? failure)
    {
        if (failure is null)
            CollectiveEntry.RunInto(group, x!, output!, null, new AllGatherCall(x, output, null, into: true), gathered: true);
        else
            Announce(group, CollectiveOp.AllGatherInto, failure);
    }

    /// <summary>AllSumInto (or AllMaxInto, AllMinInto) of <paramref name="x"/> into <paramref name="output"/>, which may be x
    /// itself, or the announcement of <paramref name="failure"/>.</summary>
    internal static void ReduceInto(Group group, CollectiveOp op, MlxArray? x, MlxArray? output, Exception? failure)
    {
        if (failure is null)
            CollectiveEntry.RunInto(group, x!, output!, null, ReductionCall.AllReduce(op, x, output, null), gathered: false);
        else
            Announce(group, op, failure);
    }

    /// <summary>Reports <paramref name="failure"/> to the other ranks in place of taking part in <paramref name="op"/>, then
    /// throws it here (on a group of one at once).</summary>
    [DoesNotReturn]
    internal static void Announce(Group group, CollectiveOp op, Exception failure)
    {
        group.ThrowIfDisposed();
        if (group.Size > 1)
            CollectiveSkeleton.Run<LocalFailureCall, MlxArray>(group, new LocalFailureCall(op, failure));
        throw failure; // the skeleton throws it first; here for a group of one
    }
}
