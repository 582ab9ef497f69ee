// mlxmpi-diag: ps, status and dump for the MlxMpi ranks on this node (see Usage.cs, or --help).
using MlxMpi.Diag;

if (args is [] or ["--help" or "-h" or "help", ..] || args.Skip(1).Any(a => a is "--help" or "-h"))
{
    Console.WriteLine(Usage.Text);
    return args is [] ? 64 : 0;
}

try
{
    var options = Options.Parse(args[1..]);
    return args[0] switch
    {
        "ps" => PsCommand.Run(options),
        "status" => StatusCommand.Run(options),
        "dump" => DumpCommand.Run(options),
        _ => throw new UsageException($"unknown command '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"mlxmpi-diag: {e.Message}");
    Console.Error.WriteLine(Usage.Text);
    return 64;
}
