namespace MlxMpi.MpiWorker;

/// <summary>Short one-line descriptions of exceptions for FAIL lines (the full trace goes to stderr).</summary>
internal static class Failures
{
    public static string Describe(Exception e)
    {
        var where = e.StackTrace?.Split('\n').FirstOrDefault()?.Trim();
        return where is null ? $"{e.GetType().Name}: {e.Message}" : $"{e.GetType().Name}: {e.Message} [{where}]";
    }
}
