using System.Text.Json;

namespace MlxMpi.Diag;

/// <summary>One setting for every --json output, so scripts see the same style everywhere.</summary>
internal static class Json
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };
}
