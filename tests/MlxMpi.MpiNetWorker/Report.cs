namespace MlxMpi.MpiNetWorker;

/// <summary>
/// The worker's line protocol, the same as tests/MlxMpi.MpiWorker's: <c>RESULT &lt;rank&gt; &lt;check&gt; PASS</c> or
/// <c>... FAIL &lt;reason&gt;</c>, one short write per line so ranks' lines never interleave on mpiexec's pipe.
/// </summary>
internal sealed class Report(int rank)
{
    private static readonly System.IO.Stream Stdout = Console.OpenStandardOutput();

    public int Failures { get; private set; }

    public void Check(string name, Func<string?> check)
    {
        string? failure;
        try
        {
            failure = check();
        }
        catch (Exception e)
        {
            failure = $"{e.GetType().Name}: {e.Message}";
        }
        if (failure is not null)
            Failures++;
        Write(failure is null ? $"RESULT {rank} {name} PASS" : $"RESULT {rank} {name} FAIL {failure}");
    }

    public void Info(string text) => Write($"INFO {rank} {text}");

    private static void Write(string line)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(line.Replace('\n', ' ').Replace('\r', ' ') + "\n");
        lock (Stdout)
        {
            Stdout.Write(bytes);
            Stdout.Flush();
        }
    }
}
