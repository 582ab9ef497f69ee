using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MlxMpi.Runtime;

namespace MlxMpi.Interop;

/// <summary>
/// Finds the native shim for the generated [LibraryImport("mlxmpi")] declarations. There is one shim per MPI
/// flavour (libmlxmpi.so for Open MPI, libmlxmpi.mpich.so for MPICH, see <see cref="MpiFlavorDetection"/>), and the
/// default probing would look only in the application folder and the system paths, and its failure message does not
/// say that the usual cause is a missing MPI library, so MlxMpi resolves the shim itself and remembers why loading
/// failed.
/// </summary>
internal static class NativeLibraryResolver
{
    internal const string LibraryName = "mlxmpi";
    internal const string PathVariable = MlxMpiSettings.NativePathVariable;

    private static readonly Lazy<(nint Handle, string? Error)> Loaded = new(LoadShim);

    /// <summary>The file the shim was loaded from, once it is loaded (for diagnostics).</summary>
    internal static string? LoadedPath { get; private set; }

    /// <summary>The flavour of the shim that was loaded, once it is loaded.</summary>
    internal static MpiFlavor? LoadedFlavor { get; private set; }

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
        (MpiFlavor Flavor, string Reason)? detected;
        try
        {
            detected = MpiFlavorDetection.Detect();
        }
        catch (DistributedException e)
        {
            return (0, $"The MlxMpi native shim could not be loaded: {e.Message}.");
        }
        // With no evidence (no launcher: MPI will not even start), either shim will do; Open MPI is the primary target.
        MpiFlavor[] flavors = detected is { } known ? [known.Flavor] : [MpiFlavor.OpenMpi, MpiFlavor.Mpich];
        var candidates = Candidates(flavors).ToList();

        var failures = new List<string>();
        UcxSignalHandlers.LeaveToTheRuntime();
        foreach (var candidate in candidates)
        {
            if (!File.Exists(candidate))
                continue;
            try
            {
                var handle = NativeLibrary.Load(candidate);
                LoadedPath = candidate;
                LoadedFlavor = flavors.FirstOrDefault(f => Path.GetFileName(candidate) == MpiFlavorDetection.FileNameOf(f), flavors[0]);
                return (handle, null);
            }
            catch (DllNotFoundException e)
            {
                // dlopen's text names the missing dependency, typically libmpi.so.40 or libmpich.so.12.
                failures.Add($"{candidate}: {e.Message}");
            }
        }
        var wanted = string.Join(" or ", flavors.Select(MpiFlavorDetection.FileNameOf).Distinct());
        var why = detected is { } d ? $" (the shim for {MpiFlavorDetection.Describe(d.Flavor)}, chosen because {d.Reason})" : "";
        var detail = failures.Count == 0
            ? $"{wanted}{why} was not found (looked in: {string.Join(", ", candidates)})"
            : string.Join("; ", failures) + why;
        var install = string.Join("; or ", flavors.Select(MpiFlavorDetection.InstallHint));
        return (0, $"The MlxMpi native shim could not be loaded: {detail}. Set {PathVariable} to the shim's file or folder, " +
                   $"and make sure an MPI library is installed ({install}).");
    }

    private static IEnumerable<string> Candidates(IReadOnlyList<MpiFlavor> flavors)
    {
        var fileNames = flavors.Select(MpiFlavorDetection.FileNameOf).ToList();

        // An explicit path is the only place looked at: silently loading some other copy would hide a deployment
        // error. A file is taken as it is (the user chose it); a folder holds the shim of the detected flavour.
        var overridePath = MlxMpiSettings.NativePath(Environment.GetEnvironmentVariable);
        if (overridePath is not null)
        {
            if (Directory.Exists(overridePath))
            {
                foreach (var fileName in fileNames)
                    yield return Path.Combine(overridePath, fileName);
            }
            else
            {
                yield return overridePath;
            }
            yield break;
        }

        // Empty in a single-file app, where AppContext.BaseDirectory is the right folder anyway.
#pragma warning disable IL3000
        var assemblyDir = Path.GetDirectoryName(typeof(NativeLibraryResolver).Assembly.Location);
#pragma warning restore IL3000
        // Beside the assembly (a project build), then where a NuGet package's runtimes/linux-x64/native files land.
        foreach (var fileName in fileNames)
        {
            string[] dirs = [.. new[] { AppContext.BaseDirectory, assemblyDir }
                .Where(d => !string.IsNullOrEmpty(d)).Select(d => Path.TrimEndingDirectorySeparator(d!)).Distinct()];
            foreach (var dir in dirs)
            {
                yield return Path.Combine(dir, fileName);
                yield return Path.Combine(dir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", fileName);
                if (RuntimeInformation.RuntimeIdentifier != "linux-x64")
                    yield return Path.Combine(dir, "runtimes", "linux-x64", "native", fileName);
            }
        }
    }
}
