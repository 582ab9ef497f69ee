namespace MlxMpi;

/// <summary>
/// The ranks of a group disagree on a collective: different shapes, dtypes or ops, or a rank that could not
/// take part (its input was invalid). Thrown on every rank of the group with the same message; the group stays
/// usable.
/// </summary>
public class CollectiveMismatchException : DistributedException
{
    /// <summary>Creates an exception with a default message and no ranks.</summary>
    public CollectiveMismatchException() : this("the ranks disagree on a collective", []) { }

    /// <summary>Creates an exception naming <paramref name="ranks"/>, the group ranks that differ from rank 0.</summary>
    public CollectiveMismatchException(string message, IReadOnlyList<int> ranks) : base(message)
    {
        Ranks = ranks;
    }

    /// <summary>The ranks (in the group) whose call differs from rank 0's, or that reported an error.</summary>
    public IReadOnlyList<int> Ranks { get; }
}
