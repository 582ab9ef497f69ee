using System.Security;

namespace MlxMpi.Tests.Shared;

/// <summary>
/// A console project that takes MlxMpi's packages from a local feed, as a user's project would take them from
/// nuget.org: the package tests of both test projects (MlxMpi, MlxMpi.TorchSharp) build one and run it under mpiexec.
/// Compiled into each test project (linked source), since neither references the other.
/// </summary>
internal static class LocalFeedConsumer
{
    /// <summary>
    /// Writes NuGet.config, Consumer.csproj and Program.cs into folder. Only <paramref name="localPackages"/> come from
    /// the local feed; everything else (should the SDK need a package) from the sources this machine already uses
    /// (<paramref name="enabledSources"/>, from <see cref="EnabledSources"/>), so that none is written down here.
    /// </summary>
    public static void Write(string folder, string feed, IReadOnlyList<string> localPackages, string package, string version,
                             string program, IReadOnlyList<string> enabledSources)
    {
        var sourceLines = string.Concat(enabledSources.Select((url, i) => $"    <add key=\"default-{i}\" value=\"{SecurityElement.Escape(url)}\" />\n"));
        var mappingLines = string.Concat(enabledSources.Select((_, i) => $"    <packageSource key=\"default-{i}\"><package pattern=\"*\" /></packageSource>\n"));
        var localPatterns = string.Concat(localPackages.Select(p => $"<package pattern=\"{SecurityElement.Escape(p)}\" />"));
        File.WriteAllText(Path.Combine(folder, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="mlxmpi-local" value="{SecurityElement.Escape(feed)}" />
            {sourceLines}  </packageSources>
              <packageSourceMapping>
                <packageSource key="mlxmpi-local">{localPatterns}</packageSource>
            {mappingLines}  </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(folder, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{SecurityElement.Escape(package)}" Version="{SecurityElement.Escape(version)}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), program);
    }

    /// <summary>The enabled sources in the output of <c>dotnet nuget list source --format short</c> ("E url" lines).</summary>
    public static IReadOnlyList<string> EnabledSources(string listOutput) =>
        [.. listOutput.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("E ", StringComparison.Ordinal))
                      .Select(l => l[2..].Trim()).Where(s => s.Length > 0)];
}
