using System.Text.Json.Serialization;

namespace MlxMpi.MpiWorker.Scenarios.DotNetData;

/// <summary>
/// AllGatherObject over System.Text.Json, reflection-based and source-generated: uneven payloads (rank r sends a record
/// with r * 300 + random characters and r + 1 numbers, rank 0 an empty list), every rank's value checked field by field;
/// a different type on the last rank (CollectiveMismatchException on every rank naming both types); a value that cannot be
/// serialized on the last rank (its own exception there, CollectiveMismatchException elsewhere); then a correct gather.
/// </summary>
internal static class ObjectGather
{
    [Scenario("object_gather", Suite.General)]
    public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var last = world.Size - 1;
        for (var round = 0; round < 2; round++)
        {
            var expected = Enumerable.Range(0, world.Size).Select(r => PayloadOf(context, r, round)).ToArray();
            var mine = expected[world.Rank];
            var gathered = round == 0
                ? Distributed.AllGatherObject(mine, world)
                : Distributed.AllGatherObject(mine, ObjectGatherJson.Default.Payload, world);
            context.ExpectEqual(gathered.Length, world.Size, $"round {round}: the number of values");
            for (var r = 0; r < Math.Min(gathered.Length, world.Size); r++)
            {
                context.Expect(gathered[r].Name == expected[r].Name && gathered[r].Values.SequenceEqual(expected[r].Values) && gathered[r].Rank == r,
                               $"round {round}: rank {r}'s value arrived as {Describe(gathered[r])}, expected {Describe(expected[r])}");
            }
        }

        // A different type on the last rank.
        try
        {
            if (world.Rank == last)
                Distributed.AllGatherObject(new Other(1.5), world);
            else
                Distributed.AllGatherObject(PayloadOf(context, world.Rank, 5), world);
            context.Fail("AllGatherObject with a different type on the last rank returned");
        }
        catch (CollectiveMismatchException e)
        {
            context.Expect(e.Ranks.SequenceEqual([last]), $"type mismatch: Ranks is [{string.Join(", ", e.Ranks)}]");
            context.Expect(e.Message.Contains(nameof(Payload)) && e.Message.Contains(nameof(Other)),
                           $"type mismatch: the message does not name both types: {e.Message}");
            Consensus.ExpectSameText(context, world, e.Message, "the type-mismatch message");
        }
        catch (Exception e)
        {
            context.Fail($"type mismatch: got {Failures.Describe(e)}");
        }

        // A value whose serialization throws on the last rank.
        try
        {
            Distributed.AllGatherObject(new Exploding(world.Rank == last), world);
            context.Fail("AllGatherObject with an unserializable value on the last rank returned");
        }
        catch (InvalidOperationException e) when (world.Rank == last)
        {
            context.Expect(e.Message.Contains("refuses"), $"the serializer's own exception changed: {e.Message}");
        }
        catch (CollectiveMismatchException e) when (world.Rank != last)
        {
            context.Expect(e.Ranks.SequenceEqual([last]) && MessageText.NamesRank(e.Message, last),
                           $"serialization failure: Ranks [{string.Join(", ", e.Ranks)}], message: {e.Message}");
        }
        catch (Exception e)
        {
            context.Fail($"serialization failure on rank {last}: rank {world.Rank} got {Failures.Describe(e)}");
        }

        var after = Distributed.AllGatherObject($"rank {world.Rank}", world);
        context.Expect(after.SequenceEqual(Enumerable.Range(0, world.Size).Select(r => $"rank {r}")), $"the gather afterwards: [{string.Join(", ", after)}]");
    }

    private static Payload PayloadOf(ScenarioContext context, int rank, int round)
    {
        var rng = new SplitMix64(context.SeedFor(rank, round));
        var length = rank * 300 + (int)(rng.Next() % 50);
        var name = new string([.. Enumerable.Range(0, length).Select(_ => (char)('a' + (int)(rng.Next() % 26)))]);
        var values = Enumerable.Range(0, rank == 0 ? 0 : rank + 1).Select(_ => rng.NextDouble() * 1e6 - 5e5).ToList();
        return new Payload(name, values, rank);
    }

    private static string Describe(Payload p) => $"({p.Name.Length} chars, {p.Values.Count} values, rank {p.Rank})";
}

internal sealed record Payload(string Name, List<double> Values, int Rank);

internal sealed record Other(double Value);

internal sealed class Exploding(bool explode)
{
    public int Value => explode ? throw new InvalidOperationException("this value refuses to be serialized") : 1;
}

[JsonSerializable(typeof(Payload))]
internal sealed partial class ObjectGatherJson : JsonSerializerContext;
