// MlxMpi's build orchestration: `dotnet tool restore && dotnet cake --target=<Target>`.
//   Native      configure and build the C shim and its native tests (CMake)
//   Bindings    regenerate bindings/ from native/include/mlxmpi.h
//   Build       check the generated bindings are current, build the solution (Release)
//   NativeTests the shim's CTest suite, plain and under AddressSanitizer + UBSan
//   Test        everything above plus the NUnit suite (unit + mpiexec tests)
//   Demo        (default) build and run the 4-rank all_gather demo under mpiexec
using System.Xml.Linq;

var target = Argument("target", "Demo");
var configuration = Argument("configuration", "Release");
var ranks = Argument("ranks", 4);
var python = "/usr/bin/python3";   // Debian's interpreter, which has python3-clang-14's clang.cindex
var nativeDir = "artifacts/native";
var sanitizedDir = "artifacts/native-sanitized";
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

Task("Test")
    .IsDependentOn("Build")
    .IsDependentOn("NativeTests")
    .Does(() =>
{
    CleanDirectory(testResults);
    var failed = false;
    try
    {
        Run("dotnet", $"test MlxMpi.sln -c {configuration} --no-build --logger \"trx;LogFileName=managed.trx\" " +
                      $"--logger \"console;verbosity=normal\" --results-directory {testResults}");
    }
    catch (Exception)
    {
        failed = true;
    }
    // One plain closing line for CI, counted from the results file rather than from console text.
    var counters = XDocument.Load($"{testResults}/managed.trx").Descendants().First(e => e.Name.LocalName == "Counters");
    int Count(string name) => int.Parse(counters.Attribute(name)?.Value ?? "0");
    var notRun = Count("notExecuted");
    Console.WriteLine($"tests: {Count("passed")} passed, {Count("failed") + Count("error") + Count("timeout")} failed, {notRun} skipped");
    if (failed)
        throw new Exception("dotnet test failed");
});

Task("Demo")
    .IsDependentOn("Build")
    .Does(() => Run("mpiexec", $"-n {ranks} --oversubscribe dotnet src/MlxMpi.Demo/bin/{configuration}/net10.0/MlxMpi.Demo.dll"));

RunTarget(target);
