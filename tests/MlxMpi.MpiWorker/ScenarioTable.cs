using System.Reflection;

namespace MlxMpi.MpiWorker;

/// <summary>
/// Every scenario the worker knows: the static methods marked [Scenario] in this assembly, so adding a scenario is
/// one file. `--list` prints them with their suite, which is how the NUnit tests learn which launch runs what.
/// </summary>
internal static class ScenarioTable
{
    public static IReadOnlyList<Scenario> All { get; } =
    [
        .. from type in typeof(ScenarioTable).Assembly.GetTypes()
           from method in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
           let mark = method.GetCustomAttribute<ScenarioAttribute>()
           where mark is not null
           orderby type.FullName, method.MetadataToken
           select new Scenario(mark.Name, method.CreateDelegate<Action<ScenarioContext>>(), mark.Suite, mark.CollectiveHeavy, mark.NeedsWorld),
    ];

    public static Scenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    /// <summary>One line per scenario: name, suite, and "heavy" for collective-heavy ones.</summary>
    public static IEnumerable<string> Listing() =>
        All.Select(s => s.CollectiveHeavy ? $"{s.Name} {s.Suite} heavy" : $"{s.Name} {s.Suite}");
}
