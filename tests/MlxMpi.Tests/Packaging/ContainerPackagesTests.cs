using System.Text.RegularExpressions;

namespace MlxMpi.Tests.Packaging;

/// <summary>README's container lines install exactly what CI installs: .ci/run calls scripts/install-deps.sh, whose
/// package list must equal the apt-get line of README's dockerfile block.</summary>
public sealed partial class ContainerPackagesTests
{
    [GeneratedRegex(@"^packages=\((.*?)^\)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex PackageArray();

    [GeneratedRegex(@"```dockerfile\s*(.*?)```", RegexOptions.Singleline)]
    private static partial Regex DockerfileBlock();

    [Test]
    public void README_lists_the_packages_that_install_deps_installs()
    {
        var ci = File.ReadAllText(RepositoryLayout.PathOf(".ci", "run"));
        Assert.That(ci, Does.Contain("scripts/install-deps.sh"), ".ci/run installs through scripts/install-deps.sh");

        var script = File.ReadAllText(RepositoryLayout.PathOf("scripts", "install-deps.sh"));
        var array = PackageArray().Match(script);
        Assert.That(array.Success, Is.True, "a packages=( ... ) array in install-deps.sh");
        var fromScript = array.Groups[1].Value.Split('\n')
            .SelectMany(line => line.Split('#')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet();

        var readme = File.ReadAllText(RepositoryLayout.PathOf("README.md"));
        var block = DockerfileBlock().Match(readme);
        Assert.That(block.Success, Is.True, "a ```dockerfile block in README.md");
        var install = block.Groups[1].Value.Replace("\\\n", " ");
        var line = install.Split('\n').Single(l => l.Contains("apt-get install", StringComparison.Ordinal));
        var fromReadme = line[(line.IndexOf("apt-get install", StringComparison.Ordinal) + "apt-get install".Length)..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(word => !word.StartsWith('-')).ToHashSet();

        Assert.That(fromReadme, Is.EquivalentTo(fromScript));
    }
}
