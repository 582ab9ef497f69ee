namespace MlxMpi.TorchSharp.Tests;

/// <summary>The worker entry point (see the project file); under <c>dotnet test</c> this is never called.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["worker", .. var scenarios] && scenarios.Length > 0)
            return Worker.TorchWorker.Run(scenarios);
        Console.Error.WriteLine("usage: MlxMpi.TorchSharp.Tests worker SCENARIO... (under mpiexec); the tests run with dotnet test");
        return 2;
    }
}
