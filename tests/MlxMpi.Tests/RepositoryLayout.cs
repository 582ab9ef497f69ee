namespace MlxMpi.Tests;

/// <summary>Finds the repository checkout the tests were built from, so tests can run its scripts and programs.</summary>
internal static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MlxMpi.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no MlxMpi.sln above {AppContext.BaseDirectory}");
    }
}
