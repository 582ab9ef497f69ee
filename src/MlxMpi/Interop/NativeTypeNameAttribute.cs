namespace MlxMpi.Interop;

/// <summary>
/// The C type a generated declaration was bound from, such as <c>int32_t</c> or <c>const void *</c>.
/// </summary>
/// <remarks>
/// The generated bindings (bindings/NativeMethods.g.cs) follow ClangSharp's conventions, and ClangSharp
/// expects this attribute to exist in the consuming assembly: it records the C spelling wherever the C#
/// type loses it (<c>int32_t</c> becomes <c>int</c>, <c>const</c> disappears), so a reader can check a
/// signature against native/include/mlxmpi.h without opening the header. It has no effect at run time
/// and the interop marshaller ignores it.
/// </remarks>
[AttributeUsage(
    AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Field | AttributeTargets.Property
        | AttributeTargets.Parameter | AttributeTargets.ReturnValue,
    AllowMultiple = false,
    Inherited = true)]
internal sealed class NativeTypeNameAttribute : Attribute
{
    public NativeTypeNameAttribute(string name) => Name = name;

    /// <summary>The C type as clang spells it.</summary>
    public string Name { get; }
}
