using System.Diagnostics;
using MlxMpi.Collectives;

namespace MlxMpi.Diagnostics;

/// <summary>
/// What one collective call was. Written field by field into the flight recorder's ring on the hot path, so it
/// holds references (the group, the input's shape array, both immutable) instead of copies: recording costs a
/// few stores, and the words are made only when a report or an event needs them.
/// </summary>
internal struct CollectiveRecord
{
    internal CollectiveOp Op;
    internal long Sequence;
    internal Group Group;
    internal int[]? Shape; // the input's shape; null when there was no usable input
    internal Dtype Dtype;
    internal long Bytes; // this rank's contribution
    internal long StartTimestamp; // Stopwatch ticks; 0 when the collective was not timed (nobody needed durations)
    internal long EndTimestamp;
    internal bool Failed;
    internal long Ordinal; // how many collectives this process completed before this one: tells two records apart

    internal readonly int GroupRank => Group.Rank;

    internal readonly int GroupSize => Group.Size;

    internal readonly int GroupId => Group.Id;

    internal readonly bool HasInput => Shape is not null;

    internal readonly bool IsTimed => StartTimestamp != 0;

    internal readonly TimeSpan Elapsed(long now) => IsTimed ? Stopwatch.GetElapsedTime(StartTimestamp, now) : TimeSpan.Zero;

    /// <summary>"AllGather #17 on group 1 (rank 2 of 3), shape (4, 3) float32".</summary>
    internal readonly string Describe()
    {
        var text = $"{Op} #{Sequence} on group {GroupId} (rank {GroupRank} of {GroupSize})";
        return HasInput ? $"{text}, shape {ShapeText()} {DtypeInfo.NameOf(Dtype)}" : text;
    }

    /// <summary>The input's shape as MLX prints it, "(4, 3)"; empty when there was no input.</summary>
    internal readonly string ShapeText()
    {
        if (Shape is not { } shape)
            return "";
        var dims = shape.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return dims.Length == 1 ? $"({dims[0]},)" : $"({string.Join(", ", dims)})";
    }
}
