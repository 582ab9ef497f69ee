namespace MlxMpi.Tests.Mpi;

/// <summary>
/// Open MPI's mpiexec gives every rank a pseudo-terminal for stdout, and .NET's console then writes the terminal's
/// keypad-transmit sequence (ESC[?1h ESC= for xterm) before the first output. The demo and the worker write through
/// file descriptor 1 instead, so their output is clean with a real TERM. (Under MPICH's mpiexec stdout is a pipe,
/// so nothing is written there either way.)
/// </summary>
[Category("Mpi")]
public sealed class TerminalOutputTests
{
    [Test]
    public void The_demos_output_under_mpiexec_with_TERM_xterm_has_no_terminal_escapes()
    {
        var run = MpiLauncher.RunProgramUnderMpiexec(2, LaunchRefusal.Demo, [], TimeSpan.FromSeconds(90),
            new Dictionary<string, string> { ["TERM"] = "xterm" });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Describe());
        Assert.That(run.Stdout, Does.StartWith("--- rank 0 of 2 ---"), run.Describe());
        Assert.That(run.Stdout, Does.Contain("--- rank 1 of 2 ---"));
        Assert.That(run.Stdout.IndexOf('\u001b'), Is.EqualTo(-1), "an ESC byte in the demo's output");
    }

    [Test]
    public void The_workers_output_under_mpiexec_with_TERM_xterm_has_no_terminal_escapes()
    {
        var run = MpiLauncher.RunUnderMpiexec(2, ["init_twice"], TimeSpan.FromSeconds(90), new Dictionary<string, string> { ["TERM"] = "xterm" });
        run.AssertScenarioPassed("init_twice", 2);
        Assert.That(run.Stdout.IndexOf('\u001b'), Is.EqualTo(-1), "an ESC byte in the worker's output");
    }
}
