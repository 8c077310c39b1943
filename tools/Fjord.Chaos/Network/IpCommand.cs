using System.Diagnostics;

namespace Fjord.Chaos.Network;

/// <summary>
/// Runs iproute2's <c>ip</c> and returns its output; a non-zero exit is an <see cref="InvalidOperationException"/>
/// carrying the command and stderr (never ignored silently: callers that expect failure use <see cref="TryRun"/>).
/// Stateless; safe from any thread.
/// </summary>
internal static class IpCommand
{
    public static string Run(params string[] args)
    {
        var (code, output, error) = Execute(args);
        return code == 0 ? output : throw new InvalidOperationException($"ip {string.Join(' ', args)} exited with {code}: {error.Trim()}");
    }

    /// <summary>Runs and reports success; the error text goes to <paramref name="error"/> for the caller to log.</summary>
    public static bool TryRun(out string error, params string[] args)
    {
        var (code, _, stderr) = Execute(args);
        error = stderr.Trim();
        return code == 0;
    }

    private static (int Code, string Output, string Error) Execute(string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ip");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.GetAwaiter().GetResult());
    }
}
