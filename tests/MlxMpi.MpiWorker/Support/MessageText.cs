using System.Text.RegularExpressions;

namespace MlxMpi.MpiWorker;

/// <summary>
/// Checks that an error message names a rank, a shape or a dtype. The contract fixes what a message says,
/// not its format, so several usual spellings are accepted ("[5, 3]", "(5, 3)", "5x3", ...).
/// </summary>
internal static class MessageText
{
    public static bool NamesRank(string message, int rank) =>
        message.Contains("rank", StringComparison.OrdinalIgnoreCase) &&
        Regex.IsMatch(message, $@"(?<![\d.]){rank}(?![\d.])");

    public static bool NamesShape(string message, int[] shape) =>
        ShapeSpellings(shape).Any(s => message.Contains(s, StringComparison.OrdinalIgnoreCase));

    public static bool NamesDtype(string message, Dtype dtype) =>
        message.Contains(dtype.ToString(), StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<string> ShapeSpellings(int[] shape)
    {
        var dims = shape.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        foreach (var separator in new[] { ", ", "," })
        {
            var joined = string.Join(separator, dims);
            yield return $"[{joined}]";
            yield return $"({joined})";
            yield return $"({joined},)"; // Python's 1-tuple
        }
        if (dims.Length > 1)
        {
            yield return string.Join("x", dims);
            yield return string.Join("×", dims);
        }
    }
}
