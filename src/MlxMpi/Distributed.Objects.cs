using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MlxMpi.Collectives;

namespace MlxMpi;

// Beyond MLX: gathering .NET objects, as mpi4py's comm.allgather and MPI.NET's Allgather<T> do, but over System.Text.Json
// (MPI.NET's BinaryFormatter throws on .NET 9 and later). Three steps, each an existing collective:
//   1. a 16-byte AllGather of (hash of T's name, JSON length or -1 when serializing failed): one header-phase call, inline;
//   2. when any rank failed or the hashes differ, everyone knows it from step 1 and throws; for a type mismatch the type
//      names are gathered first (AllGatherUneven), so the message, the same on every rank, names each rank's type;
//   3. otherwise one AllGatherUneven of the UTF-8 JSON, read in place and deserialized per rank.
public static unsafe partial class Distributed
{
    /// <summary>
    /// Gathers one object from every rank of <paramref name="group"/>, in rank order, serialized with System.Text.Json
    /// (reflection-based, with <paramref name="options"/> or the defaults). Payload sizes may differ between ranks. Every
    /// rank must pass the same <typeparamref name="T"/> (compared by full type name): a mismatch throws
    /// CollectiveMismatchException on every rank naming each rank's type. A value that cannot be serialized throws its
    /// exception on its rank and CollectiveMismatchException on the others. On a group of one the value still makes the
    /// round trip through JSON, so the result never aliases the input and behaves as on many ranks.
    /// </summary>
    /// <returns>One deserialized value per rank, in rank order (this rank's own value included, as a copy).</returns>
    [RequiresUnreferencedCode("Reflection-based JSON serialization; pass a source-generated JsonTypeInfo<T> for trimmed or AOT apps.")]
    [RequiresDynamicCode("Reflection-based JSON serialization; pass a source-generated JsonTypeInfo<T> for trimmed or AOT apps.")]
    public static T[] AllGatherObject<T>(T value, Group? group = null, JsonSerializerOptions? options = null) =>
        AllGatherObject(value, (JsonTypeInfo<T>)(options ?? JsonSerializerOptions.Default).GetTypeInfo(typeof(T)), group);

    /// <summary>Gathers one object from every rank as <see cref="AllGatherObject{T}(T, Group?, JsonSerializerOptions?)"/>
    /// does, with a source-generated (trimming- and AOT-safe) <paramref name="typeInfo"/>.</summary>
    public static T[] AllGatherObject<T>(T value, JsonTypeInfo<T> typeInfo, Group? group = null)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var g = group ?? Init();
        g.ThrowIfDisposed();
        var typeName = typeInfo.Type.FullName ?? typeInfo.Type.Name;
        byte[] json = [];
        Exception? failure = null;
        try
        {
            json = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        }
        catch (Exception e)
        {
            failure = e;
        }

        ReadOnlySpan<long> header = [TypeHash(typeName), failure is null ? json.Length : -1];
        var headers = AllGather(header, g);
        var failed = RanksWhere(g.Size, rank => headers[2 * rank + 1] < 0);
        if (failed.Count > 0)
        {
            if (failure is not null)
                throw failure;
            throw new CollectiveMismatchException($"AllGatherObject<{typeName}>: {MismatchMessage.RankList(failed)} could not serialize " +
                                                  "its value to JSON (the exception is on that rank)", failed);
        }
        var differing = RanksWhere(g.Size, rank => headers[2 * rank] != headers[0]);
        if (differing.Count > 0)
            throw TypeMismatch(typeName, differing, g);

        using var gathered = GatherBytes(json, g);
        var all = new ReadOnlySpan<byte>(gathered.DataPointer, checked((int)gathered.NBytes));
        var result = new T[g.Size];
        var offset = 0;
        for (var rank = 0; rank < g.Size; rank++)
        {
            var length = (int)headers[2 * rank + 1];
            result[rank] = JsonSerializer.Deserialize(all.Slice(offset, length), typeInfo)!;
            offset += length;
        }
        return result;
    }

    /// <summary>Every rank's bytes concatenated in rank order, gathered from a view of <paramref name="bytes"/> (no copy in).</summary>
    private static MlxArray GatherBytes(byte[] bytes, Group group)
    {
        fixed (byte* source = bytes)
        {
            using var view = MlxArray.ViewOfPinned(source, Dtype.UInt8, [bytes.Length], null, bytes.Length);
            var gathered = AllGatherUneven(view, group);
            // On a group of one the "result" is the view itself, which dies with the fixed block: keep a copy then.
            return ReferenceEquals(gathered, view) ? MlxArray.FromArray(bytes) : gathered;
        }
    }

    /// <summary>The ranks disagree on T: gather the names (a collective every rank makes, since every rank saw the
    /// mismatch) so the message names each rank's type, identically everywhere.</summary>
    private static CollectiveMismatchException TypeMismatch(string typeName, List<int> differing, Group group)
    {
        using var names = GatherBytes(Encoding.UTF8.GetBytes(typeName + "\n"), group);
        var text = Encoding.UTF8.GetString(new ReadOnlySpan<byte>(names.DataPointer, checked((int)names.NBytes)));
        var perRank = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select((name, rank) => $"rank {rank}: {name}");
        return new CollectiveMismatchException($"AllGatherObject: the ranks gather different types ({string.Join(", ", perRank)}); " +
                                               $"{MismatchMessage.RankList(differing)} differ from rank 0", differing);
    }

    private static List<int> RanksWhere(int size, Func<int, bool> predicate)
    {
        var ranks = new List<int>();
        for (var rank = 0; rank < size; rank++)
        {
            if (predicate(rank))
                ranks.Add(rank);
        }
        return ranks;
    }

    /// <summary>FNV-1a over the UTF-8 name: the same in every process, unlike string.GetHashCode.</summary>
    private static long TypeHash(string typeName)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(typeName))
            hash = (hash ^ b) * 1099511628211UL;
        return unchecked((long)hash);
    }
}
