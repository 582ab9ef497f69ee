namespace MlxMpi.MpiWorker;

/// <summary>This process's resident memory from /proc/self/status (Linux): VmRSS now, VmHWM its peak, in KiB.
/// Native array memory does not show in GC figures, so RSS is what reveals a leak of either kind.</summary>
internal static class ProcessMemory
{
    public static long ResidentKiB() => Read("VmRSS:");

    public static long PeakResidentKiB() => Read("VmHWM:");

    /// <summary>RSS after a full, compacting collection and the finalizers it queued (arrays dropped without Dispose
    /// give their native memory back in a finalizer), so that two readings compare live memory, not GC timing.</summary>
    public static long SettledResidentKiB()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return ResidentKiB();
    }

    private static long Read(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"/proc/self/status has no {field} line");
    }
}
