namespace MlxMpi;

/// <summary>An MPI call failed; the message is MPI's own error text (MPI_Error_string).</summary>
public class MpiException : DistributedException
{
    /// <summary>Creates an exception with a default message and error class 0.</summary>
    public MpiException() : base("an MPI call failed") { }

    /// <summary>Creates an exception for MPI error class <paramref name="errorClass"/>.</summary>
    public MpiException(string message, int errorClass) : base(message)
    {
        ErrorClass = errorClass;
    }

    /// <summary>The MPI error class (MPI_Error_class) of the failure, e.g. MPI_ERR_COMM.</summary>
    public int ErrorClass { get; }
}
