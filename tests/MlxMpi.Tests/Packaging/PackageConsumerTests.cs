using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using MlxMpi.Tests.Mpi;
using MlxMpi.Tests.Shared;
using NUnit.Framework;

namespace MlxMpi.Tests.Packaging;

/// <summary>
/// MlxMpi as a NuGet package: `dotnet pack` of src/MlxMpi gives MlxMpi.&lt;version&gt;.nupkg with the assembly, its XML
/// docs, the README and the native shims under runtimes/linux-x64/native/; a fresh console project outside the
/// repository restores it from a local folder feed (and nothing else: package source mapping sends only MlxMpi
/// there, the default sources keep the rest), builds, and runs under `mpiexec -n 3`, gathering random data and
/// checking every element on every rank, through AllGather and through AllGatherInto into a NaN-poisoned output.
/// Also under mpiexec.mpich when MPICH is installed: the package's resolver must then load the MPICH shim.
/// </summary>
[Category("Mpi")]
[Category("Packaging")]
[NonParallelizable]
public sealed partial class PackageConsumerTests
{
    private const int Ranks = 3;
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(4);

    private string _root = "";
    private string _version = "";
    private string _nupkg = "";
    private string _consumerDll = "";
    private bool _keep;

    [GeneratedRegex(@"^consumer rank (\d+) of (\d+): (\d+) elements checked twice, (\d+) wrong; shim (\S+)\r?$", RegexOptions.Multiline)]
    private static partial Regex ResultLine();

    [OneTimeSetUp]
    public void PackAndBuildConsumer()
    {
        _root = Directory.CreateTempSubdirectory("mlxmpi-package-test-").FullName;
        var configuration = typeof(PackageConsumerTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        _version = PackageVersion();
        var feed = Directory.CreateDirectory(Path.Combine(_root, "feed")).FullName;

        // The library was built with this test assembly (ProjectReference), in the same configuration.
        var pack = Tool("dotnet", ["pack", RepositoryLayout.PathOf("src", "MlxMpi", "MlxMpi.csproj"), "-c", configuration,
                                   "--no-build", "-o", feed, "-nr:false"], RepositoryLayout.Root);
        Assert.That(pack.ExitCode, Is.EqualTo(0), () => $"dotnet pack failed\n{pack.Output}");
        _nupkg = Path.Combine(feed, $"MlxMpi.{_version}.nupkg");

        var consumer = Directory.CreateDirectory(Path.Combine(_root, "consumer")).FullName;
        WriteConsumer(consumer, feed);
        var build = Tool("dotnet", ["build", consumer, "-c", "Release", "-nr:false", "-p:UseSharedCompilation=false"], consumer);
        TestContext.Progress.WriteLine($"package {Path.GetFileName(_nupkg)}: consumer restored and built in {build.Elapsed.TotalSeconds:F1} s");
        if (build.ExitCode != 0)
            _keep = true;
        Assert.That(build.ExitCode, Is.EqualTo(0), () => $"the consumer did not restore or build (kept in {_root})\n{build.Output}");
        _consumerDll = Path.Combine(consumer, "bin", "Release", "net10.0", "Consumer.dll");
    }

    [OneTimeTearDown]
    public void RemoveTemporaryFiles()
    {
        if (_keep)
            TestContext.Progress.WriteLine($"package test files kept for inspection: {_root}");
        else if (_root.Length > 0 && Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    [Test]
    public void The_package_holds_the_assembly_docs_readme_and_native_shims()
    {
        Assert.That(File.Exists(_nupkg), Is.True, $"{Path.GetFileName(_nupkg)} in the feed: {string.Join(", ", Directory.GetFiles(Path.GetDirectoryName(_nupkg)!).Select(Path.GetFileName))}");
        using var zip = ZipFile.OpenRead(_nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        TestContext.Out.WriteLine(string.Join("\n", entries));
        Assert.That(entries, Does.Contain("lib/net10.0/MlxMpi.dll")
            .And.Contain("lib/net10.0/MlxMpi.xml")
            .And.Contain("README.md")
            .And.Contain("runtimes/linux-x64/native/libmlxmpi.so"));
        if (HasMpich())
            Assert.That(entries, Does.Contain("runtimes/linux-x64/native/libmlxmpi.mpich.so"));

        var nuspecEntry = zip.Entries.Single(e => e.FullName == "MlxMpi.nuspec");
        using var stream = nuspecEntry.Open();
        var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Field(string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.Multiple(() =>
        {
            Assert.That(Field("id"), Is.EqualTo("MlxMpi"));
            Assert.That(Field("version"), Is.EqualTo(_version));
            Assert.That(Field("readme"), Is.EqualTo("README.md"));
            Assert.That(Field("description"), Is.Not.Null.And.Not.Empty);
        });

        // The docs are the real ones, not an empty file: they document the public entry point.
        using var docs = zip.Entries.Single(e => e.FullName == "lib/net10.0/MlxMpi.xml").Open();
        Assert.That(new StreamReader(docs).ReadToEnd(), Does.Contain("M:MlxMpi.Distributed.AllGather("));
    }

    [Test]
    public void A_consumer_of_the_package_gathers_correctly_under_mpiexec() =>
        AssertConsumerRun("mpiexec", ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none"], "libmlxmpi.so");

    [Test]
    public void A_consumer_of_the_package_gathers_correctly_under_mpiexec_mpich()
    {
        if (!HasMpich())
            Assert.Ignore("MPICH is not installed (Debian: apt-get install mpich libmpich-dev)");
        AssertConsumerRun("mpiexec.mpich", [], "libmlxmpi.mpich.so");
    }

    private void AssertConsumerRun(string mpiexec, string[] flags, string expectedShim)
    {
        Assert.That(File.Exists(_consumerDll), Is.True, $"the consumer's {_consumerDll}");
        var seed = Random.Shared.NextInt64(1, long.MaxValue).ToString(CultureInfo.InvariantCulture);
        var run = Tool(mpiexec, ["-n", Ranks.ToString(CultureInfo.InvariantCulture), .. flags, Dotnet(), _consumerDll, seed],
                       Path.GetDirectoryName(_consumerDll)!, environment => environment["TERM"] = "dumb");
        TestContext.Out.WriteLine(run.Output);
        var lines = ResultLine().Matches(run.Stdout).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), () => $"{mpiexec} exit code\n{run.Output}");
            Assert.That(lines.Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order(), Is.EqualTo(Enumerable.Range(0, Ranks)),
                () => $"one result line per rank\n{run.Output}");
            foreach (var line in lines)
            {
                Assert.That(line.Groups[2].Value, Is.EqualTo(Ranks.ToString(CultureInfo.InvariantCulture)), line.Value);
                Assert.That(long.Parse(line.Groups[3].Value, CultureInfo.InvariantCulture), Is.GreaterThan(1000), line.Value);
                Assert.That(line.Groups[4].Value, Is.EqualTo("0"), line.Value);
                // Loaded from the package's native folder, as NuGet laid it out, not from some build tree.
                Assert.That(line.Groups[5].Value, Does.EndWith($"/runtimes/linux-x64/native/{expectedShim}"), line.Value);
            }
        });
    }

    private void WriteConsumer(string folder, string feed)
    {
        var sources = Tool("dotnet", ["nuget", "list", "source", "--format", "short"], folder);
        LocalFeedConsumer.Write(folder, feed, ["MlxMpi"], "MlxMpi", PackageVersion(), ConsumerProgram,
                                LocalFeedConsumer.EnabledSources(sources.Stdout));
    }

    // Every rank's block is a function of (seed, rank), so every rank checks the whole result.
    private const string ConsumerProgram = """
        using MlxMpi;

        var seed = int.Parse(args[0].AsSpan(0, Math.Min(9, args[0].Length)));
        const int Rows = 129, Columns = 11;
        float[] Block(int rank)
        {
            var random = new Random(seed ^ (rank * 7919));
            return [.. Enumerable.Range(0, Rows * Columns).Select(_ => (float)(random.NextDouble() * 2000 - 1000))];
        }

        var world = Distributed.Init(strict: true);
        using var x = MlxArray.FromArray(Block(world.Rank), Rows, Columns);
        using var gathered = Distributed.AllGather(x, world);
        using var into = MlxArray.FromArray(Enumerable.Repeat(float.NaN, world.Size * Rows * Columns).ToArray(), world.Size * Rows, Columns);
        Distributed.AllGatherInto(x, into, world);

        var wrong = 0;
        if (!gathered.Shape.SequenceEqual([world.Size * Rows, Columns]))
            wrong++;
        var results = new[] { gathered.ToArray<float>(), into.ToArray<float>() };
        for (var rank = 0; rank < world.Size; rank++)
        {
            var expected = Block(rank);
            foreach (var result in results)
                for (var i = 0; i < expected.Length; i++)
                    if (BitConverter.SingleToInt32Bits(result[rank * expected.Length + i]) != BitConverter.SingleToInt32Bits(expected[i]))
                        wrong++;
        }
        // Which shim this process loaded, as the dynamic linker mapped it.
        var shim = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && Path.GetFileName(f[5]).StartsWith("libmlxmpi", StringComparison.Ordinal))
            .Select(f => f[5]).FirstOrDefault() ?? "none";
        Console.WriteLine($"consumer rank {world.Rank} of {world.Size}: {results[0].Length} elements checked twice, {wrong} wrong; shim {shim}");
        return wrong == 0 ? 0 : 1;
        """;

    /// <summary>The version the project packs: the library's informational version without the source revision.</summary>
    private static string PackageVersion()
    {
        var informational = typeof(Distributed).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        return informational.Split('+')[0];
    }

    private static bool HasMpich() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "mpiexec.mpich")));

    private static string Dotnet() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    private sealed record ToolRun(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, string CommandLine)
    {
        public string Output => $"command: {CommandLine}\nexit: {ExitCode}, {Elapsed.TotalSeconds:F1} s\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    private ToolRun Tool(string fileName, string[] arguments, string workingDirectory, Action<IDictionary<string, string?>>? environment = null) =>
        RunTool(fileName, arguments, workingDirectory, start =>
        {
            // A package cache of this run only, so the freshly packed MlxMpi is what restore finds.
            start["NUGET_PACKAGES"] = Path.Combine(_root, "packages");
            start["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start["DOTNET_NOLOGO"] = "1";
            environment?.Invoke(start);
        });

    private static ToolRun RunTool(string fileName, string[] arguments, string workingDirectory, Action<IDictionary<string, string?>> environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // The test host runs under `dotnet test`: its MSBuild variables must not leak into the nested builds.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "MSBUILD_EXE_PATH").ToList())
            start.Environment.Remove(name);
        environment(start.Environment);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(ToolTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        return new ToolRun(process.HasExited ? process.ExitCode : -1, stdout.Result, stderr.Result, clock.Elapsed,
                           string.Join(' ', [fileName, .. arguments]));
    }
}
