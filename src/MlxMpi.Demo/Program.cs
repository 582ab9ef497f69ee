// The main job: every rank contributes small arrays to each of MLX's distributed operations (all_gather, all_sum,
// all_max, sum_scatter, send/recv), and rank 0 prints what each rank sent and got back. The per-rank reports are themselves gathered with AllGather (as UTF-8 bytes),
// so the output is in rank order instead of interleaved.
using System.Text;
using MlxMpi;

var world = Distributed.Init();
var rank = world.Rank;
var report = new StringBuilder();
report.AppendLine($"--- rank {rank} of {world.Size} ---");

// 1. int32, 1-D: each rank sends [rank*10, rank*10 + 1]; the result is every rank's pair, in rank order.
using (var x = MlxArray.FromArray(new[] { rank * 10, rank * 10 + 1 }))
using (var gathered = Distributed.AllGather(x, world))
    Show("int32 [2]", x.ToArray<int>(), gathered);

// 2. float32, 2-D: a 2x3 matrix per rank; the result stacks them into a (2*size)x3 matrix.
var matrix = Enumerable.Range(0, 6).Select(i => rank + i / 10f).ToArray();
using (var x = MlxArray.FromArray(matrix, 2, 3))
using (var gathered = Distributed.AllGather(x, world))
    Show("float32 (2, 3)", x.ToArray<float>(), gathered);

// 3. bfloat16 and complex64 scalars: a 0-d input gathers into shape [size].
using (var x = MlxArray.Scalar((BFloat16)(rank + 0.5f)))
using (var gathered = Distributed.AllGather(x, world))
    Show("bfloat16 scalar", x.ToArray<BFloat16>(), gathered);
using (var x = MlxArray.Scalar(new Complex64(rank, -rank)))
using (var gathered = Distributed.AllGather(x, world))
    Show("complex64 scalar", x.ToArray<Complex64>(), gathered);

// 4. A subgroup: even and odd ranks split apart and gather only among themselves.
using (var half = world.Split(color: rank % 2))
using (var x = MlxArray.FromArray(new long[] { rank }))
using (var gathered = Distributed.AllGather(x, half))
    Show($"int64 [1] in Split(rank % 2) = group {rank % 2} (rank {half.Rank} of {half.Size})", x.ToArray<long>(), gathered);

// 5. all_sum and all_max: element-wise over every rank, same shape as the input (what data-parallel training uses to
//    add up gradients). Each rank sends [rank, 1, rank * rank]: the sum's middle element is the number of ranks.
using (var x = MlxArray.FromArray(new float[] { rank, 1, rank * rank }))
{
    using var sum = Distributed.AllSum(x, world);
    Show("float32 [3] all_sum", x.ToArray<float>(), sum);
    using var max = Distributed.AllMax(x, world);
    Show("float32 [3] all_max", x.ToArray<float>(), max);
}

// 6. sum_scatter: the sum over ranks, split along axis 0: rank k keeps rows [2k, 2k + 2) of the sum.
var rows = Enumerable.Range(0, 2 * world.Size).Select(i => (double)(rank + i)).ToArray();
using (var x = MlxArray.FromArray(rows, 2 * world.Size, 1))
using (var share = Distributed.SumScatter(x, world))
    Show($"float64 ({2 * world.Size}, 1) sum_scatter", x.ToArray<double>(), share);

// 7. send/recv: every rank passes a message to the next one around a ring (even ranks send first, so no pair waits
//    on the other), and receives one from the previous rank.
if (world.Size > 1)
{
    var next = (rank + 1) % world.Size;
    var previous = (rank + world.Size - 1) % world.Size;
    using var note = MlxArray.FromArray(new[] { rank, 100 + rank });
    MlxArray received;
    if (rank % 2 == 0)
    {
        Distributed.Send(note, next, world);
        received = Distributed.Recv([2], Dtype.Int32, previous, world);
    }
    else
    {
        received = Distributed.Recv([2], Dtype.Int32, previous, world);
        Distributed.Send(note, next, world);
    }
    using (received)
        report.AppendLine($"  int32 [2] send to rank {next} / recv from rank {previous}: sent [{string.Join(", ", note.ToArray<int>())}] -> " +
                          $"received [{string.Join(", ", received.ToArray<int>())}]");
}

// 8. Validation beyond MLX: the last rank passes a different shape, and every rank gets the same error.
using (var x = rank == world.Size - 1 && world.Size > 1 ? MlxArray.Ones([3], Dtype.Float32) : MlxArray.Ones([2], Dtype.Float32))
{
    try
    {
        Distributed.AllGather(x, world).Dispose();
        report.AppendLine("  mismatch: no error (single process)");
    }
    catch (CollectiveMismatchException e)
    {
        report.AppendLine($"  mismatch caught on this rank: {e.Message}");
    }
}

PrintInRankOrder(report.ToString());
return 0;

void Show<T>(string what, T[] sent, MlxArray gathered) where T : unmanaged =>
    report.AppendLine($"  {what}: sent [{string.Join(", ", sent)}] -> result shape ({string.Join(", ", gathered.Shape)}) " +
                      $"[{string.Join(", ", gathered.ToArray<T>())}]");

void PrintInRankOrder(string text)
{
    // Pad every report to the longest, gather the bytes, and let rank 0 print them all.
    var bytes = Encoding.UTF8.GetBytes(text);
    using var length = MlxArray.Scalar(bytes.Length);
    using var lengths = Distributed.AllGather(length, world);
    var longest = lengths.ToArray<int>().Max();
    Array.Resize(ref bytes, longest);
    using var mine = MlxArray.FromArray(bytes, 1, longest);
    using var all = Distributed.AllGather(mine, world);
    if (rank != 0)
        return;
    var everything = all.ToArray<byte>();
    using var stdout = StandardOutput();
    for (var r = 0; r < world.Size; r++)
        stdout.Write(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(everything, r * longest, longest).TrimEnd('\0')));
}

// File descriptor 1 itself, not System.Console: Open MPI's mpiexec gives each rank a pseudo-terminal for stdout, and
// the first write through any Console stream then initialises "the terminal", which for TERM=xterm and the like
// writes the keypad-transmit sequence ESC[?1h ESC= in front of the program's first line.
static FileStream StandardOutput() =>
    new(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
