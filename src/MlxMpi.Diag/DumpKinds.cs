using Microsoft.Diagnostics.NETCore.Client;

namespace MlxMpi.Diag;

/// <summary>The dump types createdump offers, by the names dotnet-dump uses for them.</summary>
internal enum DumpKind
{
    /// <summary>Thread stacks and module lists: small, enough for "where is every thread".</summary>
    Mini,
    /// <summary>Also the managed heap and the process's writable memory: the objects (MlxMpi's flight recorder, the
    /// arrays, the exception in flight), not the mapped images.</summary>
    Heap,
    /// <summary>Like mini, with personal data (paths, strings) stripped; for sharing.</summary>
    Triage,
    /// <summary>All memory, mapped images too: the largest.</summary>
    Full,
}

internal static class DumpKinds
{
    public static DumpKind Parse(string text) => text.ToLowerInvariant() switch
    {
        "mini" => DumpKind.Mini,
        "heap" => DumpKind.Heap,
        "triage" => DumpKind.Triage,
        "full" => DumpKind.Full,
        _ => throw new UsageException($"--type: '{text}' is not one of mini, heap, triage, full"),
    };

    public static DumpType ToDumpType(this DumpKind kind) => kind switch
    {
        DumpKind.Mini => DumpType.Normal,
        DumpKind.Heap => DumpType.WithHeap,
        DumpKind.Triage => DumpType.Triage,
        DumpKind.Full => DumpType.Full,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
