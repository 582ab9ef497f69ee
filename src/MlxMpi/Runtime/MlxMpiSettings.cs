using System.Globalization;
using MlxMpi.Interop;

namespace MlxMpi.Runtime;

/// <summary>
/// Every MLXMPI_* variable the managed library reads, parsed in one place with one rule: unset (or empty) means the
/// default, anything else must be exactly one of the accepted values, or it is a DistributedException that names the
/// variable, the value and what is accepted. A typo must never silently become a default, or another value
/// (`funneled,serialized` parsed as enum flags is Multiple). <see cref="Validate()"/> runs at every Distributed.Init.
/// The shim's own variables (MLXMPI_CUDART_PATH, MLXMPI_GPU_PATH) are read by the C code.
/// </summary>
internal static class MlxMpiSettings
{
    internal const string NativePathVariable = "MLXMPI_NATIVE_PATH";
    internal const string MpiVariable = "MLXMPI_MPI";
    internal const string ThreadLevelVariable = "MLXMPI_THREAD_LEVEL";
    internal const string TimeoutVariable = "MLXMPI_TIMEOUT";
    internal const string BufferCacheBytesVariable = "MLXMPI_BUFFER_CACHE_BYTES";

    internal const double MinTimeoutSeconds = 0.001;   // the watchdog checks every 10 ms at the fastest
    internal const double MaxTimeoutSeconds = 1e9;     // about 31 years; TimeSpan itself ends near 9.2e11 s
    internal const long DefaultBufferCacheBytes = 1L << 30;

    internal const string AcceptedMpi = "one of openmpi, mpich (or unset, to follow the launcher)";
    internal const string AcceptedThreadLevel = "one of single, funneled, serialized, multiple";
    internal static readonly string AcceptedTimeout =
        $"a number of seconds from {MinTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} to {MaxTimeoutSeconds.ToString("0e0", CultureInfo.InvariantCulture)} (unset it for no limit)";
    internal const string AcceptedBufferCacheBytes = "a whole number of bytes, 0 or more (0 keeps no freed memory; default 1073741824)";

    /// <summary>Throws one DistributedException naming every variable whose value is not accepted.</summary>
    internal static void Validate() => Validate(Environment.GetEnvironmentVariable);

    internal static void Validate(Func<string, string?> environment)
    {
        var problems = new List<string>();
        void Check(Action parse)
        {
            try
            {
                parse();
            }
            catch (DistributedException e)
            {
                problems.Add(e.Message);
            }
        }
        Check(() => Mpi(environment));
        Check(() => ThreadLevel(environment));
        Check(() => Timeout(environment));
        Check(() => BufferCacheBytes(environment));
        if (problems.Count == 1)
            throw new DistributedException(problems[0]);
        if (problems.Count > 1)
            throw new DistributedException(string.Join("; ", problems));
    }

    /// <summary>MLXMPI_NATIVE_PATH: the shim's file or folder, or null to look beside the assembly.</summary>
    internal static string? NativePath(Func<string, string?> environment) =>
        environment(NativePathVariable) is { Length: > 0 } path ? path : null;

    /// <summary>MLXMPI_MPI: the shim forced by hand, or null to detect it.</summary>
    internal static MpiFlavor? Mpi(Func<string, string?> environment) =>
        Parse(environment, MpiVariable, AcceptedMpi, text => text.ToLowerInvariant() switch
        {
            "openmpi" or "open-mpi" or "ompi" => MpiFlavor.OpenMpi,
            "mpich" => MpiFlavor.Mpich,
            _ => (MpiFlavor?)null,
        });

    /// <summary>MLXMPI_THREAD_LEVEL, or null for Distributed.RequestedThreadLevel. Names only: "3" or
    /// "funneled,serialized" are not levels.</summary>
    internal static MpiThreadLevel? ThreadLevel(Func<string, string?> environment) =>
        Parse(environment, ThreadLevelVariable, AcceptedThreadLevel, text => text.ToLowerInvariant() switch
        {
            "single" => MpiThreadLevel.Single,
            "funneled" => MpiThreadLevel.Funneled,
            "serialized" => MpiThreadLevel.Serialized,
            "multiple" => MpiThreadLevel.Multiple,
            _ => (MpiThreadLevel?)null,
        });

    /// <summary>MLXMPI_TIMEOUT, or null for none.</summary>
    internal static TimeSpan? Timeout(Func<string, string?> environment) =>
        Parse(environment, TimeoutVariable, AcceptedTimeout, text =>
            double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var seconds)
            && seconds is >= MinTimeoutSeconds and <= MaxTimeoutSeconds
                ? TimeSpan.FromSeconds(seconds)
                : (TimeSpan?)null);

    /// <summary>MLXMPI_BUFFER_CACHE_BYTES, or null for the default.</summary>
    internal static long? BufferCacheBytes(Func<string, string?> environment) =>
        Parse(environment, BufferCacheBytesVariable, AcceptedBufferCacheBytes, text =>
            long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : (long?)null);

    /// <summary>The limit the buffer cache starts with: read before Init may have run, so it never throws (Init
    /// reports a bad value); until then a bad value means the default.</summary>
    internal static long InitialBufferCacheBytes()
    {
        try
        {
            return BufferCacheBytes(Environment.GetEnvironmentVariable) ?? DefaultBufferCacheBytes;
        }
        catch (DistributedException)
        {
            return DefaultBufferCacheBytes;
        }
    }

    private static T? Parse<T>(Func<string, string?> environment, string name, string accepted, Func<string, T?> parse) where T : struct
    {
        var raw = environment(name);
        if (string.IsNullOrEmpty(raw))
            return null;
        // Surrounding blanks are forgiven (a shell script's "export X= 5 "); anything else in the value is not.
        return parse(raw.Trim()) ?? throw Invalid(name, raw, accepted);
    }

    internal static DistributedException Invalid(string name, string value, string accepted) =>
        new($"{name}=\"{value}\" is not accepted: expected {accepted}");
}
