using System.Globalization;

namespace MlxMpi.Diag;

/// <summary>A mistake on the command line: the message and the usage are printed, and the exit code is 64.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The options every command shares (not all apply to all). Parsed by hand: a few flags do not justify a
/// command-line package, and the tool stays a single small dependency set.
/// </summary>
internal sealed class Options
{
    public IReadOnlyList<int>? Pids { get; private set; }
    public string? Job { get; private set; }
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(2);
    public TimeSpan StuckAfter { get; private set; } = TimeSpan.FromSeconds(1);
    public bool Json { get; private set; }
    public string? OutputDirectory { get; private set; }
    public DumpKind DumpKind { get; private set; } = DumpKind.Heap;

    public static Options Parse(IReadOnlyList<string> args)
    {
        var options = new Options();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value");
            switch (name)
            {
                case "--pids":
                    options.Pids = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParsePid)];
                    break;
                case "--job":
                    options.Job = Value();
                    break;
                case "--duration":
                    options.Duration = ParseSeconds(name, Value());
                    break;
                case "--stuck-after":
                    options.StuckAfter = ParseSeconds(name, Value());
                    break;
                case "--json":
                    options.Json = true;
                    break;
                case "-o" or "--output":
                    options.OutputDirectory = Value();
                    break;
                case "--type":
                    options.DumpKind = DumpKinds.Parse(Value());
                    break;
                default:
                    throw new UsageException($"unknown option {name}");
            }
        }
        if (options.Pids is not null && options.Job is not null)
            throw new UsageException("give --pids or --job, not both");
        return options;
    }

    private static int ParsePid(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
            ? pid
            : throw new UsageException($"--pids: '{text}' is not a process id");

    private static TimeSpan ParseSeconds(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds < 86_400
            ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException($"{name}: '{text}' is not a positive number of seconds");
}
