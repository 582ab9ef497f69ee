using System.Globalization;

namespace MlxMpi.Tests.MultiNode;

/// <summary>Seeds and the dotnet host for launches that MpiLauncher does not make itself (as MpiLauncher chooses them).</summary>
internal static class TestSeed
{
    /// <summary>A fresh seed, or MLXMPI_TEST_SEED to replay a failure.</summary>
    public static ulong New() =>
        ulong.TryParse(Environment.GetEnvironmentVariable("MLXMPI_TEST_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : (ulong)Random.Shared.NextInt64(1, long.MaxValue);

    /// <summary>The dotnet that runs the tests (the CLI says which), else the one on PATH.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
}
