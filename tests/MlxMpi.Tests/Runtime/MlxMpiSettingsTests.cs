using MlxMpi.Interop;
using MlxMpi.Runtime;

namespace MlxMpi.Tests.Runtime;

/// <summary>Every MLXMPI_* variable: accepted values parse, and anything else is a DistributedException that names
/// the variable, the value and what is accepted (never a silent default or another value).</summary>
public sealed class MlxMpiSettingsTests
{
    private static Func<string, string?> One(string name, string value) => n => n == name ? value : null;

    [TestCase("MLXMPI_TIMEOUT", "1e300", "seconds")]
    [TestCase("MLXMPI_TIMEOUT", "1e-9", "seconds")]
    [TestCase("MLXMPI_TIMEOUT", "0", "seconds")]
    [TestCase("MLXMPI_TIMEOUT", "-3", "seconds")]
    [TestCase("MLXMPI_TIMEOUT", "NaN", "seconds")]
    [TestCase("MLXMPI_TIMEOUT", "Infinity", "seconds")]
    [TestCase("MLXMPI_TIMEOUT", "5s", "seconds")]
    [TestCase("MLXMPI_BUFFER_CACHE_BYTES", "garbage", "bytes")]
    [TestCase("MLXMPI_BUFFER_CACHE_BYTES", "-5", "bytes")]
    [TestCase("MLXMPI_BUFFER_CACHE_BYTES", "1.5", "bytes")]
    [TestCase("MLXMPI_BUFFER_CACHE_BYTES", "99999999999999999999", "bytes")]
    [TestCase("MLXMPI_THREAD_LEVEL", "funneled,serialized", "single, funneled, serialized, multiple")]
    [TestCase("MLXMPI_THREAD_LEVEL", "3", "single, funneled, serialized, multiple")]
    [TestCase("MLXMPI_THREAD_LEVEL", "MPI_THREAD_MULTIPLE", "single, funneled, serialized, multiple")]
    [TestCase("MLXMPI_MPI", "garbage", "openmpi, mpich")]
    public void A_bad_value_is_refused_naming_the_variable_the_value_and_what_is_accepted(string name, string value, string accepted)
    {
        var error = Assert.Throws<DistributedException>(() => MlxMpiSettings.Validate(One(name, value)));
        Assert.That(error!.Message, Does.Contain($"{name}=\"{value}\"").And.Contain("expected").And.Contain(accepted));
    }

    [Test]
    public void Several_bad_values_are_all_named()
    {
        var variables = new Dictionary<string, string> { ["MLXMPI_TIMEOUT"] = "soon", ["MLXMPI_THREAD_LEVEL"] = "many" };
        var error = Assert.Throws<DistributedException>(() => MlxMpiSettings.Validate(n => variables.GetValueOrDefault(n)));
        Assert.That(error!.Message, Does.Contain("MLXMPI_TIMEOUT=\"soon\"").And.Contain("MLXMPI_THREAD_LEVEL=\"many\""));
    }

    [Test]
    public void Accepted_values_parse_to_what_they_say()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MlxMpiSettings.Timeout(One("MLXMPI_TIMEOUT", "2.5")), Is.EqualTo(TimeSpan.FromSeconds(2.5)));
            Assert.That(MlxMpiSettings.Timeout(One("MLXMPI_TIMEOUT", " 1e3 ")), Is.EqualTo(TimeSpan.FromSeconds(1000)));
            Assert.That(MlxMpiSettings.Timeout(One("MLXMPI_TIMEOUT", "0.001")), Is.EqualTo(TimeSpan.FromMilliseconds(1)));
            Assert.That(MlxMpiSettings.BufferCacheBytes(One("MLXMPI_BUFFER_CACHE_BYTES", "0")), Is.EqualTo(0));
            Assert.That(MlxMpiSettings.BufferCacheBytes(One("MLXMPI_BUFFER_CACHE_BYTES", "4096")), Is.EqualTo(4096));
            Assert.That(MlxMpiSettings.ThreadLevel(One("MLXMPI_THREAD_LEVEL", "Serialized")), Is.EqualTo(MpiThreadLevel.Serialized));
            Assert.That(MlxMpiSettings.ThreadLevel(One("MLXMPI_THREAD_LEVEL", "funneled")), Is.EqualTo(MpiThreadLevel.Funneled));
            Assert.That(MlxMpiSettings.Mpi(One("MLXMPI_MPI", "MPICH")), Is.EqualTo(MpiFlavor.Mpich));
            Assert.That(MlxMpiSettings.NativePath(One("MLXMPI_NATIVE_PATH", "/opt/x")), Is.EqualTo("/opt/x"));
        });
    }

    [Test]
    public void Unset_or_empty_means_the_default()
    {
        Func<string, string?> none = _ => null;
        Func<string, string?> empty = _ => "";
        foreach (var environment in new[] { none, empty })
        {
            Assert.DoesNotThrow(() => MlxMpiSettings.Validate(environment));
            Assert.That((MlxMpiSettings.Timeout(environment), MlxMpiSettings.BufferCacheBytes(environment), MlxMpiSettings.ThreadLevel(environment),
                         MlxMpiSettings.Mpi(environment), MlxMpiSettings.NativePath(environment)),
                        Is.EqualTo(((TimeSpan?)null, (long?)null, (MpiThreadLevel?)null, (MpiFlavor?)null, (string?)null)));
        }
    }
}
