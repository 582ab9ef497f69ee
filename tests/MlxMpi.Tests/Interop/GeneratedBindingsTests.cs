using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace MlxMpi.Tests.Interop;

/// <summary>
/// Guards the generated layer: bindings/NativeMethods.g.cs must match native/include/mlxmpi.h, and nothing
/// from MlxMpi.Interop (or any raw pointer) may leak into the public API.
/// </summary>
[TestFixture]
public sealed class GeneratedBindingsTests
{
    private const string InteropNamespace = "MlxMpi.Interop";

    // Public members allowed to carry a raw handle, each fixed by the design contract.
    private static readonly HashSet<string> AllowedRawSignatures =
    [
        "MlxMpi.Stream.FromNative(MlxMpi.Device, System.IntPtr)", // wraps a caller's native stream, e.g. a cudaStream_t
        // DESIGN's "MlxArray views over caller memory": the address of the caller's native buffer
        "MlxMpi.MlxArray.FromPointer(System.IntPtr, MlxMpi.Dtype, System.Int32[], System.IDisposable)",
        "MlxMpi.Group.FromNative(System.IntPtr)",                 // adopts another binding's MPI_Comm (DESIGN.md)
        "MlxMpi.Group.get_NativeHandle()",                        // hands this group's MPI_Comm to another binding
    ];

    private static readonly Assembly MlxMpiAssembly = typeof(MlxMpi.Distributed).Assembly;

    [Test]
    public void CheckedInBindingsMatchTheHeader()
    {
        // The generator needs Debian's python3-clang-14, which the python3 first on PATH may lack.
        var python = Environment.GetEnvironmentVariable("MLXMPI_PYTHON") ?? "/usr/bin/python3";
        Assert.That(File.Exists(python), Is.True,
            $"{python} not found: install python3 and python3-clang-14, or point MLXMPI_PYTHON at a Python with clang.cindex");
        var start = new ProcessStartInfo(python)
        {
            WorkingDirectory = RepositoryLayout.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine("scripts", "generate_bindings.py"));
        start.ArgumentList.Add("--check");

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {python}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("scripts/generate_bindings.py --check did not finish within 2 minutes");
        }

        Assert.That(process.ExitCode, Is.EqualTo(0),
            "bindings/NativeMethods.g.cs differs from what scripts/generate_bindings.py generates from " +
            "native/include/mlxmpi.h; run the script and commit its output.\n" +
            $"stderr:\n{stderr.Result}\nstdout (diff):\n{stdout.Result}");
    }

    [Test]
    public void InteropTypesAreNotVisibleOutsideTheAssembly()
    {
        var interopTypes = MlxMpiAssembly.GetTypes().Where(IsInteropType).ToList();
        Assert.That(interopTypes.Select(t => t.FullName), Does.Contain($"{InteropNamespace}.NativeMethods"),
            "the generated bindings are missing from the MlxMpi assembly");

        var visible = interopTypes.Where(t => t.IsVisible).Select(t => t.FullName).ToList();
        Assert.That(visible, Is.Empty, $"{InteropNamespace} types must be internal");
    }

    [Test]
    public void PublicApiExposesNoInteropTypesOrRawPointers()
    {
        var leaks = new List<string>();
        foreach (var type in MlxMpiAssembly.GetExportedTypes())
        {
            const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
                                          BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var field in type.GetFields(declared).Where(f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly))
            {
                if (Leaks(field.FieldType))
                    leaks.Add($"{type.FullName}.{field.Name}: {field.FieldType}");
            }

            // Property and event accessors are methods too, so this also covers their types.
            var methods = type.GetMethods(declared).Cast<MethodBase>().Concat(type.GetConstructors(declared));
            foreach (var method in methods.Where(m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly))
            {
                var parameters = method.GetParameters();
                var signature = $"{type.FullName}.{method.Name}({string.Join(", ", parameters.Select(p => p.ParameterType))})";
                var returnType = (method as MethodInfo)?.ReturnType;
                var exposes = (returnType is not null && Leaks(returnType)) || parameters.Any(p => Leaks(p.ParameterType));
                if (exposes && !AllowedRawSignatures.Contains(signature))
                    leaks.Add(returnType is null ? signature : $"{signature}: {returnType}");
            }
        }

        Assert.That(leaks, Is.Empty,
            "public members must not expose MlxMpi.Interop types, pointers or IntPtr/nint; wrap them, or add the " +
            "member to AllowedRawSignatures if the design contract requires it");
    }

    [Test]
    public void EveryHeaderExportIsBoundAsADirectPInvoke()
    {
        var header = File.ReadAllText(RepositoryLayout.PathOf("native", "include", "mlxmpi.h"));
        var exports = Regex.Matches(header, @"^\s*MLXMPI_EXPORT\b[^;]*?\b(mlxmpi_\w+)\s*\(", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value)
            .ToList();
        Assert.That(exports, Is.Not.Empty.And.Unique, "no MLXMPI_EXPORT declarations found in the header");

        var nativeMethods = MlxMpiAssembly.GetType($"{InteropNamespace}.NativeMethods", throwOnError: true)!;
        var bound = nativeMethods
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .ToList();

        const string stale = "bindings/NativeMethods.g.cs is stale: run scripts/generate_bindings.py";
        Assert.That(exports.Except(bound.Select(m => m.Name)), Is.Empty, $"header exports without a binding; {stale}");
        Assert.That(bound.Select(m => m.Name).Except(exports), Is.Empty,
            $"NativeMethods members that are not header exports (a removed export, or a LibraryImport that " +
            $"needs a marshalling stub, which the blittable-only bindings never should); {stale}");

        // A blittable [LibraryImport] compiles to the P/Invoke itself; anything else means marshalling crept in.
        var wrapped = bound.Where(m => !m.Attributes.HasFlag(MethodAttributes.PinvokeImpl)).Select(m => m.Name);
        Assert.That(wrapped, Is.Empty, "these bindings are marshalling wrappers rather than direct P/Invokes");
    }

    private static bool IsInteropType(Type type) =>
        type.Namespace is { } ns && (ns == InteropNamespace || ns.StartsWith(InteropNamespace + ".", StringComparison.Ordinal));

    /// <summary>True when a signature type is or contains an interop type, a pointer, or a pointer-sized handle.</summary>
    private static bool Leaks(Type type)
    {
        if (type.IsGenericParameter)
            return false;
        if (type.IsPointer || type.IsFunctionPointer || type == typeof(nint) || type == typeof(nuint))
            return true;
        if (type.HasElementType) // arrays and ref/out parameters
            return Leaks(type.GetElementType()!);
        if (IsInteropType(type))
            return true;
        return type.IsGenericType && type.GetGenericArguments().Any(Leaks);
    }
}
