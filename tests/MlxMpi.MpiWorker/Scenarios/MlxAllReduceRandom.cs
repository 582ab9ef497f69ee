namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// MLX's mlx_distributed_tests.py test_all_reduce: uniform [0, 10) data cast to int8, uint8, int32, uint32, float32,
/// float16 and bfloat16, shapes (7,), (10,), (1024,) and (1024, 1024); all_sum within MLX's relative tolerances of
/// the sum over ranks (0 for integers, 1e-6 float32, 5e-3 float16, 1e-1 bfloat16), all_max and all_min exact.
/// </summary>
internal static class MlxAllReduceRandom
{
    private static readonly (Dtype Dtype, double Rtol)[] Cases =
        [(Dtype.Int8, 0), (Dtype.UInt8, 0), (Dtype.Int32, 0), (Dtype.UInt32, 0), (Dtype.Float32, 1e-6), (Dtype.Float16, 5e-3), (Dtype.BFloat16, 1e-1)];

    private static readonly int[][] Shapes = [[7], [10], [1024], [1024, 1024]];

    [Scenario("mlx_all_reduce_random", Suite.MlxPort)] public static void Run(ScenarioContext context)
    {
        var g = context.World;
        foreach (var (dtype, rtol) in Cases)
        {
            foreach (var shape in Shapes)
            {
                var count = shape.Aggregate(1, (a, b) => a * b);
                double[] Values(int rank)
                {
                    var rng = new SplitMix64(context.SeedFor(rank, (int)dtype, count));
                    return [.. Enumerable.Range(0, count).Select(_ => Cast(dtype, rng.NextDouble() * 10))];
                }
                var all = Enumerable.Range(0, g.Size).Select(Values).ToArray();
                using var x = Make(dtype, all[g.Rank], shape);
                using var sum = Distributed.AllSum(x, g);
                using var max = Distributed.AllMax(x, g);
                using var min = Distributed.AllMin(x, g);
                var sums = Read(sum);
                var maxs = Read(max);
                var mins = Read(min);
                var worst = 0.0;
                for (var i = 0; i < count; i++)
                {
                    var z = Cast(dtype, Enumerable.Range(0, g.Size).Sum(r => all[r][i]));
                    var error = Math.Abs(sums[i] - z);
                    if (rtol > 0)
                        error /= Math.Abs(z);
                    worst = Math.Max(worst, error);
                    var wantMax = Enumerable.Range(0, g.Size).Max(r => all[r][i]);
                    var wantMin = Enumerable.Range(0, g.Size).Min(r => all[r][i]);
                    if (maxs[i] != wantMax || mins[i] != wantMin)
                    {
                        context.Fail($"{dtype} {count}: element {i}: max {maxs[i]} (want {wantMax}), min {mins[i]} (want {wantMin})");
                        break;
                    }
                }
                context.Expect(worst <= rtol, $"{dtype} shape ({string.Join(", ", shape)}): all_sum's largest relative error {worst:G3} exceeds {rtol}");
            }
        }
    }

    /// <summary>The value as the dtype holds it (MLX's astype: integers truncate; integer sums wrap).</summary>
    private static double Cast(Dtype dtype, double value) => dtype switch
    {
        Dtype.Int8 => (sbyte)(long)value,
        Dtype.UInt8 => (byte)(long)value,
        Dtype.Int32 => (int)(long)value,
        Dtype.UInt32 => (uint)(long)value,
        Dtype.Float16 => (double)(Half)value,
        Dtype.BFloat16 => (double)(BFloat16)value,
        _ => (float)value,
    };

    private static MlxArray Make(Dtype dtype, double[] values, int[] shape) => dtype switch
    {
        Dtype.Int8 => MlxArray.FromArray(values.Select(v => (sbyte)v).ToArray(), shape),
        Dtype.UInt8 => MlxArray.FromArray(values.Select(v => (byte)v).ToArray(), shape),
        Dtype.Int32 => MlxArray.FromArray(values.Select(v => (int)v).ToArray(), shape),
        Dtype.UInt32 => MlxArray.FromArray(values.Select(v => (uint)v).ToArray(), shape),
        Dtype.Float16 => MlxArray.FromArray(values.Select(v => (Half)v).ToArray(), shape),
        Dtype.BFloat16 => MlxArray.FromArray(values.Select(v => (BFloat16)v).ToArray(), shape),
        _ => MlxArray.FromArray(values.Select(v => (float)v).ToArray(), shape),
    };

    private static double[] Read(MlxArray a) => a.Dtype switch
    {
        Dtype.Int8 => [.. a.ToArray<sbyte>().Select(v => (double)v)],
        Dtype.UInt8 => [.. a.ToArray<byte>().Select(v => (double)v)],
        Dtype.Int32 => [.. a.ToArray<int>().Select(v => (double)v)],
        Dtype.UInt32 => [.. a.ToArray<uint>().Select(v => (double)v)],
        Dtype.Float16 => [.. a.ToArray<Half>().Select(v => (double)v)],
        Dtype.BFloat16 => [.. a.ToArray<BFloat16>().Select(v => (double)v)],
        _ => [.. a.ToArray<float>().Select(v => (double)v)],
    };
}
