namespace MlxMpi.Interop;

/// <summary>The shim's element-wise reductions (mlxmpi_reduce_op; frozen values).</summary>
internal enum ReduceOp
{
    Sum = 0,
    Max = 1,
    Min = 2,
}
