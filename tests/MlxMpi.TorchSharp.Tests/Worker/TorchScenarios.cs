using static TorchSharp.torch;

namespace MlxMpi.TorchSharp.Tests.Worker;

/// <summary>
/// TorchDistributed.AllGather and AllSum under mpiexec: every dtype MLX shares with torch, contiguous, transposed and 0-d
/// tensors, every element of every result compared (torch.equal, bitwise for these values) with the concatenation or
/// sum of every rank's regenerated input; and a dtype MLX lacks on the last rank only.
/// </summary>
internal static class TorchScenarios
{
    internal static readonly ScalarType[] Dtypes =
    [
        ScalarType.Bool, ScalarType.Byte, ScalarType.Int8, ScalarType.Int16, ScalarType.Int32, ScalarType.Int64,
        ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float32, ScalarType.Float64, ScalarType.ComplexFloat32,
    ];

    private static readonly long[][] Shapes = [[3], [4, 5], [40, 33], []];

    public static void Gather(Check check)
    {
        var world = check.World;
        using var scope = NewDisposeScope();
        foreach (var dtype in Dtypes)
        {
            for (var s = 0; s < Shapes.Length; s++)
            {
                foreach (var transposed in Shapes[s].Length == 2 ? new[] { false, true } : [false])
                {
                    Tensor InputOf(int rank)
                    {
                        var t = RandomTensor(check.SeedFor(rank, (int)dtype, s), transposed ? [Shapes[s][1], Shapes[s][0]] : Shapes[s], dtype);
                        return transposed ? t.t() : t;
                    }
                    var mine = InputOf(world.Rank);
                    if (dtype == ScalarType.Float32)
                        mine.requires_grad_(true);
                    var what = $"AllGather {dtype} [{string.Join(", ", Shapes[s])}]{(transposed ? " transposed" : "")}";
                    check.Expect(!transposed || !mine.is_contiguous(), $"{what}: the transposed input is contiguous");
                    var gathered = TorchDistributed.AllGather(mine, world);
                    var all = Enumerable.Range(0, world.Size).Select(InputOf).ToArray();
                    var expected = Shapes[s].Length == 0 ? stack(all) : cat(all, 0);
                    check.Expect(Same(gathered, expected.detach()),
                                 $"{what}: got shape [{string.Join(", ", gathered.shape)}] {gathered.dtype}, values {(gathered.shape.SequenceEqual(expected.shape) ? "differ" : "-")}");
                    check.Expect(!gathered.requires_grad, $"{what}: the result requires grad (it has autograd history)");
                }
            }
        }
    }

    public static void AllSum(Check check)
    {
        var world = check.World;
        using var scope = NewDisposeScope();
        foreach (var dtype in new[] { ScalarType.Int32, ScalarType.Int64, ScalarType.Int16, ScalarType.Float32, ScalarType.Float64, ScalarType.ComplexFloat32 })
        {
            foreach (var transposed in new[] { false, true })
            {
                // Integer values (|x| <= 1000), so every sum is exact whatever order MPI adds the ranks in.
                Tensor InputOf(int rank)
                {
                    manual_seed(check.SeedFor(rank, (int)dtype, transposed ? 1 : 0));
                    var t = randint(-1000, 1000, [30, 7], dtype: ScalarType.Int64).to(dtype);
                    return transposed ? t.t() : t;
                }
                var summed = TorchDistributed.AllSum(InputOf(world.Rank), world);
                var expected = Enumerable.Range(0, world.Size).Select(InputOf).Aggregate((a, b) => a + b);
                check.Expect(Same(summed, expected),
                             $"AllSum {dtype}{(transposed ? " transposed" : "")}: wrong result");
            }
        }
    }

    public static void BadOneRank(Check check)
    {
        var world = check.World;
        var last = world.Size - 1;
        using var scope = NewDisposeScope();
        foreach (var op in new[] { "AllGather", "AllSum" })
        {
            var x = world.Rank == last ? ones([2, 2], ScalarType.ComplexFloat64) : ones([2, 2], ScalarType.Float32);
            try
            {
                _ = op == "AllGather" ? TorchDistributed.AllGather(x, world) : TorchDistributed.AllSum(x, world);
                check.Fail($"{op} with a complex128 tensor on rank {last} returned on rank {world.Rank}");
            }
            catch (ArgumentException e) when (world.Rank == last)
            {
                check.Expect(e.Message.Contains("ComplexFloat64"), $"{op}: rank {last}'s message does not name the dtype: {e.Message}");
            }
            catch (CollectiveMismatchException e) when (world.Rank != last)
            {
                check.Expect(e.Ranks.SequenceEqual([last]) && e.Message.Contains("ComplexFloat64"),
                             $"{op}: Ranks [{string.Join(", ", e.Ranks)}], message: {e.Message}");
            }
            catch (Exception e)
            {
                check.Fail($"{op}: rank {world.Rank} got {e.GetType().Name}: {e.Message}");
            }
        }
        var v = world.Rank + 1.0f;
        var after = TorchDistributed.AllSum(tensor(new[] { v, v, v }), world);
        var total = world.Size * (world.Size + 1) / 2f;
        check.Expect(after.data<float>().ToArray().All(x => x == total), "the AllSum after the failures is wrong");
    }

    /// <summary>Same dtype, shape and every element (these values have no NaN, so == is bitwise equality here).</summary>
    internal static bool Same(Tensor actual, Tensor expected) =>
        actual.dtype == expected.dtype && actual.shape.SequenceEqual(expected.shape) && actual.eq(expected).all().item<bool>();

    /// <summary>Random values of <paramref name="dtype"/> from torch's CPU generator (deterministic for a seed, so every
    /// rank regenerates every rank's input): normal values for floating types, random integers and bools otherwise.</summary>
    internal static Tensor RandomTensor(int seed, long[] shape, ScalarType dtype)
    {
        manual_seed(seed);
        return dtype switch
        {
            ScalarType.Bool => randint(0, 2, shape, dtype: ScalarType.Int64).to(ScalarType.Bool),
            ScalarType.Byte => randint(0, 256, shape, dtype: ScalarType.Int64).to(dtype),
            ScalarType.Int8 => randint(-128, 128, shape, dtype: ScalarType.Int64).to(dtype),
            ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64 => randint(-30000, 30000, shape, dtype: ScalarType.Int64).to(dtype),
            ScalarType.ComplexFloat32 => complex(randn(shape), randn(shape)),
            _ => randn(shape).mul(100).to(dtype),
        };
    }
}
