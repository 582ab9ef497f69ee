namespace MlxMpi.MpiWorker;

/// <summary>
/// Files through which a diagnostics test steers a live job: the test creates the file when it has attached
/// (start) or has seen what it needed (release). Files, not signals or stdin, because mpiexec forwards stdin to
/// rank 0 only and every rank must see the same gate.
/// </summary>
internal static class DiagGate
{
    public const string StartVariable = "MLXMPI_DIAG_START";
    public const string ReleaseVariable = "MLXMPI_DIAG_RELEASE";

    // Ranks of a job whose test died without releasing it still end by themselves, instead of living on.
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(120);

    /// <summary>Waits until the file named by <paramref name="variable"/> exists; false (after a failure is
    /// recorded) when the variable is unset or the file never came.</summary>
    public static bool Wait(ScenarioContext context, string variable)
    {
        var path = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(path))
        {
            context.Fail($"{variable} is not set: this scenario is run by the diagnostics tests, which name the gate file");
            return false;
        }
        var deadline = DateTime.UtcNow + GiveUpAfter;
        while (!File.Exists(path))
        {
            if (DateTime.UtcNow > deadline)
            {
                context.Fail($"{path} ({variable}) did not appear within {GiveUpAfter.TotalSeconds} s");
                return false;
            }
            Thread.Sleep(20);
        }
        return true;
    }
}
