namespace MlxMpi;

/// <summary>
/// The MPI thread support level MlxMpi asks MPI_Init_thread for. MlxMpi serialises its own MPI calls, so
/// <see cref="Single"/> is enough for it and is the cheapest (Open MPI 4.1: an 8-byte MPI_Allgather costs
/// 0.21 us at SINGLE against 0.34 us at any higher level). Ask for more only when other code in the process
/// makes MPI calls from other threads.
/// </summary>
public enum MpiThreadLevel
{
    /// <summary>MPI_THREAD_SINGLE.</summary>
    Single = 0,
    /// <summary>MPI_THREAD_FUNNELED.</summary>
    Funneled = 1,
    /// <summary>MPI_THREAD_SERIALIZED.</summary>
    Serialized = 2,
    /// <summary>MPI_THREAD_MULTIPLE.</summary>
    Multiple = 3,
}
