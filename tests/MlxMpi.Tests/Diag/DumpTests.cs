namespace MlxMpi.Tests.Diag;

/// <summary>`mlxmpi-diag dump` of a live 2-rank job (one rank waiting in a gather, one sleeping) writes one dump per
/// rank, each a real ELF core file of some size, named by its rank and pid. The dumps are deleted afterwards.</summary>
[Category("Diag")]
[Category("Mpi")]
[NonParallelizable]
public sealed class DumpTests
{
    private const int Ranks = 2;
    private const long MinimumBytes = 1 << 20; // a heap dump of a rank is tens of MB; an empty or truncated one is not
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public void Dump_writes_one_dump_per_rank()
    {
        using var job = LiveJob.Start(Ranks, "diag_straggler");
        var pids = job.WaitForPids(Patience);
        job.WaitForLines("waiting in the last gather", 1, Patience);
        job.WaitForLines("straggling", 1, Patience);
        var folder = Path.Combine(job.Folder, "dumps"); // deleted with the job's folder

        try
        {
            using var dump = DiagTool.Run(Patience, "dump", "--pids", string.Join(',', pids.Values), "--output", folder);
            TestContext.Out.WriteLine(dump.Describe());
            Assert.That(dump.ExitCode, Is.EqualTo(0), dump.Describe);
            var files = Directory.GetFiles(folder);
            Assert.That(files, Has.Length.EqualTo(Ranks), dump.Describe);
            foreach (var (rank, pid) in pids)
                Assert.That(files.Count(f => f.EndsWith($"-rank-{rank}-pid-{pid}.dmp", StringComparison.Ordinal)), Is.EqualTo(1),
                            $"the dump of rank {rank}\n{dump.Describe()}");
            foreach (var file in files)
            {
                Assert.That(new FileInfo(file).Length, Is.GreaterThan(MinimumBytes), file);
                var magic = new byte[4];
                using (var stream = File.OpenRead(file))
                    stream.ReadExactly(magic);
                Assert.That(magic, Is.EqualTo("\u007fELF"u8.ToArray()), $"{file}: createdump writes ELF core files");
            }
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }

        job.Release();
        Assert.That(job.WaitForExit(Patience), Is.EqualTo(0), () => $"the job after release (dumped while running)\n{job.Describe()}");
    }
}
