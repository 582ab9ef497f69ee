namespace MlxMpi;

/// <summary>The base of every error that MlxMpi's distributed layer reports.</summary>
public class DistributedException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public DistributedException() : base("a distributed operation failed") { }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    public DistributedException(string message) : base(message) { }

    /// <summary>Creates an exception with <paramref name="message"/> caused by <paramref name="inner"/>.</summary>
    public DistributedException(string message, Exception inner) : base(message, inner) { }
}
