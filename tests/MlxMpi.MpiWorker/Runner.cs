namespace MlxMpi.MpiWorker;

/// <summary>Parses the command line, initialises the world once and runs the scenarios in order.</summary>
internal static class Runner
{
    public static int Run(string[] args)
    {
        if (args is ["--list"])
        {
            foreach (var line in ScenarioTable.Listing())
                Console.WriteLine(line);
            return 0;
        }
        if (!WorkerOptions.TryParse(args, out var options, out var usageError))
        {
            Console.Error.WriteLine($"MlxMpi.MpiWorker: {usageError}");
            Console.Error.WriteLine("usage: MlxMpi.MpiWorker [--seed N] scenario... | --list");
            return 64;
        }

        var scenarios = options.Scenarios.Select(name => (name, scenario: ScenarioTable.Find(name))).ToList();
        var rank = MlxMpi.Runtime.LauncherEnvironment.Current().Rank ?? 0;

        // Standalone scenarios (singleton) test Init themselves, outside any launcher.
        Group? world = null;
        if (scenarios.Any(s => s.scenario?.NeedsWorld ?? false))
        {
            try
            {
                world = Distributed.Init(strict: true);
                rank = world.Rank;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"rank {rank}: Distributed.Init(strict: true) failed: {e}");
                foreach (var (name, _) in scenarios)
                    Output.Result(rank, name, $"Distributed.Init(strict: true) threw {Failures.Describe(e)}");
                return 2;
            }
        }

        var seed = options.Seed ?? SeedAgreement.Agree(world);
        if (rank == 0)
            Output.Info(rank, $"seed {seed} size {world?.Size ?? 1} scenarios {string.Join(' ', options.Scenarios)}");

        var allPassed = true;
        string? unusableAfter = null;
        for (var index = 0; index < scenarios.Count; index++)
        {
            var (name, scenario) = scenarios[index];
            if (unusableAfter is not null)
            {
                Output.Result(rank, name, $"not run: the group was unusable after {unusableAfter}");
                allPassed = false;
                continue;
            }
            if (scenario is null)
            {
                // Every rank sees the same unknown name, so skipping it keeps the ranks in step.
                Output.Result(rank, name, "unknown scenario (see --list)");
                allPassed = false;
                continue;
            }

            var failure = RunOne(scenario, world, seed, rank);
            Output.Result(rank, name, failure);
            allPassed &= failure is null;

            // A Shutdown scenario leaves collectives queued for process exit to deal with: a checkpoint would pair with them.
            if (world is not null && scenario.Suite != Suite.Shutdown && !Checkpoint.Passed(world, index, out var reason))
            {
                unusableAfter = name;
                Output.Info(rank, $"stopping: {reason}");
            }
        }
        return allPassed ? 0 : 1;
    }

    private static string? RunOne(Scenario scenario, Group? world, ulong seed, int rank)
    {
        var context = new ScenarioContext(world, seed, scenario.Name);
        try
        {
            scenario.Run(context);
            return context.FailureSummary();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"rank {rank} scenario {scenario.Name}: {e}");
            context.Fail($"threw {Failures.Describe(e)}");
            return context.FailureSummary();
        }
    }
}
