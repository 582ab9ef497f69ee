namespace MlxMpi.MpiNetWorker;

/// <summary>
/// The supported order: MPI.NET starts MPI, MlxMpi shares it, adopts a communicator MPI.NET split, and hands its own
/// back. Every check prints one RESULT line per rank. Data comes from the launch's seed and the world rank, so each
/// rank can compute every other rank's block and check every gathered element.
/// </summary>
internal static class SharedWorld
{
    public static int Run(string[] args, ulong seed)
    {
        MpiNetOnMpich.MapImportsToMpich();
        var finalized = false;
        int failures;
        using (var environment = new MPI.Environment(ref args))
        {
            var world = MPI.Communicator.world;
            var report = new Report(world.Rank);
            report.Check("mpinet_world", () => world is null ? "MPI.NET's Communicator.world is null" : null);
            failures = Checks(world, report, seed);
        }
        finalized = MPI.Environment.Finalized;
        if (!finalized)
        {
            Console.Error.WriteLine("MPI.NET's Environment.Dispose did not finalize MPI");
            failures++;
        }
        // After MPI_Finalize no MPI call is allowed, so the last line comes from the launcher's rank variable.
        var rank = int.TryParse(Environment.GetEnvironmentVariable("PMI_RANK"), out var r) ? r : -1;
        Console.Out.WriteLine($"RESULT {rank} mpinet_finalized {(finalized ? "PASS" : "FAIL MPI.NET did not finalize")}");
        Console.Out.Flush();
        return failures == 0 ? 0 : 1;
    }

    private static int Checks(MPI.Intracommunicator world, Report report, ulong seed)
    {
        int size = world.Size, rank = world.Rank;
        var worldHandle = MpiNetOnMpich.Handle(world);

        // Parity halves, each in reverse world order: a rank mix-up between the bindings would show. Split before
        // MlxMpi starts, so the split has MPI.NET's handler whatever MlxMpi's Init does to MPI_COMM_WORLD.
        var split = (MPI.Intracommunicator)world.Split(rank % 2, size - rank);
        var splitHandle = MpiNetOnMpich.Handle(split);

        // MPI.NET 1.4.0 itself puts MPI_ERRORS_RETURN on MPI_COMM_WORLD (it turns error codes into exceptions), the
        // handler MlxMpi wants on its own communicators, so a change would not show. A host that wants MPI errors
        // fatal sets that; MlxMpi must leave it so.
        MpiNetOnMpich.SetErrorHandler(worldHandle, MpiNetOnMpich.ErrorsAreFatal);
        MpiNetOnMpich.SetErrorHandler(splitHandle, MpiNetOnMpich.ErrorsAreFatal);

        var mlxWorld = Distributed.Init(strict: true);
        report.Check("mlx_shares_world", () => mlxWorld.Rank == rank && mlxWorld.Size == size
            ? null : $"MlxMpi's world is rank {mlxWorld.Rank} of {mlxWorld.Size}, MPI.NET's {rank} of {size}");
        int[] members = [.. Enumerable.Range(0, size).Where(r => r % 2 == rank % 2).OrderByDescending(r => r)];

        using var group = Group.FromNative(splitHandle);
        report.Check("adopted_rank_size", () => group.Rank == split.Rank && group.Size == split.Size && group.Rank == Array.IndexOf(members, rank)
            ? null : $"adopted group is rank {group.Rank} of {group.Size}; MPI.NET's split says {split.Rank} of {split.Size}");
        report.Check("adopted_is_a_duplicate", () => group.NativeHandle != splitHandle
            ? null : "Group.NativeHandle is MPI.NET's own handle, not MlxMpi's duplicate");

        var length = 1 + (int)(seed % 29);
        report.Check("gather_equals_mpinet_double", () => CompareGathers(split, group, members, seed, length, Data.Doubles));
        report.Check("gather_equals_mpinet_int", () => CompareGathers(split, group, members, seed ^ 0x5bd1e995, length + 3, Data.Ints));

        report.Check("mismatch_caught_on_adopted", () =>
        {
            using var x = MlxArray.FromArray(Data.Doubles(seed, rank, group.Rank == 0 ? length + 1 : length));
            try
            {
                var result = Distributed.AllGather(x, group);
                // A group of one has nobody to disagree with: MLX returns the input itself.
                if (group.Size == 1)
                    return ReferenceEquals(result, x) ? null : "a group of one did not return its input itself";
                result.Dispose();
                return "a gather with a different length on group rank 0 did not throw";
            }
            catch (CollectiveMismatchException e)
            {
                return e.Message.Contains("rank", StringComparison.Ordinal) ? null : $"message names no rank: {e.Message}";
            }
        });
        report.Check("adopted_usable_after_mismatch", () => CompareGathers(split, group, members, seed + 7, length, Data.Doubles));

        // MlxMpi's ERRORS_RETURN must stay on its duplicates: the host's communicators keep the handler it set.
        report.Check("mpinet_split_keeps_errhandler", () => HandlerCheck(splitHandle, "the split MPI.NET made"));
        report.Check("mpinet_world_keeps_errhandler", () => HandlerCheck(worldHandle, "MPI.NET's world (MPI_COMM_WORLD)"));

        // The other way: MPI.NET adopts MlxMpi's communicator and gathers on it. MPI.NET's Dispose of an adopted
        // communicator frees it (MPI_Comm_free), and the group still owns this one, so the wrapper is not disposed.
        report.Check("mpinet_adopts_native_handle", () =>
        {
            var adopted = (MPI.Intracommunicator)MPI.Communicator.Adopt((int)group.NativeHandle);
            if (adopted.Rank != group.Rank || adopted.Size != group.Size)
                return $"MPI.NET sees rank {adopted.Rank} of {adopted.Size}, the group is {group.Rank} of {group.Size}";
            var worldRanks = adopted.Allgather(rank);
            return worldRanks.SequenceEqual(members) ? null
                : $"MPI.NET's Allgather on MlxMpi's communicator gave world ranks {string.Join(",", worldRanks)}, expected {string.Join(",", members)}";
        });
        report.Check("gather_after_mpinet_used_handle", () => CompareGathers(split, group, members, seed + 11, length, Data.Doubles));
        split.Dispose();
        return report.Failures;
    }

    private static string? CompareGathers<T>(MPI.Intracommunicator split, Group group, int[] members, ulong seed, int length,
        Func<ulong, int, int, T[]> generate) where T : unmanaged, IEquatable<T>
    {
        var mine = generate(seed, members[group.Rank], length);
        using var x = MlxArray.FromArray(mine);
        using var gathered = Distributed.AllGather(x, group);
        var ours = gathered.ToArray<T>();
        var theirs = split.AllgatherFlattened(mine, length);
        if (!gathered.Shape.SequenceEqual([members.Length * length]))
            return $"MlxMpi's result has shape [{string.Join(",", gathered.Shape)}], expected [{members.Length * length}]";
        if (theirs.Length != ours.Length)
            return $"MPI.NET gathered {theirs.Length} elements, MlxMpi {ours.Length}";
        for (var block = 0; block < members.Length; block++)
        {
            var expected = generate(seed, members[block], length);
            for (var i = 0; i < length; i++)
            {
                var at = block * length + i;
                if (!ours[at].Equals(expected[i]))
                    return $"{typeof(T).Name} element {at} (world rank {members[block]}, index {i}): MlxMpi {ours[at]}, expected {expected[i]}";
                if (!theirs[at].Equals(ours[at]))
                    return $"{typeof(T).Name} element {at}: MPI.NET {theirs[at]}, MlxMpi {ours[at]}";
            }
        }
        return null;
    }

    private static string? HandlerCheck(int communicator, string what)
    {
        var handler = MpiNetOnMpich.ErrorHandlerOf(communicator);
        if (handler == MpiNetOnMpich.ErrorsAreFatal)
            return null;
        var name = handler == MpiNetOnMpich.ErrorsReturn ? "MPI_ERRORS_RETURN" : $"0x{handler:x}";
        return $"{what} has error handler {name}, expected MPI_ERRORS_ARE_FATAL (set by the host before MlxMpi started): MlxMpi changed a communicator it did not create";
    }
}
