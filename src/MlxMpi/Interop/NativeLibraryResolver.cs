using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MlxMpi.Interop;

/// <summary>
/// Finds libmlxmpi.so for the generated [LibraryImport("mlxmpi")] declarations. The default probing would look
/// only in the application folder and the system paths, and its failure message does not say that the usual
/// cause is a missing MPI library, so MlxMpi resolves the shim itself and remembers why loading failed.
/// </summary>
internal static class NativeLibraryResolver
{
    internal const string LibraryName = "mlxmpi";
    private const string FileName = "libmlxmpi.so";
    internal const string PathVariable = "MLXMPI_NATIVE_PATH";

    private static readonly Lazy<(nint Handle, string? Error)> Loaded = new(LoadShim);

    // A library module initializer is the one place that runs before any P/Invoke of this assembly can, which is
    // exactly when the resolver must be in place.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);

    /// <summary>True when the shim and, through it, the MPI library load; otherwise <paramref name="error"/> says why.</summary>
    internal static bool TryLoad(out string? error)
    {
        var (handle, why) = Loaded.Value;
        error = why;
        return handle != 0;
    }

    /// <summary>Loads the shim or throws a DllNotFoundException that says what was tried and what to install.</summary>
    internal static void EnsureLoaded()
    {
        if (!TryLoad(out var error))
            throw new DllNotFoundException(error);
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
            return 0;
        EnsureLoaded();
        return Loaded.Value.Handle;
    }

    private static (nint, string?) LoadShim()
    {
        var failures = new List<string>();
        foreach (var candidate in Candidates())
        {
            if (!File.Exists(candidate))
                continue;
            try
            {
                return (NativeLibrary.Load(candidate), null);
            }
            catch (DllNotFoundException e)
            {
                // dlopen's text names the missing dependency, typically libmpi.so.40.
                failures.Add($"{candidate}: {e.Message}");
            }
        }
        var tried = string.Join(", ", Candidates());
        var detail = failures.Count == 0 ? $"{FileName} was not found (looked in: {tried})" : string.Join("; ", failures);
        return (0, $"The MlxMpi native shim could not be loaded: {detail}. Set {PathVariable} to the shim's file or folder, " +
                   "and make sure an MPI library is installed (Debian: apt-get install openmpi-bin libopenmpi-dev).");
    }

    private static IEnumerable<string> Candidates()
    {
        // An explicit path is the only candidate: silently loading some other copy would hide a deployment error.
        var overridePath = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(overridePath))
        {
            yield return Directory.Exists(overridePath) ? Path.Combine(overridePath, FileName) : overridePath;
            yield break;
        }

        // Empty in a single-file app, where AppContext.BaseDirectory is the right folder anyway.
#pragma warning disable IL3000
        var assemblyDir = Path.GetDirectoryName(typeof(NativeLibraryResolver).Assembly.Location);
#pragma warning restore IL3000
        foreach (var dir in new[] { AppContext.BaseDirectory, assemblyDir })
        {
            if (string.IsNullOrEmpty(dir))
                continue;
            yield return Path.Combine(dir, FileName);
            yield return Path.Combine(dir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", FileName);
            yield return Path.Combine(dir, "runtimes", "linux-x64", "native", FileName);
        }
    }
}
