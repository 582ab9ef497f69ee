using System.Diagnostics;
using static TorchSharp.torch;

namespace MlxMpi.TorchSharp.Tests;

/// <summary>
/// TorchSharp loads from this project's output (on Debian 12 only through scripts/patch_libtorchsharp.py, which the build
/// ran), a forward and backward pass gives the right values, and the patch touched the output's copy only.
/// </summary>
public sealed class LibTorchSharpTests
{
    [Test]
    public void A_linear_layer_forward_and_backward_give_the_right_values()
    {
        using var scope = NewDisposeScope();
        var layer = nn.Linear(3, 2);
        using (no_grad())
        {
            layer.weight!.copy_(tensor(new float[] { 1, 2, 3, -1, 0.5f, 4 }).reshape(2, 3));
            layer.bias!.copy_(tensor(new float[] { 0.25f, -2 }));
        }
        var x = tensor(new float[] { 1, -2, 0.5f, 3, 1, -1 }).reshape(2, 3);
        var y = layer.forward(x);
        // y = x W^T + b, by hand: rows (1 - 4 + 1.5 + 0.25, -1 - 1 + 2 - 2) and (3 + 2 - 3 + 0.25, -3 + 0.5 - 4 - 2).
        Assert.That(y.data<float>().ToArray(), Is.EqualTo(new[] { -1.25f, -2f, 2.25f, -8.5f }));
        (y * y).sum().backward();
        // dL/dW = 2 y^T x, dL/db = 2 * column sums of y.
        Assert.That(layer.weight!.grad!.data<float>().ToArray(), Is.EqualTo(new[] { 11f, 9.5f, -5.75f, -55f, -9f, 15f }));
        Assert.That(layer.bias!.grad!.data<float>().ToArray(), Is.EqualTo(new[] { 2f, -21f }));
    }

    [Test]
    public void The_output_library_needs_no_libstdcxx_version_the_system_lacks_and_the_nuget_cache_is_untouched()
    {
        var script = Path.GetFullPath(Path.Combine(TorchLaunch.OutputDir, "..", "..", "..", "..", "..", "..", "scripts", "patch_libtorchsharp.py"));
        var output = Run("python3", script, "--check", TorchLaunch.OutputDir);
        Assert.That(output.ExitCode, Is.Zero, $"the output's library still needs a patch: {output.Text}");
        Assert.That(output.Text, Does.Contain("has every version it needs"));

        // The copy in the NuGet cache is TorchSharp's own: where the system predates GCC 13 it still needs GLIBCXX_3.4.32.
        var nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
            ? packages : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Path.Combine(nuget, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native");
        var cache = Run("python3", script, "--check", cached);
        var patched = File.ReadAllText(Path.Combine(TorchLaunch.OutputDir, "libLibTorchSharp.so"), System.Text.Encoding.Latin1).Contains("libmlxmpi_iosinit.so");
        if (patched)
        {
            Assert.That(cache.ExitCode, Is.EqualTo(3), $"the NuGet cache's library was patched in place: {cache.Text}");
            Assert.That(File.ReadAllText(Path.Combine(cached, "libLibTorchSharp.so"), System.Text.Encoding.Latin1), Does.Not.Contain("libmlxmpi_iosinit.so"));
        }
        else
        {
            Assert.That(cache.ExitCode, Is.Zero, "the output was not patched, so the system's libstdc++ must have every version");
        }
        TestContext.Out.WriteLine($"output: {output.Text}\ncache: {cache.Text}");
    }

    private static (int ExitCode, string Text) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, text.Trim());
    }
}
