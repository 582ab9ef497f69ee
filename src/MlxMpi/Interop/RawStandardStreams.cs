using Microsoft.Win32.SafeHandles;

namespace MlxMpi.Interop;

/// <summary>
/// Streams on file descriptors 1 and 2 that bypass System.Console. The first write through any Console stream
/// initialises the terminal when stdout is one: with a TERM whose terminfo has keypad_xmit (xterm and most others)
/// .NET then writes ESC[?1h ESC= to stdout. Open MPI's mpiexec gives every rank a pseudo-terminal for stdout, so
/// that lands at the start of the rank's output. MlxMpi's own output (the watchdog's report) goes through these
/// instead, so the library never adds those bytes to a program's output.
/// </summary>
internal static class RawStandardStreams
{
    internal static System.IO.Stream OpenOutput() => Open(1);

    internal static System.IO.Stream OpenError() => Open(2);

    private static FileStream Open(int descriptor) =>
        new(new SafeFileHandle(descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0);
}
