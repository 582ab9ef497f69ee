using System.Runtime.CompilerServices;

namespace MlxMpi;

/// <summary>Facts about each <see cref="Dtype"/>: element size, MLX name and the .NET element type.</summary>
internal static class DtypeInfo
{
    /// <summary>Every dtype, in enum order.</summary>
    public static IReadOnlyList<Dtype> All { get; } = Enum.GetValues<Dtype>();

    public static bool IsDefined(Dtype dtype) => (uint)dtype <= (uint)Dtype.Complex64;

    public static void ThrowIfUndefined(Dtype dtype, string paramName)
    {
        if (!IsDefined(dtype))
            throw new ArgumentException($"{(int)dtype} is not a Dtype value", paramName);
    }

    /// <summary>Bytes per element, in enum order (bool, uint8, uint16, uint32, uint64, int8, int16, int32, int64,
    /// float16, bfloat16, float32, float64, complex64): a table, so the hot path's many size lookups inline to one
    /// load instead of a call into a switch.</summary>
    private static ReadOnlySpan<byte> ElementSizes => [1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 2, 4, 8, 8];

    [MethodImpl(HotPath.Inlined)]
    public static int SizeOf(Dtype dtype) =>
        (uint)dtype < (uint)ElementSizes.Length ? ElementSizes[(int)dtype] : throw Undefined(dtype);

    /// <summary>The name MLX prints for the dtype (<c>mx.float32</c> is "float32").</summary>
    public static string NameOf(Dtype dtype) => dtype switch
    {
        Dtype.Bool => "bool",
        Dtype.UInt8 => "uint8",
        Dtype.UInt16 => "uint16",
        Dtype.UInt32 => "uint32",
        Dtype.UInt64 => "uint64",
        Dtype.Int8 => "int8",
        Dtype.Int16 => "int16",
        Dtype.Int32 => "int32",
        Dtype.Int64 => "int64",
        Dtype.Float16 => "float16",
        Dtype.BFloat16 => "bfloat16",
        Dtype.Float32 => "float32",
        Dtype.Float64 => "float64",
        Dtype.Complex64 => "complex64",
        _ => throw Undefined(dtype),
    };

    public static Type ElementType(Dtype dtype) => dtype switch
    {
        Dtype.Bool => typeof(bool),
        Dtype.UInt8 => typeof(byte),
        Dtype.UInt16 => typeof(ushort),
        Dtype.UInt32 => typeof(uint),
        Dtype.UInt64 => typeof(ulong),
        Dtype.Int8 => typeof(sbyte),
        Dtype.Int16 => typeof(short),
        Dtype.Int32 => typeof(int),
        Dtype.Int64 => typeof(long),
        Dtype.Float16 => typeof(Half),
        Dtype.BFloat16 => typeof(BFloat16),
        Dtype.Float32 => typeof(float),
        Dtype.Float64 => typeof(double),
        Dtype.Complex64 => typeof(Complex64),
        _ => throw Undefined(dtype),
    };

    /// <summary>The dtype whose elements are <typeparamref name="T"/>.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not one of the fourteen element types.</exception>
    public static Dtype Of<T>() where T : unmanaged =>
        TryOf<T>(out var dtype) ? dtype : throw NotAnElementType(typeof(T));

    /// <summary>The dtype whose elements are <typeparamref name="T"/>, or false when there is none.</summary>
    public static bool TryOf<T>(out Dtype dtype) where T : unmanaged
    {
        // typeof(T) == typeof(X) on a value type is a JIT-time constant, so this whole chain folds away.
        if (typeof(T) == typeof(bool)) dtype = Dtype.Bool;
        else if (typeof(T) == typeof(byte)) dtype = Dtype.UInt8;
        else if (typeof(T) == typeof(ushort)) dtype = Dtype.UInt16;
        else if (typeof(T) == typeof(uint)) dtype = Dtype.UInt32;
        else if (typeof(T) == typeof(ulong)) dtype = Dtype.UInt64;
        else if (typeof(T) == typeof(sbyte)) dtype = Dtype.Int8;
        else if (typeof(T) == typeof(short)) dtype = Dtype.Int16;
        else if (typeof(T) == typeof(int)) dtype = Dtype.Int32;
        else if (typeof(T) == typeof(long)) dtype = Dtype.Int64;
        else if (typeof(T) == typeof(Half)) dtype = Dtype.Float16;
        else if (typeof(T) == typeof(BFloat16)) dtype = Dtype.BFloat16;
        else if (typeof(T) == typeof(float)) dtype = Dtype.Float32;
        else if (typeof(T) == typeof(double)) dtype = Dtype.Float64;
        else if (typeof(T) == typeof(Complex64)) dtype = Dtype.Complex64;
        else
        {
            dtype = default;
            return false;
        }
        return true;
    }

    /// <summary>The error for an element type that maps to no dtype, naming it.</summary>
    public static ArgumentException NotAnElementType(Type type, string? paramName = null) => new(
        $"{type} is not an MLX element type; use bool, byte, ushort, uint, ulong, sbyte, short, int, long, " +
        "Half, BFloat16, float, double or Complex64", paramName);

    /// <summary>Throws unless <typeparamref name="T"/> is the element type of <paramref name="dtype"/>.</summary>
    public static void ThrowIfMismatch<T>(Dtype dtype, string operation) where T : unmanaged
    {
        if (typeof(T) == ElementType(dtype))
            return;
        throw new ArgumentException(
            $"{operation}<{typeof(T).Name}> does not match the array's dtype {NameOf(dtype)}, " +
            $"whose element type is {ElementType(dtype).Name}");
    }

    private static ArgumentOutOfRangeException Undefined(Dtype dtype) =>
        new(nameof(dtype), dtype, $"{(int)dtype} is not a Dtype value");
}
