namespace MlxMpi.Tests.Unit;

/// <summary>Reference results computed from indices, independent of the strided copy under test.</summary>
internal static class Expected
{
    public static long Count(int[] shape)
    {
        long count = 1;
        foreach (int dim in shape)
            count *= dim;
        return count;
    }

    /// <summary>The row-major elements of a row-major array <paramref name="data"/> of <paramref name="shape"/>
    /// after permuting its axes: result index j reads source index k with k[perm[i]] = j[i].</summary>
    public static T[] Transpose<T>(T[] data, int[] shape, int[] perm)
    {
        int ndim = shape.Length;
        var resultShape = perm.Select(axis => shape[axis]).ToArray();
        var result = new T[data.Length];
        var resultIndex = new int[ndim];
        var sourceIndex = new int[ndim];
        for (long flat = 0; flat < result.Length; flat++)
        {
            Unflatten(flat, resultShape, resultIndex);
            for (int i = 0; i < ndim; i++)
                sourceIndex[perm[i]] = resultIndex[i];
            result[flat] = data[Flatten(sourceIndex, shape)];
        }
        return result;
    }

    public static void Unflatten(long flat, int[] shape, int[] index)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = (int)(flat % shape[d]);
            flat /= shape[d];
        }
    }

    public static long Flatten(int[] index, int[] shape)
    {
        long flat = 0;
        for (int d = 0; d < shape.Length; d++)
            flat = flat * shape[d] + index[d];
        return flat;
    }

    /// <summary>Every permutation of 0 .. n - 1.</summary>
    public static IEnumerable<int[]> Permutations(int n)
    {
        if (n == 0)
        {
            yield return [];
            yield break;
        }
        foreach (int[] rest in Permutations(n - 1))
        {
            for (int at = 0; at <= rest.Length; at++)
                yield return [.. rest[..at], n - 1, .. rest[at..]];
        }
    }
}
