using System.Diagnostics;

namespace Fjord.KubeLocal.Node.Dns;

/// <summary>
/// Whether this host lets kube-local give each pod its own <c>/etc/hosts</c>: a private mount namespace
/// (<c>unshare --mount</c>, root only) in which the namespace's cluster DNS file is bind-mounted over /etc/hosts.
/// Found out once by doing exactly that with a probe file, so a refusal (no root, no util-linux, a seccomp policy)
/// turns pod DNS off with a reason instead of failing every pod.
/// </summary>
internal static class PodDnsSupport
{
    /// <summary>The shell step that makes <c>$hosts</c> this mount namespace's /etc/hosts (errors go to <c>$log</c>).</summary>
    public const string MountHostsScript = "mount --bind \"$hosts\" /etc/hosts >>\"$log\" 2>&1 || exit 127; ";

    /// <summary>
    /// The shell step that also makes <c>$resolv</c> this mount namespace's /etc/resolv.conf: for a pod in a network
    /// namespace of its own, where the host's name servers are out of reach (see <see cref="ClusterDns.ResolvConf"/>).
    /// </summary>
    public const string MountResolvConfScript = "mount --bind \"$resolv\" /etc/resolv.conf >>\"$log\" 2>&1 || exit 127; ";

    /// <summary>Null when supported, else why not.</summary>
    public static string? Probe(string stateDir)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return "needs root on Linux (a private mount namespace per pod)";
        }
        var probe = Path.Combine(stateDir, "dns-probe.hosts");
        File.WriteAllText(probe, "127.0.0.1 kube-local-dns-probe\n");
        try
        {
            var start = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardError = true };
            foreach (var arg in new[] { "--mount", "sh", "-c", "log=/dev/stderr; hosts=$1; " + MountHostsScript + "grep -q kube-local-dns-probe /etc/hosts", "sh", probe })
            {
                start.ArgumentList.Add(arg);
            }
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"unshare --mount with a bind-mounted /etc/hosts failed ({process.ExitCode}): {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"unshare is not available: {e.Message}";
        }
        finally
        {
            File.Delete(probe);
        }
    }
}
