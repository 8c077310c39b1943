using System.Runtime.InteropServices;
using Fjord.KubeLocal.Node;
using Fjord.KubeLocal.Node.Network;
using Microsoft.Extensions.Logging;

// kube-local-node: kube-controller-manager's workload controllers and one process kubelet for kube-local.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(NodeOptions.Usage);
    return 0;
}
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
    o.UseUtcTimestamp = true;
}));
if (args.Contains("--remove-pod-network"))
{
    var stateDirAt = Array.IndexOf(args, "--state-dir");
    if (stateDirAt < 0 || stateDirAt + 1 >= args.Length)
    {
        Console.Error.WriteLine("--remove-pod-network needs --state-dir DIR");
        return 2;
    }
    BridgePodNetwork.RemoveLeftovers(Path.GetFullPath(args[stateDirAt + 1]), loggers.CreateLogger("Fjord.KubeLocal.Node.Network"));
    return 0;
}
NodeOptions options;
try
{
    options = NodeOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(NodeOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
// SIGTERM and SIGINT stop every pod process before the node exits, so nothing is left running.
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    cancel.Cancel();
});
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
{
    c.Cancel = true;
    cancel.Cancel();
});
try
{
    await new NodeHost(options, TimeProvider.System, loggers).RunAsync(cancel.Token);
}
catch (IOException e)
{
    Console.Error.WriteLine($"kube-local-node: {e.Message}");
    return 1;
}
return 0;
