using System.Reflection;
using System.Runtime.ExceptionServices;

namespace MlxMpi.Tests.Unit;

/// <summary>Runs a generic test body once per dtype with the dtype's element type as its type argument.</summary>
internal static class DtypeCases
{
    public static IEnumerable<Dtype> All => Enum.GetValues<Dtype>();

    /// <summary>Calls <c>target.method&lt;ElementType(dtype)&gt;(args)</c>, rethrowing what the body throws.</summary>
    public static void Run(object target, string method, Dtype dtype, params object?[] args)
    {
        MethodInfo generic = target.GetType().GetMethod(method, BindingFlags.Instance | BindingFlags.Public |
                                                                BindingFlags.NonPublic)
            ?? throw new MissingMethodException(target.GetType().Name, method);
        try
        {
            generic.MakeGenericMethod(DtypeInfo.ElementType(dtype)).Invoke(target, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }
}
