namespace MlxMpi.Tests.Mpi;

/// <summary>
/// Bad MLXMPI_* values in a real launch: Init throws on every rank, naming each bad variable, its value and what
/// is accepted (before: an error without the variable's name for 1e300 and 1e-9, the 1 GiB default for garbage and -5,
/// and Multiple for "funneled,serialized"). Two launches at 2 ranks, several variables in each.
/// </summary>
[Category("Mpi")]
public sealed class BadSettingTests
{
    [Test]
    public void Huge_timeout_garbage_cache_size_and_a_list_of_thread_levels_are_all_refused()
    {
        AssertRefused(new Dictionary<string, string>
        {
            ["MLXMPI_TIMEOUT"] = "1e300",
            ["MLXMPI_BUFFER_CACHE_BYTES"] = "garbage",
            ["MLXMPI_THREAD_LEVEL"] = "funneled,serialized",
        }, "a number of seconds", "a whole number of bytes", "one of single, funneled, serialized, multiple");
    }

    [Test]
    public void Tiny_timeout_and_negative_cache_size_are_refused()
    {
        AssertRefused(new Dictionary<string, string>
        {
            ["MLXMPI_TIMEOUT"] = "1e-9",
            ["MLXMPI_BUFFER_CACHE_BYTES"] = "-5",
        }, "from 0.001", "0 or more");
    }

    private static void AssertRefused(Dictionary<string, string> environment, params string[] accepted)
    {
        var run = MpiLauncher.RunUnderMpiexec(2, WorkerScenarios.InitRefused, LaunchRefusal.Timeout, environment);
        var messages = LaunchRefusal.AssertEveryTaskRefused([run], 2);
        LaunchRefusal.AssertMessages(messages, [.. environment.Select(v => $"{v.Key}=\"{v.Value}\" is not accepted"), .. accepted]);
        run.AssertExitedCleanly();
    }
}
