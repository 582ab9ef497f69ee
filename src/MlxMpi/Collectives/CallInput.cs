namespace MlxMpi.Collectives;

/// <summary>What a call's input was: what the flight recorder and events show. Shape is null when there was none.</summary>
internal readonly record struct CallInput(int[]? Shape, Dtype Dtype, long Bytes)
{
    internal static CallInput Of(MlxArray? x) => x?.DescribeForCall() ?? default;
}
