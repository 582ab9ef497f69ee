using System.Text.Json;

namespace MlxMpi.Diag;

/// <summary><c>mlxmpi-diag ps</c>: the MPI ranks and MlxMpi processes on this node, with rank, size and job.</summary>
internal static class PsCommand
{
    public static int Run(Options options)
    {
        var found = RankDiscovery.FindAll();
        if (options.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(found.Select(p => new
            {
                pid = p.Pid, rank = p.WorldRank, size = p.WorldSize, job = p.Job, mlxmpi = p.HasMlxMpi, command = p.CommandLine, error = p.Error,
            }), Json.Options));
            return 0;
        }
        if (found.Count == 0)
        {
            Console.WriteLine("no MPI rank or MlxMpi process on this node");
            return 0;
        }
        var table = new TextTable("PID", "RANK", "SIZE", "JOB", "MLXMPI", "COMMAND");
        foreach (var p in found)
        {
            table.Add(p.Pid.ToString(), p.WorldRank?.ToString() ?? "-", p.WorldSize?.ToString() ?? "-", p.Job ?? "-",
                      p.HasMlxMpi switch { true => "yes", false => "no", null => "?" },
                      p.Error is null ? p.CommandLine : $"{p.CommandLine}  [{p.Error}]");
        }
        Console.Write(table);
        return 0;
    }
}
