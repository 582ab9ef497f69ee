namespace MlxMpi;

/// <summary>The element type of an <see cref="MlxArray"/>, as MLX names them.</summary>
/// <remarks>The numeric values are part of the native ABI: they equal the C shim's <c>mlxmpi_dtype</c>
/// values, so the facade passes a <see cref="Dtype"/> straight through. Never reorder or insert members.</remarks>
public enum Dtype
{
    /// <summary>MLX <c>bool</c>: one byte per element, 0 or 1; .NET <see cref="bool"/>.</summary>
    Bool = 0,
    /// <summary>MLX <c>uint8</c>; .NET <see cref="byte"/>.</summary>
    UInt8 = 1,
    /// <summary>MLX <c>uint16</c>; .NET <see cref="ushort"/>.</summary>
    UInt16 = 2,
    /// <summary>MLX <c>uint32</c>; .NET <see cref="uint"/>.</summary>
    UInt32 = 3,
    /// <summary>MLX <c>uint64</c>; .NET <see cref="ulong"/>.</summary>
    UInt64 = 4,
    /// <summary>MLX <c>int8</c>; .NET <see cref="sbyte"/>.</summary>
    Int8 = 5,
    /// <summary>MLX <c>int16</c>; .NET <see cref="short"/>.</summary>
    Int16 = 6,
    /// <summary>MLX <c>int32</c>; .NET <see cref="int"/>.</summary>
    Int32 = 7,
    /// <summary>MLX <c>int64</c>; .NET <see cref="long"/>.</summary>
    Int64 = 8,
    /// <summary>MLX <c>float16</c> (IEEE half precision); .NET <see cref="Half"/>.</summary>
    Float16 = 9,
    /// <summary>MLX <c>bfloat16</c> (the upper half of a float32); .NET <see cref="MlxMpi.BFloat16"/>.</summary>
    BFloat16 = 10,
    /// <summary>MLX <c>float32</c>; .NET <see cref="float"/>.</summary>
    Float32 = 11,
    /// <summary>MLX <c>float64</c>; .NET <see cref="double"/>.</summary>
    Float64 = 12,
    /// <summary>MLX <c>complex64</c> (two float32: real, imaginary); .NET <see cref="MlxMpi.Complex64"/>.</summary>
    Complex64 = 13,
}
