using System.Diagnostics;

namespace Fjord.KubeLocal.Node.Network;

/// <summary>
/// Runs iproute2's <c>ip</c>. A failure is an <see cref="IOException"/> naming the command and carrying its stderr;
/// removals that may find nothing left use <see cref="RemoveAll"/>, which tolerates exactly "already gone".
/// Stateless; any thread.
/// </summary>
internal static class IpCommand
{
    public static string Run(IReadOnlyList<string> args)
    {
        var (code, output, error) = Execute(args);
        return code == 0 ? output : throw new IOException($"ip {string.Join(' ', args)} exited with {code}: {error.Trim()}");
    }

    public static void RunAll(IEnumerable<string[]> plan)
    {
        foreach (var args in plan)
        {
            Run(args);
        }
    }

    /// <summary>Runs every step of a removal plan; returns the failures other than "no such device/namespace".</summary>
    public static List<string> RemoveAll(IEnumerable<string[]> plan)
    {
        var failures = new List<string>();
        foreach (var args in plan)
        {
            var (code, _, error) = Execute(args);
            if (code != 0 && !IsAlreadyGone(error))
            {
                failures.Add($"ip {string.Join(' ', args)}: {error.Trim()}");
            }
        }
        return failures;
    }

    private static bool IsAlreadyGone(string error) =>
        error.Contains("Cannot find device", StringComparison.Ordinal) || error.Contains("No such file", StringComparison.Ordinal)
        || error.Contains("does not exist", StringComparison.Ordinal);

    private static (int Code, string Output, string Error) Execute(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new IOException("could not start ip");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.GetAwaiter().GetResult());
    }
}
