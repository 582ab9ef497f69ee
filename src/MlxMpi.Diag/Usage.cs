namespace MlxMpi.Diag;

/// <summary>The --help text: every command and option, and what the status verdicts mean.</summary>
internal static class Usage
{
    public const string Text = """
        mlxmpi-diag: look into the MlxMpi ranks running on this node, through the .NET diagnostics port.

        usage:
          mlxmpi-diag ps     [--json]
          mlxmpi-diag status [--pids P,P,...|--job ID] [--duration S] [--stuck-after S] [--json]
          mlxmpi-diag dump   [--pids P,P,...|--job ID] [-o|--output DIR] [--type mini|heap|triage|full]
          mlxmpi-diag --help

        commands:
          ps       the MPI rank processes (rank and size from the launcher's OMPI_COMM_WORLD_* or PMI_* variables)
                   and the processes that have loaded MlxMpi, with the job each rank belongs to
          status   attaches to every rank's EventPipe (provider MlxMpi, counters every second), samples for
                   --duration, prints where each rank is (the collective it is in and for how long, the last one
                   it completed, collectives completed during the sample) and names, per job:
                     straggler  the ranks that have not reached the collective the others have waited in for
                                longer than --stuck-after, or that stopped behind the others outside any collective
                     desynced   ranks waiting in different collectives, or past the one the others wait in
          dump     a dump of every rank, all at once, into one folder (default ./mlxmpi-dumps-<time>);
                   --type heap (default): stacks plus the managed heap and writable memory (about 100 MB
                   for a small rank), enough for `dotnet-dump analyze` (clrstack -all, dumpheap, the flight
                   recorder's objects); mini: stacks only (about 10 MB); full: all memory (about 200 MB)

        options:
          --pids P,P,...   exactly these processes
          --job ID         the ranks of one job (the JOB column of ps)
                           default for status and dump: every MPI rank on this node, reported job by job
          --duration S     seconds to sample (default 2), then until every rank has sent one more sample
          --stuck-after S  a rank in one collective for this long is waiting for others (default 1)
          --json           machine-readable output on stdout

        exit code: 0 done, 1 nothing to look at or no rank answered, 64 bad command line.
        """;
}
