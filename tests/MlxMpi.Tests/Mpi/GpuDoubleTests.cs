namespace MlxMpi.Tests.Mpi;

/// <summary>
/// GPU arrays gathered across ranks with the shim's CUDA hooks loaded over the CUDA runtime test double
/// (tests/native/cudart_double.c: "device" memory that is host memory underneath, poisoned on allocation, every copy
/// recorded, failures injectable), so the device path runs for real on machines without a GPU: on the staging path
/// (pinned host buffers) and on the direct path (device pointers handed to MPI), at 2 and 3 ranks.
/// </summary>
[Category("Mpi")]
[Category("Gpu")]
[TestFixture("staging", 2)]
[TestFixture("staging", 3)]
[TestFixture("direct", 2)]
[TestFixture("direct", 3)]
public sealed class GpuDoubleTests(string path, int ranks) : MpiLaunchFixture
{
    protected override int Ranks => ranks;

    protected override IReadOnlyList<string> Scenarios => WorkerScenarios.Gpu;

    protected override IReadOnlyDictionary<string, string> LaunchEnvironment => new Dictionary<string, string>
    {
        ["MLXMPI_CUDART_PATH"] = RepositoryLayout.PathOf("artifacts", "native", "libcudart_double.so"),
        ["MLXMPI_GPU_PATH"] = path,
        ["CUDART_DOUBLE_DEVICE_COUNT"] = "2",
    };

    [TestCaseSource(typeof(WorkerScenarios), nameof(WorkerScenarios.Gpu))]
    public void Scenario(string name) => AssertScenario(name);
}
