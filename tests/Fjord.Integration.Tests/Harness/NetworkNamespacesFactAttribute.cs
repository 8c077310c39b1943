using System.Diagnostics;

namespace Fjord.Integration.Tests.Harness;

/// <summary>
/// A fact that needs network namespaces (root on Linux with <c>ip netns</c>, as CI has after .ci/install-deps.sh):
/// elsewhere it is reported as skipped with the reason, decided once at discovery, never passed without running.
/// </summary>
public sealed class NetworkNamespacesFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_whyNot = new(Probe);

    public NetworkNamespacesFactAttribute()
    {
        if (s_whyNot.Value is { } why) Skip = why;
    }

    /// <summary>Null when namespaces can be built here, else why not.</summary>
    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") return "network partitions need network namespaces: root on Linux";
        try
        {
            using var ip = Process.Start(new ProcessStartInfo("ip", "netns list") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var error = ip.StandardError.ReadToEnd();
            ip.StandardOutput.ReadToEnd();
            ip.WaitForExit();
            return ip.ExitCode == 0 ? null : $"`ip netns list` failed: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"no `ip` command (install iproute2): {e.Message}";
        }
    }
}
