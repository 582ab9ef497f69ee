namespace MlxMpi.Tests.Mpi;

/// <summary>
/// The resolver's failure paths, each in a fresh worker process (a process loads the shim once): a missing shim
/// named by MLXMPI_NATIVE_PATH, and a shim whose MPI library cannot load. Both must leave the program usable
/// (singleton world) and make Init(strict: true) say what is wrong.
/// </summary>
[Category("Mpi")]
public sealed class NativeResolutionTests
{
    [Test]
    public void A_missing_shim_is_named_with_the_variable_that_points_at_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"mlxmpi-missing-{Guid.NewGuid():N}", "libmlxmpi.so");
        var message = StrictMessage(new Dictionary<string, string> { ["MLXMPI_NATIVE_PATH"] = missing });
        Assert.That(message, Does.Contain(missing).And.Contain("not found").And.Contain("MLXMPI_NATIVE_PATH"));
    }

    [Test]
    public void A_shim_whose_MPI_library_cannot_load_says_which_library_and_what_to_install()
    {
        // A copy of the shim whose libmpi.so.40 resolves to an empty file ahead of the real one.
        var folder = Directory.CreateTempSubdirectory("mlxmpi-nompi-").FullName;
        try
        {
            var shim = Path.Combine(Path.GetDirectoryName(MpiLauncher.WorkerDll)!, "libmlxmpi.so");
            File.Copy(shim, Path.Combine(folder, "libmlxmpi.so"));
            var fakeLibDir = Directory.CreateDirectory(Path.Combine(folder, "lib")).FullName;
            File.WriteAllBytes(Path.Combine(fakeLibDir, "libmpi.so.40"), []);
            var message = StrictMessage(new Dictionary<string, string>
            {
                ["MLXMPI_NATIVE_PATH"] = folder,
                ["LD_LIBRARY_PATH"] = fakeLibDir,
            });
            Assert.That(message, Does.Contain("libmpi.so.40").And.Contain("openmpi"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string StrictMessage(IReadOnlyDictionary<string, string> environment)
    {
        var run = MpiLauncher.RunStandalone(WorkerScenarios.ShimUnavailable, TimeSpan.FromSeconds(60), environment);
        TestContext.Out.WriteLine(run.Describe());
        run.AssertScenarioPassed("shim_unavailable", ranks: 1);
        run.AssertExitedCleanly();
        const string marker = "shim_unavailable: strict message: ";
        string? line = run.Stdout.Split('\n').FirstOrDefault(l => l.Contains(marker));
        Assert.That(line, Is.Not.Null, "the worker printed no strict message");
        return line![(line!.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
    }
}
