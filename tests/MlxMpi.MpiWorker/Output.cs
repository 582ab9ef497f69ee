using System.Text;

namespace MlxMpi.MpiWorker;

/// <summary>
/// The line protocol the NUnit launcher parses:
/// <c>RESULT &lt;rank&gt; &lt;scenario&gt; PASS</c>, <c>RESULT &lt;rank&gt; &lt;scenario&gt; FAIL &lt;reason&gt;</c>,
/// and free-form <c>INFO &lt;rank&gt; ...</c> lines.
/// </summary>
internal static class Output
{
    // mpiexec merges the ranks' pipes; one write() of a short line is atomic on a pipe (under PIPE_BUF),
    // so lines of different ranks never interleave. Console.Out may split a long line into several writes.
    private const int MaxLineBytes = 3500;
    // Not Console.OpenStandardOutput(): under Open MPI's pseudo-terminal its first write would put ESC[?1h ESC= in
    // front of the first line for a TERM like xterm (see MlxMpi's RawStandardStreams).
    private static readonly System.IO.Stream Stdout = MlxMpi.Interop.RawStandardStreams.OpenOutput();
    private static readonly object Gate = new();

    public static void Result(int rank, string scenario, string? failure) =>
        Write(failure is null ? $"RESULT {rank} {scenario} PASS" : $"RESULT {rank} {scenario} FAIL {failure}");

    public static void Info(int rank, string text) => Write($"INFO {rank} {text}");

    private static void Write(string line)
    {
        var oneLine = line.Replace("\r", " ").Replace('\n', ' ');
        var bytes = Encoding.UTF8.GetBytes(oneLine);
        if (bytes.Length > MaxLineBytes)
            bytes = [.. bytes.AsSpan(0, MaxLineBytes - 3), .. "..."u8];
        lock (Gate)
        {
            Stdout.Write([.. bytes, (byte)'\n']);
            Stdout.Flush();
        }
    }
}
