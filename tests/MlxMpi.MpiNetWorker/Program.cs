// A job built on MPI.NET that embeds MlxMpi, for tests/MlxMpi.Tests/MpiNet:
//   mpiexec.mpich -n N dotnet MlxMpi.MpiNetWorker.dll shared --seed S    MPI.NET first; MlxMpi shares and adopts
//   mpiexec.mpich -n N dotnet MlxMpi.MpiNetWorker.dll wrong-order        the orders that must fail with advice
// Prints RESULT lines (tests/MlxMpi.MpiWorker's protocol); exit code 0 only when every check passed on this rank.
using System.Globalization;
using MlxMpi.MpiNetWorker;

var mode = args.Length > 0 ? args[0] : "";
var seed = args.Length > 2 && args[1] == "--seed" ? ulong.Parse(args[2], CultureInfo.InvariantCulture) : 1UL;
return mode switch
{
    "shared" => SharedWorld.Run(args, seed),
    "wrong-order" => WrongOrder.Run(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MlxMpi.MpiNetWorker shared [--seed S] | wrong-order");
    return 2;
}
