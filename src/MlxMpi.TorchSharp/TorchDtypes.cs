using static TorchSharp.torch;

namespace MlxMpi.TorchSharp;

/// <summary>The torch element types MlxMpi moves, and their MLX dtypes (the same bits: float16 and bfloat16 as 2-byte
/// elements, complex64 as two float32).</summary>
internal static class TorchDtypes
{
    internal static bool TryMap(ScalarType type, out Dtype dtype)
    {
        switch (type)
        {
            case ScalarType.Bool: dtype = Dtype.Bool; return true;
            case ScalarType.Byte: dtype = Dtype.UInt8; return true;
            case ScalarType.Int8: dtype = Dtype.Int8; return true;
            case ScalarType.Int16: dtype = Dtype.Int16; return true;
            case ScalarType.Int32: dtype = Dtype.Int32; return true;
            case ScalarType.Int64: dtype = Dtype.Int64; return true;
            case ScalarType.Float16: dtype = Dtype.Float16; return true;
            case ScalarType.BFloat16: dtype = Dtype.BFloat16; return true;
            case ScalarType.Float32: dtype = Dtype.Float32; return true;
            case ScalarType.Float64: dtype = Dtype.Float64; return true;
            case ScalarType.ComplexFloat32: dtype = Dtype.Complex64; return true;
            default: dtype = default; return false;
        }
    }

    internal static ArgumentException Unsupported(ScalarType type, string paramName) =>
        new($"torch.{type} tensors have no MLX dtype; use bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, " +
            "float64 or complex64 (ComplexFloat32)", paramName);
}
