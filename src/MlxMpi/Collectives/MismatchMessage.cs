using System.Text;

namespace MlxMpi.Collectives;

/// <summary>
/// Words for a failed header phase. Built only from the exchanged slots, never from local state, so that every
/// rank throws the very same message.
/// </summary>
internal static unsafe class MismatchMessage
{
    internal static string ForFailures(HeaderExchange slots, int size, CollectiveOp op, long sequence, IReadOnlyList<int> failed)
    {
        var text = new StringBuilder($"{op} (collective #{sequence} on a group of {size} ranks) could not run: ");
        for (var i = 0; i < failed.Count; i++)
        {
            if (i > 0)
                text.Append("; ");
            text.Append($"rank {failed[i]} failed: {HeaderSlot.FailureMessageOf(slots.Received(failed[i]))}");
        }
        return text.ToString();
    }

    internal static string ForDisagreement(HeaderExchange slots, int size)
    {
        var first = slots.Received(0);
        var desync = false;
        for (var rank = 1; rank < size; rank++)
        {
            var slot = slots.Received(rank);
            desync |= !slots.IsWellFormed(rank) || !slots.IsWellFormed(0) || HeaderSlot.OpOf(slot) != HeaderSlot.OpOf(first)
                      || HeaderSlot.SequenceOf(slot) != HeaderSlot.SequenceOf(first);
        }

        // Ranks with the same description are listed together, in order of first appearance.
        var groups = new List<(string Description, List<int> Ranks)>();
        for (var rank = 0; rank < size; rank++)
        {
            var description = slots.IsWellFormed(rank)
                ? Describe(slots.Received(rank), desync)
                : $"not speaking MlxMpi header protocol version {HeaderSlot.Version}";
            var index = groups.FindIndex(g => g.Description == description);
            if (index < 0)
                groups.Add((description, [rank]));
            else
                groups[index].Ranks.Add(rank);
        }
        var parts = string.Join("; ", groups.Select(g => $"{RankList(g.Ranks)}: {g.Description}"));

        return desync
            ? $"Collective desync on a group of {size} ranks: the ranks are not in the same collective ({parts}). " +
              "Every rank of a group must make the same collective calls in the same order."
            : $"{HeaderSlot.OpOf(first)} (collective #{HeaderSlot.SequenceOf(first)} on a group of {size} ranks): " +
              $"the ranks disagree on the input ({parts}). " + (HeaderSlot.OpOf(first) == CollectiveOp.AllGatherUneven
                  ? "Every rank must pass arrays with the same trailing dimensions and dtype."
                  : "Every rank must pass an array of the same shape and dtype.");
    }

    private static string Describe(byte* slot, bool withOp)
    {
        var input = HeaderSlot.OpOf(slot) == CollectiveOp.Split
            ? ""
            : $"shape {FormatShape(HeaderSlot.ShapeOf(slot))} {DtypeName(HeaderSlot.DtypeOf(slot))}" +
              (HeaderSlot.DeviceTypeOf(slot) == DeviceType.Gpu ? " on gpu" : "");
        if (!withOp)
            return input;
        var call = $"{HeaderSlot.OpOf(slot)} #{HeaderSlot.SequenceOf(slot)}";
        return input.Length == 0 ? call : $"{call} with {input}";
    }

    private static string DtypeName(Dtype dtype) => DtypeInfo.IsDefined(dtype) ? DtypeInfo.NameOf(dtype) : $"dtype {(int)dtype}";

    private static string FormatShape(int[] shape) => ShapeMath.Format(shape);

    /// <summary>"rank 3" or "ranks 0-2, 5".</summary>
    internal static string RankList(IReadOnlyList<int> ranks)
    {
        var runs = new List<string>();
        for (var i = 0; i < ranks.Count;)
        {
            var j = i;
            while (j + 1 < ranks.Count && ranks[j + 1] == ranks[j] + 1)
                j++;
            runs.Add(j == i ? $"{ranks[i]}" : j == i + 1 ? $"{ranks[i]}, {ranks[j]}" : $"{ranks[i]}-{ranks[j]}");
            i = j + 1;
        }
        return (ranks.Count == 1 ? "rank " : "ranks ") + string.Join(", ", runs);
    }
}
