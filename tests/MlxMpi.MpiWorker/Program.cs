// The MPI test worker: `mpiexec -n N dotnet MlxMpi.MpiWorker.dll --seed S scenario...` runs the named
// scenarios in order in every rank and prints one RESULT line per rank and scenario (see Output).
// Exit code 0 only when every scenario passed on this rank.
return MlxMpi.MpiWorker.Runner.Run(args);
