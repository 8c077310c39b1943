using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Network;

/// <summary>
/// Chooses the node's pod network (<see cref="PodNetworkMode"/>): network namespaces need root on Linux, iproute2's
/// <c>ip</c> and util-linux's <c>nsenter</c> (containers join their pod's namespace through it), and a host that lets
/// the node build a bridge and a namespace; auto mode falls back to loopback, with the reason logged, when any of
/// that is missing. Forced netns mode fails instead.
/// </summary>
internal static partial class PodNetworkSupport
{
    /// <summary>Null when this host has what network-namespace mode needs, else why not.</summary>
    public static string? WhyNotNetns()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return "network namespaces need root on Linux";
        }
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(':').Any(dir => File.Exists(Path.Combine(dir, "nsenter"))))
        {
            return "no nsenter on PATH (util-linux)";
        }
        try
        {
            using var ip = Process.Start(new ProcessStartInfo("ip", "netns list") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var error = ip.StandardError.ReadToEndAsync();
            ip.StandardOutput.ReadToEnd();
            ip.WaitForExit();
            return ip.ExitCode == 0 ? null : $"`ip netns list` failed: {error.GetAwaiter().GetResult().Trim()}";
        }
        catch (Win32Exception e)
        {
            return $"no ip command (iproute2): {e.Message}";
        }
    }

    public static async Task<IPodNetwork> CreateAsync(NodeOptions options, ILogger logger)
    {
        var loopback = new LoopbackPodNetwork(Path.Combine(options.StateDir, "kubeconfig"));
        if (options.PodNetwork == PodNetworkMode.Loopback)
        {
            return loopback;
        }
        var whyNot = WhyNotNetns();
        if (whyNot is null)
        {
            try
            {
                return await BridgePodNetwork.CreateAsync(options.StateDir, options.Server, options.PodCidr, logger);
            }
            catch (IOException e)
            {
                whyNot = e.Message;
            }
        }
        if (options.PodNetwork == PodNetworkMode.Netns)
        {
            throw new IOException($"--pod-network netns: {whyNot}");
        }
        LogFallback(logger, whyNot);
        return loopback;
    }

    [LoggerMessage(EventId = 905, Level = LogLevel.Warning, Message = "pod network namespaces are off: {Reason}; pods get loopback addresses")]
    private static partial void LogFallback(ILogger logger, string reason);
}
