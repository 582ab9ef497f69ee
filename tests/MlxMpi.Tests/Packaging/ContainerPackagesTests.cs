
namespace MlxMpi.Tests.Packaging;

/// <summary>The Containerfile installs exactly what CI installs: .ci/run and the Containerfile both run
/// scripts/install-deps.sh (so no package list is written twice), and README's Containers section shows that file.</summary>
public sealed class ContainerPackagesTests
{
    [Test]
    public void The_Containerfile_installs_through_install_deps_as_CI_does()
    {
        var ci = File.ReadAllText(RepositoryLayout.PathOf(".ci", "run"));
        Assert.That(ci, Does.Contain("scripts/install-deps.sh"), ".ci/run installs through scripts/install-deps.sh");
        var containerfile = File.ReadAllText(RepositoryLayout.PathOf("Containerfile"));
        Assert.That(containerfile, Does.Contain("COPY scripts/install-deps.sh").And.Contain("RUN /tmp/install-deps.sh"));
        Assert.That(containerfile, Does.Contain("ARG BASE_IMAGE=").And.Contain("ARG DOTNET_CHANNEL"), "base image and SDK as build arguments");
        var readme = File.ReadAllText(RepositoryLayout.PathOf("README.md"));
        Assert.That(readme, Does.Contain("Containerfile").And.Contain("scripts/container-ci.sh"));
    }
}
