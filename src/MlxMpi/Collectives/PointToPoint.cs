using MlxMpi.Diagnostics;
using MlxMpi.Interop;

namespace MlxMpi.Collectives;

/// <summary>
/// MLX's send and recv, with a protocol that makes a wrong receive an exception instead of corrupt data. The sender
/// first sends its description (the header slot's format: op, per-pair sequence number, dtype, shape, and the payload
/// itself when it fits in the slot). Small messages end there. Otherwise the receiver compares the description with
/// what it expects and replies, accepting or naming the difference; only an accepted message's data follows. Both
/// sides of a refused message throw, and no message is left behind in MPI, so the pair stays usable. Ordered with
/// the collectives (<see cref="CollectiveQueue"/>) and recorded by the flight recorder like them.
/// </summary>
internal static unsafe class PointToPoint
{
    private const int HeaderTag = 1, HeaderRestTag = 2, ReplyTag = 3, ReplyRestTag = 4, DataTag = 5;

    internal static void Send(MlxArray? x, int destination, Group group, Stream? stream)
    {
        CheckPeer(group, destination, "Send", "destination");
        InOrder((x, destination, group, stream), static (s, announce) =>
        {
            SendInOrder(s.x, s.destination, s.group, s.stream, announce);
            return 0;
        }, group);
    }

    internal static MlxArray Recv(int[]? shape, Dtype dtype, int source, Group group, Stream? stream)
    {
        CheckPeer(group, source, "Recv", "source");
        return InOrder((shape, dtype, source, group, stream),
                       static (s, announce) => ReceiveInOrder(s.shape, s.dtype, s.source, s.group, s.stream, announce), group);
    }

    /// <summary>Runs in collective order, holding the group's communicator (a Dispose meanwhile defers its free).</summary>
    private static TResult InOrder<TState, TResult>(TState state, Func<TState, Exception?, TResult> work, Group group)
    {
        group.BeginCall();
        try
        {
            var comm = group.Backend.Comm;
            comm.BeginHold();
            try
            {
                return CollectiveQueue.Run(state, work);
            }
            finally
            {
                comm.EndHold();
            }
        }
        finally
        {
            group.EndCall();
        }
    }

    private static void CheckPeer(Group group, int peer, string op, string name)
    {
        group.ThrowIfDisposed();
        if (group.Size == 1)
            throw new ArgumentException($"Cannot {op.ToLowerInvariant()} {(op == "Send" ? "to" : "from")} a singleton group: there is no other rank", name);
        if (peer < 0 || peer >= group.Size)
            throw new ArgumentOutOfRangeException(name, peer, $"Invalid {name}={peer} for a group of size {group.Size}");
        if (peer == group.Rank)
            throw new ArgumentException($"Invalid {name}={peer}: that is this rank; {op} needs another rank of the group", name);
    }

    private static void SendInOrder(MlxArray? x, int destination, Group group, Stream? stream, Exception? announce)
    {
        lock (MpiRuntime.CallLock)
        {
            var channel = group.Backend.Peers;
            var comm = group.Backend.Comm;
            var seq = channel.NextSent(destination);
            var failure = announce ?? CallChecks.Input(x, stream);
            MlxArray? host = null;
            var input = default(CallBuffer);
            using var recording = FlightRecorder.Begin(group, CollectiveOp.Send, seq, CallInput.Of(failure is null ? x : null));
            try
            {
                byte* inlinePayload = null;
                if (failure is null)
                {
                    try
                    {
                        // Device memory and strided views travel as packed host copies.
                        host = x!.Device.Type != DeviceType.Cpu || !x.IsContiguous ? x.ToHostCopy() : null;
                        failure = CallBuffer.TryHold(host ?? x, "input", out input);
                    }
                    catch (Exception e)
                    {
                        failure = e;
                    }
                }
                var outgoing = channel.Outgoing;
                if (failure is null)
                {
                    inlinePayload = HeaderSlot.WriteCall(outgoing, CollectiveOp.Send, seq, x!.Dtype, x.ShapeArray, x.NBytes);
                    if (inlinePayload is not null)
                        Buffer.MemoryCopy(input.Pointer, inlinePayload, x.NBytes, x.NBytes);
                }
                else
                {
                    HeaderSlot.WriteFailure(outgoing, CollectiveOp.Send, seq, failure.Message);
                }
                SendDescription(comm, outgoing, destination, HeaderTag, HeaderRestTag);
                if (failure is not null)
                    throw failure;
                if (inlinePayload is not null)
                    return;

                var reply = ReceiveDescription(comm, channel.Incoming, destination, ReplyTag, ReplyRestTag);
                if (HeaderSlot.Failed(reply))
                    throw new DistributedException($"Send to rank {destination} (message #{seq}) was refused by the receiver: " +
                                                   HeaderSlot.FailureMessageOf(reply));
                ShimCalls.Send(comm, input.Pointer, x!.Size, (int)x.Dtype, destination, DataTag);
            }
            catch
            {
                FlightRecorder.MarkFailed();
                throw;
            }
            finally
            {
                input.Dispose();
                host?.Dispose();
            }
        }
    }

    private static MlxArray ReceiveInOrder(int[]? shape, Dtype dtype, int source, Group group, Stream? stream, Exception? announce)
    {
        lock (MpiRuntime.CallLock)
        {
            var channel = group.Backend.Peers;
            var comm = group.Backend.Comm;
            var seq = channel.NextReceived(source);
            var failure = announce ?? ExpectationError(shape, dtype);
            using var recording = FlightRecorder.Begin(group, CollectiveOp.Recv, seq,
                                                       failure is null ? new CallInput(shape, dtype, ShapeMath.ElementCount(shape) * DtypeInfo.SizeOf(dtype)) : default);
            MlxArray? result = null;
            var succeeded = false;
            try
            {
                // Always take the sender's description, even when this side already failed, so nothing stays behind.
                var message = ReceiveDescription(comm, channel.Incoming, source, HeaderTag, HeaderRestTag);
                var problem = failure?.Message ?? Mismatch(message, channel.IncomingCapacity, shape!, dtype, seq, source);
                var inline = HeaderSlot.IsWellFormed(message, channel.IncomingCapacity) && HeaderSlot.IsInline(message);
                var senderFailed = HeaderSlot.IsWellFormed(message, channel.IncomingCapacity) && HeaderSlot.Failed(message);
                if (problem is null)
                {
                    try
                    {
                        result = MlxArray.Allocate(shape!, dtype);
                    }
                    catch (Exception e)
                    {
                        failure = e;
                        problem = e.Message;
                    }
                }
                if (!inline && !senderFailed)
                {
                    // The sender waits for the verdict before it sends any data.
                    if (problem is null)
                        HeaderSlot.WriteCall(channel.Outgoing, CollectiveOp.Recv, seq, dtype, shape!, 0);
                    else
                        HeaderSlot.WriteFailure(channel.Outgoing, CollectiveOp.Recv, seq, problem);
                    SendDescription(comm, channel.Outgoing, source, ReplyTag, ReplyRestTag);
                }
                if (failure is not null)
                    throw failure;
                if (problem is not null)
                    throw new DistributedException(problem);

                using var lease = result!.AcquireData();
                if (inline)
                    Buffer.MemoryCopy(message + HeaderSlot.PayloadOffset(HeaderSlot.NdimOf(message)), result.DataPointer, result.NBytes, result.NBytes);
                else
                    ShimCalls.Receive(comm, result.DataPointer, result.Size, (int)dtype, source, DataTag);
                succeeded = true;
                return OnDevice(result, stream);
            }
            catch
            {
                FlightRecorder.MarkFailed();
                throw;
            }
            finally
            {
                if (!succeeded)
                    result?.Dispose();
            }
        }
    }

    /// <summary>A receive lands on the stream's device; the host result is moved there.</summary>
    private static MlxArray OnDevice(MlxArray hostResult, Stream? stream)
    {
        if (stream is null || stream.Device.Type == DeviceType.Cpu)
            return hostResult;
        using (hostResult)
            return hostResult.ToDevice(stream.Device);
    }

    private static Exception? ExpectationError(int[]? shape, Dtype dtype)
    {
        if (shape is null)
            return new ArgumentNullException(nameof(shape), "the shape to receive is null");
        if (!DtypeInfo.IsDefined(dtype))
            return new ArgumentException($"dtype {(int)dtype} is not a Dtype", nameof(dtype));
        foreach (var dim in shape)
        {
            if (dim < 0)
                return new ArgumentException($"the shape to receive {ShapeMath.Format(shape)} has a negative dimension", nameof(shape));
        }
        return shape.Length > HeaderSlot.MaxNdim
            ? new ArgumentException($"a receive supports up to {HeaderSlot.MaxNdim} dimensions; the shape has {shape.Length}", nameof(shape))
            : null;
    }

    /// <summary>What is wrong with the sender's message for this receive, or null when it is what was expected.</summary>
    private static string? Mismatch(byte* message, int capacity, int[] shape, Dtype dtype, long seq, int source)
    {
        var prefix = $"Recv from rank {source} (message #{seq})";
        if (!HeaderSlot.IsWellFormed(message, capacity) || HeaderSlot.OpOf(message) != CollectiveOp.Send)
            return $"{prefix}: the message is not an MlxMpi Send (protocol version {HeaderSlot.Version})";
        if (HeaderSlot.Failed(message))
            return $"{prefix}: the sender failed: {HeaderSlot.FailureMessageOf(message)}";
        if (HeaderSlot.SequenceOf(message) != seq)
            return $"{prefix}: desync: the sender sent message #{HeaderSlot.SequenceOf(message)} to this rank while this is receive #{seq} from it";
        var sentShape = HeaderSlot.ShapeOf(message);
        var sentDtype = HeaderSlot.DtypeOf(message);
        if (sentDtype == dtype && sentShape.AsSpan().SequenceEqual(shape))
            return null;
        var sentName = DtypeInfo.IsDefined(sentDtype) ? DtypeInfo.NameOf(sentDtype) : $"dtype {(int)sentDtype}";
        return $"{prefix}: the sender sent shape {ShapeMath.Format(sentShape)} {sentName}, but this rank expects shape " +
               $"{ShapeMath.Format(shape)} {DtypeInfo.NameOf(dtype)}. Receive with the shape and dtype that were sent.";
    }

    /// <summary>A description is its slot, then (only when it does not fit) the whole of it.</summary>
    private static void SendDescription(CommHandle comm, byte* description, int peer, int slotTag, int restTag)
    {
        ShimCalls.Send(comm, description, HeaderSlot.Size, (int)Dtype.UInt8, peer, slotTag);
        var whole = HeaderSlot.ExtensionBytesOf(description);
        if (whole > 0)
            ShimCalls.Send(comm, description, whole, (int)Dtype.UInt8, peer, restTag);
    }

    private static byte* ReceiveDescription(CommHandle comm, byte* buffer, int peer, int slotTag, int restTag)
    {
        ShimCalls.Receive(comm, buffer, HeaderSlot.Size, (int)Dtype.UInt8, peer, slotTag);
        var whole = HeaderSlot.ExtensionBytesOf(buffer);
        if (whole > 0)
            ShimCalls.Receive(comm, buffer, whole, (int)Dtype.UInt8, peer, restTag);
        return buffer;
    }
}
