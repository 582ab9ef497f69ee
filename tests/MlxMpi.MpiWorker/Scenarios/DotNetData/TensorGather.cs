using System.Numerics.Tensors;

namespace MlxMpi.MpiWorker.Scenarios.DotNetData;

/// <summary>
/// Gathers of System.Numerics.Tensors data for every element type: a dense Tensor (2x3, inline for 1-byte types, and 40x33),
/// a strided tensor span (the transpose of a row-major matrix, read by logical values), AllGatherInto into a poisoned
/// tensor span, and the views: MlxArray.FromTensor gathered with the MlxArray overload, whose result is read back through
/// AsReadOnlyTensorSpan. Every element of every result is checked.
/// </summary>
internal static class TensorGather
{
    private static readonly int[][] Shapes = [[2, 3], [40, 33]];

    [Scenario("tensor_gather", Suite.General)]
    public static void Run(ScenarioContext context) => ElementTypes.ForEach(new Check(context, context.World));

    private sealed class Check(ScenarioContext context, Group group) : IElementCheck
    {
        public void Run<T>(Dtype dtype) where T : unmanaged
        {
            foreach (var shape in Shapes)
            {
                int rows = shape[0], cols = shape[1];
                T[] InputOf(int rank) => ElementTypes.Random<T>(dtype, rows * cols, context.SeedFor(rank, (int)dtype, rows));
                var what = $"{typeof(T).Name}[{rows}, {cols}] x {group.Size}";
                T[] expected = [.. Enumerable.Range(0, group.Size).SelectMany(InputOf)];
                nint[] resultLengths = [rows * group.Size, cols];

                var tensor = Tensor.Create(InputOf(group.Rank), [rows, cols]);
                var gathered = Distributed.AllGather(tensor, group);
                ExpectTensor(expected, resultLengths, gathered, $"AllGather(Tensor) {what}");

                // A strided span: the memory holds the transpose (cols x rows, row-major); strides [1, rows] read it as
                // the rows x cols matrix, so the gather must pack it by logical values.
                var transposed = new T[rows * cols];
                var mine = InputOf(group.Rank);
                for (var i = 0; i < rows; i++)
                    for (var j = 0; j < cols; j++)
                        transposed[j * rows + i] = mine[i * cols + j];
                var strided = new ReadOnlyTensorSpan<T>(transposed, [rows, cols], [1, rows]);
                ExpectTensor(expected, resultLengths, Distributed.AllGather(strided, group), $"AllGather(strided span) {what}");

                var output = ElementTypes.Random<T>(dtype, expected.Length, context.SeedFor(-3, (int)dtype, rows));
                Distributed.AllGatherInto(strided, new TensorSpan<T>(output, resultLengths, []), group);
                ExpectFlat(expected, output, $"AllGatherInto(tensor span) {what}");

                using var view = MlxArray.FromTensor(tensor);
                var result = Distributed.AllGather(view, group);
                try
                {
                    var span = result.AsReadOnlyTensorSpan<T>();
                    var flat = new T[span.FlattenedLength];
                    span.FlattenTo(flat);
                    ExpectFlat(expected, flat, $"AllGather(FromTensor view), read through AsReadOnlyTensorSpan, {what}");
                }
                finally
                {
                    if (!ReferenceEquals(result, view))
                        result.Dispose();
                }
            }
        }

        private void ExpectTensor<T>(T[] expected, nint[] lengths, Tensor<T> actual, string what) where T : unmanaged
        {
            if (!actual.Lengths.SequenceEqual(lengths))
            {
                context.Fail($"{what}: lengths [{string.Join(", ", actual.Lengths.ToArray())}], expected [{string.Join(", ", lengths)}]");
                return;
            }
            var flat = new T[actual.FlattenedLength];
            actual.FlattenTo(flat);
            ExpectFlat(expected, flat, what);
        }

        private void ExpectFlat<T>(T[] expected, T[] actual, string what) where T : unmanaged
        {
            var at = ElementTypes.FirstDifference<T>(expected, actual);
            if (at >= 0)
                context.Fail($"{what}: element {at} differs (lengths {expected.Length}, {actual.Length})");
        }
    }
}
