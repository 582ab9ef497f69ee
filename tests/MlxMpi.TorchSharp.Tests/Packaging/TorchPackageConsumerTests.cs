using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using MlxMpi.Tests.Shared;

namespace MlxMpi.TorchSharp.Tests.Packaging;

/// <summary>
/// Both packages as NuGet sees them: `dotnet pack` of src/MlxMpi and src/MlxMpi.TorchSharp into a folder feed, and a fresh
/// console project outside the repository that references only MlxMpi.TorchSharp (MlxMpi and TorchSharp-cpu come with it,
/// without a RuntimeIdentifier, so TorchSharp's library lands in runtimes/linux-x64/native/). Its build must run the
/// package's libstdc++ patch; under mpiexec -n 2 it gathers a tensor, averages a model's gradients, and gathers a span and
/// a Tensor&lt;T&gt; through the core package, every element checked on every rank.
/// </summary>
[Category("Mpi")]
[Category("Packaging")]
[NonParallelizable]
public sealed partial class TorchPackageConsumerTests
{
    private string root = "";
    private string consumerDll = "";
    private string buildOutput = "";

    [GeneratedRegex(@"^consumer rank (\d) of 2: (\d+) values checked, (\d+) wrong\r?$", RegexOptions.Multiline)]
    private static partial Regex ResultLine();

    [OneTimeSetUp]
    public void PackAndBuild()
    {
        root = Directory.CreateTempSubdirectory("mlxmpi-torch-package-").FullName;
        var repository = Path.GetFullPath(Path.Combine(TorchLaunch.OutputDir, "..", "..", "..", "..", "..", ".."));
        var feed = Directory.CreateDirectory(Path.Combine(root, "feed")).FullName;
        // A version of its own per run: the global NuGet cache keeps whatever it extracted first for a version, so a fixed
        // one would test a stale package on every later run.
        var version = $"0.1.0-test{DateTime.UtcNow:yyyyMMddHHmmss}p{Environment.ProcessId}";
        foreach (var project in new[] { "MlxMpi", "MlxMpi.TorchSharp" })
        {
            var pack = Tool("dotnet", ["pack", Path.Combine(repository, "src", project, project + ".csproj"), "-c", "Release", "--no-build", "-o", feed,
                                       "-nr:false", $"-p:Version={version}"], repository);
            Assert.That(pack.ExitCode, Is.Zero, $"dotnet pack {project}\n{pack.Output}");
        }
        var consumer = Directory.CreateDirectory(Path.Combine(root, "consumer")).FullName;
        WriteConsumer(consumer, feed, version);
        var build = Tool("dotnet", ["build", consumer, "-c", "Release", "-nr:false", "-p:UseSharedCompilation=false"], consumer);
        buildOutput = build.Output;
        TestContext.Progress.WriteLine($"TorchSharp package consumer restored and built in {build.Elapsed.TotalSeconds:F1} s");
        Assert.That(build.ExitCode, Is.Zero, $"the consumer did not build\n{build.Output}");
        consumerDll = Path.Combine(consumer, "bin", "Release", "net10.0", "Consumer.dll");
    }

    [OneTimeTearDown]
    public void Remove()
    {
        if (root.Length > 0 && Directory.Exists(root))
            Directory.Delete(root, recursive: true);
    }

    [Test]
    public void The_package_holds_the_assembly_docs_patch_script_targets_and_ios_init_library()
    {
        using var zip = ZipFile.OpenRead(Directory.GetFiles(Path.Combine(root, "feed"), "MlxMpi.TorchSharp.*.nupkg").Single());
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        Assert.That(entries, Does.Contain("lib/net10.0/MlxMpi.TorchSharp.dll").And.Contain("lib/net10.0/MlxMpi.TorchSharp.xml")
            .And.Contain("buildTransitive/MlxMpi.TorchSharp.targets").And.Contain("tools/patch_libtorchsharp.py")
            .And.Contain("runtimes/linux-x64/native/libmlxmpi_iosinit.so").And.Contain("README.md"));
        using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var text = nuspec.ReadToEnd();
        Assert.That(text, Does.Contain("id=\"MlxMpi\" version=\"0.1.0-test").And.Contain("id=\"TorchSharp-cpu\" version=\"0.107.0\""));
    }

    [Test]
    public void The_consumer_build_ran_the_patch_on_its_own_output() =>
        Assert.That(buildOutput, Does.Contain("patch_libtorchsharp:").And.Contain(Path.Combine("consumer", "bin")), buildOutput);

    [Test]
    public void The_consumer_trains_and_gathers_correctly_under_mpiexec()
    {
        var seed = Random.Shared.Next(1, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var run = TorchLaunch.Mpiexec(2, consumerDll, [seed], TimeSpan.FromSeconds(120));
        TestContext.Out.WriteLine(run.Describe());
        var lines = ResultLine().Matches(run.Stdout).ToList();
        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(lines.Select(m => m.Groups[1].Value).Order(), Is.EqualTo(new[] { "0", "1" }), run.Describe());
        foreach (var line in lines)
        {
            Assert.That(int.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture), Is.GreaterThan(100), line.Value);
            Assert.That(line.Groups[3].Value, Is.EqualTo("0"), line.Value);
        }
    }

    private static void WriteConsumer(string folder, string feed, string version)
    {
        var sources = Tool("dotnet", ["nuget", "list", "source", "--format", "short"], folder);
        LocalFeedConsumer.Write(folder, feed, ["MlxMpi", "MlxMpi.TorchSharp"], "MlxMpi.TorchSharp", version, ConsumerProgram,
                                LocalFeedConsumer.EnabledSources(sources.Stdout));
    }

    // Every rank's data is a function of (seed, rank), so each rank checks every element of every result.
    private const string ConsumerProgram = """
        using MlxMpi;
        using MlxMpi.TorchSharp;
        using static TorchSharp.torch;

        var seed = int.Parse(args[0]);
        var world = Distributed.Init(strict: true);
        float[] Data(int rank, int n)
        {
            var random = new Random(seed ^ (rank * 7919) ^ n);
            return [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 200 - 100))];
        }
        long checkedCount = 0, wrong = 0;
        void Check(float expected, float actual, float tolerance = 0)
        {
            checkedCount++;
            if (!(Math.Abs(expected - actual) <= tolerance))
                wrong++;
        }

        // A tensor gathered straight from its storage.
        var gathered = TorchDistributed.AllGather(tensor(Data(world.Rank, 60)).reshape(6, 10), world);
        var values = gathered.data<float>().ToArray();
        for (var r = 0; r < world.Size; r++)
            for (var i = 0; i < 60; i++)
                Check(Data(r, 60)[i], values[r * 60 + i]);

        // AverageGradients of one Linear layer: every rank's gradient is the input it saw (loss = sum(W x)).
        manual_seed(5);
        var layer = nn.Linear(8, 1, hasBias: false);
        layer.forward(tensor(Data(world.Rank, 8)).reshape(1, 8)).sum().backward();
        TorchDistributed.AverageGradients(layer, world);
        var grad = layer.weight!.grad!.data<float>().ToArray();
        for (var i = 0; i < 8; i++)
            Check((Data(0, 8)[i] + Data(1, 8)[i]) / 2, grad[i], 1e-5f);

        // The core package: a span and a Tensor<T>.
        var spans = Distributed.AllGather<float>(Data(world.Rank, 25), world);
        var dense = Distributed.AllGather(System.Numerics.Tensors.Tensor.Create(Data(world.Rank, 12), [3, 4]), world);
        var flat = new float[dense.FlattenedLength];
        dense.FlattenTo(flat);
        for (var r = 0; r < world.Size; r++)
        {
            for (var i = 0; i < 25; i++)
                Check(Data(r, 25)[i], spans[r * 25 + i]);
            for (var i = 0; i < 12; i++)
                Check(Data(r, 12)[i], flat[r * 12 + i]);
        }
        Console.WriteLine($"consumer rank {world.Rank} of {world.Size}: {checkedCount} values checked, {wrong} wrong");
        return wrong == 0 ? 0 : 1;
        """;

    private static (int ExitCode, string Stdout, string Output, TimeSpan Elapsed) Tool(string file, string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stdout + stderr.Result, clock.Elapsed);
    }
}
