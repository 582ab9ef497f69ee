using System.Globalization;
using System.Text.RegularExpressions;

namespace MlxMpi.Tests.Mpi;

/// <summary>
/// Checks shared by the tests of launches that Init must refuse: every task ran the worker's init_refused scenario
/// (Init, Init again and Init(strict: true) threw one DistributedException) and its message says what is expected;
/// the demo, a program that does not catch it, ends non-zero with the message on stderr.
/// </summary>
public static partial class LaunchRefusal
{
    [GeneratedRegex(@"\bINFO (\d+) init_refused: message: (.*)$", RegexOptions.Multiline)]
    private static partial Regex MessageLine();

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Each task's refusal message, by task rank, after asserting every task 0..tasks-1 passed.</summary>
    public static IReadOnlyDictionary<int, string> AssertEveryTaskRefused(IReadOnlyList<WorkerRun> runs, int tasks)
    {
        var results = runs.SelectMany(r => r.Results).Where(r => r.Scenario == "init_refused").ToList();
        var described = string.Join("\n", runs.Select(r => r.Describe()));
        Assert.That(runs.Any(r => r.TimedOut), Is.False, () => $"a launch hung\n{described}");
        Assert.That(results.Select(r => r.Rank).Order(), Is.EqualTo(Enumerable.Range(0, tasks)), () => $"one result per task\n{described}");
        Assert.That(results.Where(r => !r.Passed).Select(r => r.Line), Is.Empty, () => described);
        var messages = runs.SelectMany(r => MessageLine().Matches(r.Stdout))
            .ToDictionary(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => m.Groups[2].Value.TrimEnd('\r'));
        Assert.That(messages.Keys.Order(), Is.EqualTo(Enumerable.Range(0, tasks)), () => $"one message per task\n{described}");
        TestContext.Out.WriteLine(described);
        return messages;
    }

    /// <summary>Every task's message contains each of <paramref name="expected"/>.</summary>
    public static void AssertMessages(IReadOnlyDictionary<int, string> messages, params string[] expected)
    {
        Assert.Multiple(() =>
        {
            foreach (var (task, message) in messages)
            {
                foreach (var text in expected)
                    Assert.That(message, Does.Contain(text), $"task {task}'s message");
            }
        });
    }

    /// <summary>A program that does not catch the refusal ends non-zero, with it on stderr, and printed nothing else.</summary>
    public static void AssertProgramFailed(WorkerRun run, params string[] expected)
    {
        TestContext.Out.WriteLine(run.Describe());
        Assert.Multiple(() =>
        {
            Assert.That(run.TimedOut, Is.False, "the program hung");
            Assert.That(run.ExitCode, Is.Not.Null.And.Not.EqualTo(0), "its exit code");
            Assert.That(run.Stderr, Does.Contain("Unhandled exception. MlxMpi.DistributedException"), "stderr");
            foreach (var text in expected)
                Assert.That(run.Stderr, Does.Contain(text), "stderr");
            Assert.That(run.Stdout, Does.Not.Contain("--- rank"), "the demo ran anyway");
        });
    }

    public static string Demo => MpiLauncher.ProgramDll("MlxMpi.Demo");

    public static string[] Worker(params string[] scenarios) => ["--seed", "1", .. scenarios];
}
