using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Fjord.Chaos.Network;

/// <summary>POSIX signals to a process by pid (Linux numbering). Stateless; safe from any thread.</summary>
internal static partial class Signals
{
    public const int Kill = 9;
    public const int Terminate = 15;
    public const int Continue = 18;
    public const int Stop = 19;

    /// <summary>Sends <paramref name="signal"/>; a process that is already gone (ESRCH) is not an error.</summary>
    /// <exception cref="Win32Exception">Any other failure (EPERM).</exception>
    public static void Send(int pid, int signal)
    {
        const int NoSuchProcess = 3;
        if (SendSignal(pid, signal) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != NoSuchProcess)
            throw new Win32Exception(errno, $"kill({pid}, {signal})");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
