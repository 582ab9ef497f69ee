using System.Text.RegularExpressions;

namespace MlxMpi.Tests.Mpi;

/// <summary>One <c>RESULT &lt;rank&gt; &lt;scenario&gt; PASS|FAIL [reason]</c> line of the worker's protocol.</summary>
public sealed partial record WorkerResult(int Rank, string Scenario, bool Passed, string Reason, string Line)
{
    // Not anchored at the start: a launcher may prefix lines (e.g. Open MPI's --tag-output).
    [GeneratedRegex(@"\bRESULT (\d+) (\S+) (PASS|FAIL)(?: (.*))?$")]
    private static partial Regex Pattern();

    public static IReadOnlyList<WorkerResult> ParseAll(string stdout) =>
        [.. stdout.Split('\n')
            .Select(line => Pattern().Match(line.TrimEnd('\r')))
            .Where(match => match.Success)
            .Select(match => new WorkerResult(
                int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                match.Groups[2].Value,
                match.Groups[3].Value == "PASS",
                match.Groups[4].Value,
                match.Value))];
}
