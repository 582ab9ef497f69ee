using System.Diagnostics;
using System.Runtime.CompilerServices;
using MlxMpi.Collectives;

namespace MlxMpi.Diagnostics;

/// <summary>What one collective call was: kept by value, with the shape inline, so recording it allocates nothing.</summary>
internal struct CollectiveRecord
{
    internal const int ShapeCapacity = 8;

    internal CollectiveOp Op;
    internal long Sequence;
    internal int GroupRank;
    internal int GroupSize;
    internal int GroupId;
    internal bool HasInput;
    internal Dtype Dtype;
    internal int Ndim;
    internal long Bytes; // this rank's contribution
    internal Dims Shape;
    internal long StartTimestamp; // Stopwatch ticks; 0 when the collective was not timed (nobody needed durations)
    internal long EndTimestamp;
    internal bool Failed;
    internal long Ordinal; // how many collectives this process completed before this one: tells two records apart

    [InlineArray(ShapeCapacity)]
    internal struct Dims
    {
        private int first;
    }

    internal static CollectiveRecord Start(Group group, CollectiveOp op, long sequence, MlxArray? input, long startTimestamp)
    {
        var record = new CollectiveRecord
        {
            Op = op,
            Sequence = sequence,
            GroupRank = group.Rank,
            GroupSize = group.Size,
            GroupId = group.Id,
            StartTimestamp = startTimestamp,
        };
        if (input is { IsDisposed: false })
        {
            record.HasInput = true;
            record.Dtype = input.Dtype;
            var shape = input.ShapeArray;
            record.Ndim = shape.Length;
            record.Bytes = input.NBytes;
            for (var d = 0; d < Math.Min(shape.Length, ShapeCapacity); d++)
                record.Shape[d] = shape[d];
        }
        return record;
    }

    internal readonly bool IsTimed => StartTimestamp != 0;

    internal readonly TimeSpan Elapsed(long now) => IsTimed ? Stopwatch.GetElapsedTime(StartTimestamp, now) : TimeSpan.Zero;

    /// <summary>"AllGather #17 on group rank 2 of 3, shape (4, 3) float32".</summary>
    internal readonly string Describe()
    {
        var text = $"{Op} #{Sequence} on group {GroupId} (rank {GroupRank} of {GroupSize})";
        return HasInput ? $"{text}, shape {ShapeText()} {DtypeInfo.NameOf(Dtype)}" : text;
    }

    /// <summary>The input's shape as MLX prints it, "(4, 3)"; empty when there was no input.</summary>
    internal readonly string ShapeText()
    {
        if (!HasInput)
            return "";
        var dims = new List<string>();
        for (var d = 0; d < Math.Min(Ndim, ShapeCapacity); d++)
            dims.Add(Shape[d].ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Ndim > ShapeCapacity)
            dims.Add("...");
        return Ndim == 1 ? $"({dims[0]},)" : $"({string.Join(", ", dims)})";
    }
}
