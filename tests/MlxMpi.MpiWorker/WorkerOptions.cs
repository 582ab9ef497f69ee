using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace MlxMpi.MpiWorker;

/// <summary>The worker's command line: an optional <c>--seed N</c> and the scenario names, in run order.</summary>
internal sealed record WorkerOptions(ulong? Seed, IReadOnlyList<string> Scenarios)
{
    public static bool TryParse(string[] args, [NotNullWhen(true)] out WorkerOptions? options, out string error)
    {
        options = null;
        error = "";
        ulong? seed = null;
        var names = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seed")
            {
                if (i + 1 >= args.Length || !ulong.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    error = "--seed needs an unsigned integer";
                    return false;
                }
                seed = value;
                i++;
            }
            else if (args[i].StartsWith('-'))
            {
                error = $"unknown option {args[i]}";
                return false;
            }
            else
            {
                names.Add(args[i]);
            }
        }
        if (names.Count == 0)
        {
            error = "no scenario named";
            return false;
        }
        options = new WorkerOptions(seed, names);
        return true;
    }
}
