// MlxMpi's build orchestration: `dotnet tool restore && dotnet cake --target=<Target>`.
//   Native      configure and build the C shim and its native tests (CMake)
//   Bindings    regenerate bindings/ from native/include/mlxmpi.h
//   Build       check the generated bindings are current, build the solution (Release)
//   NativeTests the shim's CTest suite, plain and under AddressSanitizer + UBSan
//   NativeValgrind the shim's MPI tests at 2 ranks under valgrind memcheck (leaks included)
//   TestMpich   the CTest suite built against MPICH, and the NUnit MPI tests launched by mpiexec.mpich
//   Test        everything above plus the NUnit suite (unit + mpiexec tests; as root also a throw-away Slurm cluster,
//               podman containers and an MPI.NET job: tests/MlxMpi.Tests/Launchers)
//   Pack        the NuGet package, artifacts/packages/MlxMpi.<version>.nupkg (both native shims included)
//   Bench       the all_gather benchmark at 2 and 4 ranks (scripts/bench.sh; results/bench-<date>/)
//   Demo        (default) build and run the 4-rank demo of the operations under mpiexec
using System.Xml.Linq;

var target = Argument("target", "Demo");
var configuration = Argument("configuration", "Release");
var ranks = Argument("ranks", 4);
var python = "/usr/bin/python3";   // Debian's interpreter, which has python3-clang-14's clang.cindex
var nativeDir = "artifacts/native";
var sanitizedDir = "artifacts/native-sanitized";
var valgrindDir = "artifacts/native-valgrind";
var mpichDir = "artifacts/native-mpich";        // the shim built against MPICH: libmlxmpi.mpich.so
var testResults = "artifacts/test-results";

// mpiexec refuses root without these; harmless otherwise (CI and containers run as root).
var mpiEnvironment = new Dictionary<string, string> {
    ["OMPI_ALLOW_RUN_AS_ROOT"] = "1",
    ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1",
};

void Run(string tool, string arguments, IDictionary<string, string> environment = null)
{
    var settings = new ProcessSettings { Arguments = arguments, EnvironmentVariables = environment ?? mpiEnvironment };
    Information($"> {tool} {arguments}");
    var exitCode = StartProcess(tool, settings);
    if (exitCode != 0)
        throw new Exception($"{tool} {arguments} exited with {exitCode}");
}

void BuildNative(string dir, string extraOptions)
{
    Run("cmake", $"-S . -B {dir} -DCMAKE_BUILD_TYPE=RelWithDebInfo {extraOptions}");
    Run("cmake", $"--build {dir} --parallel");
}

Task("Native")
    .Does(() => BuildNative(nativeDir, ""));

Task("Bindings")
    .Does(() => Run(python, "scripts/generate_bindings.py"));

Task("CheckBindings")
    .Does(() => Run(python, "scripts/generate_bindings.py --check"));

Task("Build")
    .IsDependentOn("CheckBindings")
    .IsDependentOn("Native")
    .Does(() => Run("dotnet", $"build MlxMpi.sln -c {configuration}"));

Task("NativeTests")
    .IsDependentOn("Native")
    .Does(() =>
{
    Run("ctest", $"--test-dir {nativeDir} --output-on-failure");
    BuildNative(sanitizedDir, "-DMLXMPI_SANITIZE=ON");
    Run("ctest", $"--test-dir {sanitizedDir} --output-on-failure");
});

// A separate tree: MLXMPI_VALGRIND registers memcheck copies of the tests (label "valgrind") next to the
// plain ones; only those run here, one at a time (two at once was slower on 2 cores: 54 s against 42 s).
Task("NativeValgrind")
    .Does(() =>
{
    BuildNative(valgrindDir, "-DMLXMPI_VALGRIND=ON");
    Run("ctest", $"--test-dir {valgrindDir} -L valgrind --output-on-failure");
});

// MPICH 4 (Debian's mpich + libmpich-dev, installed beside Open MPI, which stays the default mpiexec): the shim's
// CTest suite built against it, then the NUnit MPI tests with every launch under mpiexec.mpich (MLXMPI_MPIEXEC), so
// the same managed assembly must pick the MPICH shim. Left out: MultiNode (Open MPI's rsh launcher), Packaging (runs
// both MPIs itself), Soak and LargeMemory (minutes each, and the same managed code under either MPI).
Task("TestMpich")
    .IsDependentOn("Build")
    .Does(() =>
{
    if (!OnPath("mpiexec.mpich") || !OnPath("mpicc.mpich"))
    {
        if (EnvironmentVariable("CI") == "true")
            throw new Exception("MPICH (mpiexec.mpich, mpicc.mpich) is missing: scripts/install-deps.sh installs it");
        Warning("TestMpich: MPICH is not installed (apt-get install mpich libmpich-dev); skipped");
        return;
    }
    BuildNative(mpichDir, "-DMLXMPI_MPI_FLAVOR=mpich");
    Run("ctest", $"--test-dir {mpichDir} --output-on-failure");

    var results = $"{testResults}-mpich";
    CleanDirectory(results);
    var environment = new Dictionary<string, string>(mpiEnvironment) { ["MLXMPI_MPIEXEC"] = "mpiexec.mpich" };
    var failed = false;
    try
    {
        Run("dotnet", $"test tests/MlxMpi.Tests/MlxMpi.Tests.csproj -c {configuration} --no-build " +
                      "--filter \"TestCategory=Mpi&TestCategory!=MultiNode&TestCategory!=MpiNet&TestCategory!=Slurm&TestCategory!=Container&TestCategory!=Packaging&TestCategory!=Soak&TestCategory!=LargeMemory\" " +
                      $"--logger \"trx;LogFileName=mpich.trx\" --logger \"console;verbosity=normal\" --results-directory {results}", environment);
    }
    catch (Exception)
    {
        failed = true;
    }
    var counters = XDocument.Load($"{results}/mpich.trx").Descendants().First(e => e.Name.LocalName == "Counters");
    int Count(string name) => int.Parse(counters.Attribute(name)?.Value ?? "0");
    // Ignored tests are in "total" but not in "executed" (the TRX counter notExecuted stays 0 for them).
    Console.WriteLine($"mpich: {Count("passed")} passed, {Count("failed") + Count("error") + Count("timeout")} failed, {Count("total") - Count("executed")} skipped");
    if (failed)
        throw new Exception("dotnet test under mpiexec.mpich failed");
});

bool OnPath(string program) =>
    (EnvironmentVariable("PATH") ?? "").Split(':').Any(dir => System.IO.File.Exists(System.IO.Path.Combine(dir, program)));

Task("Test")
    .IsDependentOn("Build")
    .IsDependentOn("NativeTests")
    .IsDependentOn("NativeValgrind")
    .IsDependentOn("TestMpich")
    .Does(() =>
{
    CleanDirectory(testResults);
    var failed = false;
    try
    {
        // One results file per test project (LogFilePrefix makes the names unique), summed below.
        Run("dotnet", $"test MlxMpi.sln -c {configuration} --no-build --logger \"trx;LogFilePrefix=managed\" " +
                      $"--logger \"console;verbosity=normal\" --results-directory {testResults}");
    }
    catch (Exception)
    {
        failed = true;
    }
    // One plain closing line for CI, counted from the results file rather than from console text.
    var counters = System.IO.Directory.GetFiles(testResults, "managed*.trx")
        .Select(f => XDocument.Load(f).Descendants().First(e => e.Name.LocalName == "Counters")).ToList();
    int Count(string name) => counters.Sum(c => int.Parse(c.Attribute(name)?.Value ?? "0"));
    var notRun = Count("total") - Count("executed"); // ignored tests are not counted as notExecuted
    Console.WriteLine($"tests: {Count("passed")} passed, {Count("failed") + Count("error") + Count("timeout")} failed, {notRun} skipped");
    if (failed)
        throw new Exception("dotnet test failed");
});

// The all_gather benchmark (raw C MPI_Allgather, AllGather, AllGatherInto, mpi4py) at 2 and 4 ranks: tables, CSV,
// plots and report.md in results/bench-<date>/. See docs/performance.md.
Task("Bench")
    .IsDependentOn("Build")
    .Does(() => Run("bash", configuration == "Release" ? "scripts/bench.sh --no-build" : "scripts/bench.sh"));

// dotnet pack of the two libraries (the other projects are not packages): assembly, XML docs, README.md and both
// native shims under runtimes/linux-x64/native/. The version is MlxMpi.csproj's <Version>.
Task("Pack")
    .IsDependentOn("Build")
    .Does(() =>
{
    Run("dotnet", $"pack src/MlxMpi/MlxMpi.csproj -c {configuration} --no-build -o artifacts/packages");
    // MlxMpi.TorchSharp: the assembly, README, the libstdc++ patch (tools/, buildTransitive/) and libmlxmpi_iosinit.so.
    Run("dotnet", $"pack src/MlxMpi.TorchSharp/MlxMpi.TorchSharp.csproj -c {configuration} --no-build -o artifacts/packages");
});

Task("Demo")
    .IsDependentOn("Build")
    .Does(() => Run("mpiexec", $"-n {ranks} --oversubscribe dotnet src/MlxMpi.Demo/bin/{configuration}/net10.0/MlxMpi.Demo.dll"));

RunTarget(target);
