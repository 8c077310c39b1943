namespace Fjord.Operator.Hosting;

/// <summary>
/// The operator's command line: <c>fjord-operator [run] [--namespace NS] [--kubeconfig FILE] [--http-listen H:P]
/// [--leader-elect true|false] [--lease-namespace NS] [--identity NAME]</c>. Immutable.
/// </summary>
public sealed record OperatorOptions(string? Namespace, string? KubeConfig, string HttpListen, bool LeaderElect,
    string LeaseNamespace, string Identity)
{
    public static OperatorOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "run")
            {
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }
            values[arg[2..]] = args[++i];
        }
        string? Get(string name) => values.Remove(name, out var value) ? value : null;
        var ns = Get("namespace");
        var options = new OperatorOptions(
            Namespace: string.IsNullOrEmpty(ns) || ns == "all" ? null : ns,
            KubeConfig: Get("kubeconfig"),
            HttpListen: Get("http-listen") ?? "0.0.0.0:8080",
            LeaderElect: bool.Parse(Get("leader-elect") ?? "true"),
            LeaseNamespace: Get("lease-namespace") ?? Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? ns ?? "default",
            Identity: Get("identity") ?? Environment.GetEnvironmentVariable("POD_NAME") ?? $"{Environment.MachineName}-{Environment.ProcessId}");
        if (values.Count > 0)
        {
            throw new ArgumentException($"unknown option --{values.Keys.First()}");
        }
        return options;
    }
}
