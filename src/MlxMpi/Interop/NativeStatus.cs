using System.Runtime.CompilerServices;
using System.Text;

namespace MlxMpi.Interop;

/// <summary>The one place that turns a shim status code into the right managed exception.</summary>
internal static unsafe class NativeStatus
{
    /// <summary>Throws the exception that <paramref name="status"/> stands for, with the shim's message; returns on OK.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static void Check(int status)
    {
        if (status != (int)mlxmpi_status.MLXMPI_STATUS_OK)
            throw ToException(status);
    }

    internal static Exception ToException(int status)
    {
        var message = LastMessage();
        return (mlxmpi_status)status switch
        {
            mlxmpi_status.MLXMPI_STATUS_MPI_ERROR => new MpiException(message, NativeMethods.mlxmpi_last_error_class()),
            mlxmpi_status.MLXMPI_STATUS_INVALID_ARGUMENT => new ArgumentException(message),
            mlxmpi_status.MLXMPI_STATUS_COUNT_TOO_LARGE => new ArgumentException(message),
            mlxmpi_status.MLXMPI_STATUS_OUT_OF_MEMORY => new OutOfMemoryException(message),
            mlxmpi_status.MLXMPI_STATUS_NOT_INITIALIZED => new DistributedException(message),
            mlxmpi_status.MLXMPI_STATUS_DEVICE_UNAVAILABLE => new DistributedException(message),
            mlxmpi_status.MLXMPI_STATUS_DEVICE_ERROR => new DistributedException(message),
            _ => new DistributedException($"the MlxMpi shim returned unknown status {status}: {message}"),
        };
    }

    private static string LastMessage()
    {
        // The shim reports the message's full length, so one retry with the exact size always suffices.
        Span<byte> small = stackalloc byte[512];
        int length;
        fixed (byte* p = small)
            length = NativeMethods.mlxmpi_last_error_message((sbyte*)p, small.Length);
        if (length < small.Length)
            return Encoding.UTF8.GetString(small[..length]);
        var large = new byte[length + 1];
        fixed (byte* p = large)
            length = Math.Min(length, NativeMethods.mlxmpi_last_error_message((sbyte*)p, large.Length));
        return Encoding.UTF8.GetString(large, 0, length);
    }

    /// <summary>Reads a string the shim writes into a caller buffer and reports the full length of.</summary>
    internal static string ReadString(delegate* <sbyte*, int, int> writer)
    {
        var buffer = new byte[256];
        while (true)
        {
            int length;
            fixed (byte* p = buffer)
                length = writer((sbyte*)p, buffer.Length);
            if (length < buffer.Length)
                return Encoding.UTF8.GetString(buffer, 0, length);
            buffer = new byte[length + 1];
        }
    }
}
