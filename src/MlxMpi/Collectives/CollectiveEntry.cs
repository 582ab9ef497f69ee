using System.Runtime.CompilerServices;
namespace MlxMpi.Collectives;

/// <summary>
/// The public operations' way in: a group of one answers locally with MLX's rules (the input itself; a copy into an
/// output; a view for async calls), every other group runs the op's call on the skeleton, now or queued.
/// </summary>
internal static class CollectiveEntry
{
    /// <summary>An op whose result on a group of one is x itself (all_gather, all_sum, all_max, all_min, sum_scatter).</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static MlxArray Run<TCall>(Group group, MlxArray x, Stream? stream, TCall call) where TCall : struct, ICollectiveCall<MlxArray>
    {
        if (group.Size != 1)
            return CollectiveSkeleton.Run<TCall, MlxArray>(group, call);
        group.ThrowIfDisposed();
        return CallChecks.Input(x, stream) is { } failure ? throw failure : x;
    }

    /// <summary>An ...Into op: on a group of one, x's values are copied into output (nothing to do when output is x).</summary>
    /// <paramref name="gathered"/>: the output has all_gather's shape (x's, or [1] for a 0-d x), else x's shape
    /// exactly, and may be x itself (an in-place reduction).
    [MethodImpl(HotPath.Optimized)]
    internal static void RunInto<TCall>(Group group, MlxArray x, MlxArray output, Stream? stream, TCall call, bool gathered)
        where TCall : struct, ICollectiveCall<MlxArray>
    {
        if (group.Size != 1)
        {
            CollectiveSkeleton.Run<TCall, MlxArray>(group, call);
            return;
        }
        group.ThrowIfDisposed();
        var failure = CallChecks.Input(x, stream);
        if (failure is null)
        {
            failure = gathered
                ? CallChecks.Output(x, output, ShapeMath.GatheredShape(x.ShapeArray, 1), CallChecks.ShapeRule.Gathered, 1)
                : CallChecks.Output(x, output, x.ShapeArray, CallChecks.ShapeRule.SameAsInput, 1, mayBeInput: true);
        }
        if (failure is not null)
            throw failure;
        if (ReferenceEquals(x, output))
            return;
        x.CopyValuesTo(output);
    }

    /// <summary>An async op: queued behind every collective started before; on a group of one a view of x (the caller
    /// may dispose x as soon as the call returns). <paramref name="callOn"/> makes the call for the input it will read
    /// (a view that outlives the caller's x), from <paramref name="argument"/>: a static lambda, so queueing allocates
    /// no closure.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static Task<MlxArray> RunAsync<TCall, TArgument>(Group group, MlxArray? x, Stream? stream, TArgument argument,
                                                              Func<MlxArray?, Stream?, TArgument, TCall> callOn, CancellationToken cancellationToken)
        where TCall : struct, ICollectiveCall<MlxArray>
    {
        group.ThrowIfDisposed();
        if (group.Size == 1)
        {
            if (cancellationToken.IsCancellationRequested)
                return Task.FromCanceled<MlxArray>(cancellationToken);
            return CallChecks.Input(x, stream) is { } failure ? Task.FromException<MlxArray>(failure) : Task.FromResult(x!.ShareView());
        }
        var held = CallChecks.HoldForLater(x);
        return CollectiveSkeleton.Enqueue<TCall, MlxArray>(group, callOn(held ?? x, stream, argument), held, cancellationToken);
    }
}
