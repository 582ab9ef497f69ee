using System.Globalization;

namespace MlxMpi.Diag;

/// <summary>
/// What /proc tells about another process on Linux, where the diagnostics port does not: its parent, its command
/// line, and whether MlxMpi is loaded (managed assemblies and native libraries are both memory-mapped files, so
/// either one shows in /proc/PID/maps). Every answer is null where /proc is missing or the process is gone.
/// </summary>
internal static class ProcFs
{
    private static bool Available => OperatingSystem.IsLinux() && Directory.Exists("/proc/self");

    public static int? ParentPid(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        if (stat is null)
            return null;
        // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : null;
    }

    /// <summary>True when the process has exited (gone, or a zombie waiting to be reaped); null when unknowable.</summary>
    public static bool? HasExited(int pid)
    {
        if (!Available)
            return null;
        var stat = Read($"/proc/{pid}/stat");
        return stat is null || stat[(stat.LastIndexOf(')') + 1)..].TrimStart().FirstOrDefault() is 'Z' or 'X';
    }

    public static string? CommandLine(int pid) =>
        Read($"/proc/{pid}/cmdline") is { Length: > 0 } text ? text.TrimEnd('\0').Replace('\0', ' ') : null;

    public static bool? HasMlxMpi(int pid)
    {
        var maps = Read($"/proc/{pid}/maps");
        if (maps is null)
            return null;
        return maps.Contains("/MlxMpi.dll", StringComparison.Ordinal) || maps.Contains("/libmlxmpi.so", StringComparison.Ordinal);
    }

    private static string? Read(string path)
    {
        if (!Available)
            return null;
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // exited meanwhile, or not ours to read
        }
    }
}
