using MlxMpi.Collectives;

namespace MlxMpi;

public static partial class Distributed
{
    /// <summary>
    /// Sends <paramref name="x"/> to rank <paramref name="dst"/> of <paramref name="group"/> (MLX's send), which must
    /// receive it with <see cref="Recv"/> or <see cref="RecvLike"/>. Small arrays (up to the header slot's inline room)
    /// are sent eagerly; larger ones wait for the receiver to accept their shape and dtype, so a receive that expects
    /// something else throws a DistributedException on both ranks (naming both shapes and dtypes) and no data is left
    /// behind: the pair stays usable. Returns when the data has left this rank.
    /// </summary>
    /// <exception cref="ArgumentException">dst is out of range or is this rank, or the group has one rank.</exception>
    public static void Send(MlxArray x, int dst, Group? group = null, Stream? stream = null) =>
        PointToPoint.Send(x, dst, group ?? Init(), stream);

    /// <summary>
    /// Receives an array of <paramref name="shape"/> and <paramref name="dtype"/> from rank <paramref name="src"/>
    /// (MLX's recv). A message of another shape or dtype throws a DistributedException naming both (the sender is
    /// told too when the message was not small enough to travel eagerly), and the pair stays usable. The result
    /// lives on the stream's device (the CPU when no stream is given).
    /// </summary>
    /// <exception cref="ArgumentException">src is out of range or is this rank, or the group has one rank.</exception>
    public static MlxArray Recv(int[] shape, Dtype dtype, int src, Group? group = null, Stream? stream = null) =>
        PointToPoint.Recv(shape, dtype, src, group ?? Init(), stream);

    /// <summary>Receives an array of <paramref name="x"/>'s shape and dtype from <paramref name="src"/> (MLX's
    /// recv_like), on x's device unless a stream says otherwise.</summary>
    public static MlxArray RecvLike(MlxArray x, int src, Group? group = null, Stream? stream = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Recv((int[])x.ShapeArray.Clone(), x.Dtype, src, group, stream ?? Stream.DefaultFor(x.Device));
    }
}
