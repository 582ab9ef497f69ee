namespace MlxMpi.Interop;

/// <summary>
/// MPI.NET 1.4.0 cannot join an MPI that someone else started: its <c>MPI.Environment</c> then skips its own set-up
/// and <c>MPI.Communicator.world</c> stays null (measured under MPICH 4.0). So when MlxMpi is about to start MPI
/// itself while MPI.NET is loaded in the process, it refuses and says which order works: MPI.NET first, MlxMpi
/// sharing its MPI. Only an MPI.dll already loaded can be seen; one that loads later cannot be warned about.
/// </summary>
internal static class MpiNetGuard
{
    internal static void ThrowIfMpiNetWouldBeLockedOut()
    {
        if (MpiRuntime.IsInitialized || !IsMpiNetLoaded())
            return;
        throw new DistributedException(
            "MPI.NET (MPI.dll) is loaded in this process but has not initialised MPI yet, and MPI.NET cannot use an MPI that " +
            "MlxMpi started (its Communicator.world would stay null). Create `using var env = new MPI.Environment(ref args);` " +
            "before the first MlxMpi call (Distributed.Init, AllGather, ...): MlxMpi then shares MPI.NET's MPI and leaves " +
            "finalizing it to MPI.NET.");
    }

    // By name and public key token: MPI.NET's MPI.dll is strong-named; a reflection look-up of its types would not be
    // trim-safe, and the name alone could be any assembly called MPI.
    private static bool IsMpiNetLoaded() =>
        AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName() is { Name: "MPI" } name && IsMpiNetToken(name.GetPublicKeyToken()));

    private static bool IsMpiNetToken(byte[]? token) => token is { Length: 8 } && Convert.ToHexStringLower(token) == MpiNetPublicKeyToken;

    private const string MpiNetPublicKeyToken = "29b4a045737654fe";
}
