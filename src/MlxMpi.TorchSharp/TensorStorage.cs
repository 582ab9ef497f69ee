using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MlxMpi.TorchSharp;

/// <summary>
/// MlxArray views of CPU torch tensors' storage, in place: the address of the first element (at::Tensor::data_ptr, which
/// includes the storage offset) with the tensor's sizes and strides. A non-contiguous tensor is a strided view, which a
/// gather packs once, as it does a transposed MlxArray.
/// </summary>
internal static unsafe partial class TensorStorage
{
    // LibTorchSharp's own export behind TorchSharp's data accessors; the library is loaded (by TorchSharp) before any
    // tensor exists, and dlopen finds a loaded library by its soname.
    [LibraryImport("LibTorchSharp")]
    private static partial nint THSTensor_data(nint tensor);

    /// <summary>What is wrong with viewing <paramref name="tensor"/>, or null.</summary>
    internal static Exception? Check(Tensor? tensor, string paramName)
    {
        if (tensor is null)
            return new ArgumentNullException(paramName, $"the tensor {paramName} is null");
        if (tensor.IsInvalid)
            return new ObjectDisposedException(null, $"the tensor {paramName} is disposed");
        if (tensor.device_type != global::TorchSharp.DeviceType.CPU)
            return new ArgumentException($"the tensor {paramName} is on {tensor.device}; MlxMpi.TorchSharp gathers CPU tensors (call .cpu() first)", paramName);
        if (!TorchDtypes.TryMap(tensor.dtype, out _))
            return TorchDtypes.Unsupported(tensor.dtype, paramName);
        foreach (var length in tensor.shape)
        {
            if (length > int.MaxValue)
                return new ArgumentException($"the tensor {paramName} has a dimension of {length}; MLX arrays hold at most {int.MaxValue} per dimension", paramName);
        }
        return null;
    }

    /// <summary>A view of a tensor that passed <see cref="Check"/>. The caller keeps the tensor alive (GC.KeepAlive) and
    /// disposes the view before the tensor can be freed or resized.</summary>
    internal static MlxArray View(Tensor tensor)
    {
        TorchDtypes.TryMap(tensor.dtype, out var dtype);
        var sizes = tensor.shape;
        var strides = tensor.stride();
        var shape = new int[sizes.Length];
        var elementStrides = new long[sizes.Length];
        long reach = 1;
        for (var d = 0; d < sizes.Length; d++)
        {
            shape[d] = (int)sizes[d];
            elementStrides[d] = strides[d];
            reach += (sizes[d] - 1) * strides[d];
        }
        if (tensor.numel() == 0)
            reach = 0;
        var data = (byte*)THSTensor_data(tensor.Handle);
        var rowMajor = tensor.is_contiguous();
        return MlxArray.ViewOfPinned(data, dtype, shape, rowMajor ? null : elementStrides, reach * tensor.element_size());
    }
}
