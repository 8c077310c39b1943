using System.Net;

namespace Fjord.KubeLocal;

/// <summary>Command line of kube-local: <c>--state-dir DIR [--listen 127.0.0.1:PORT] [--watch-history N]</c>.</summary>
public sealed record KubeLocalOptions(string StateDirectory, IPEndPoint Listen, int WatchHistory)
{
    public const string Usage = "usage: kube-local --state-dir DIR [--listen 127.0.0.1:PORT] [--watch-history EVENTS]\n";

    public static KubeLocalOptions Parse(string[] args)
    {
        string? stateDirectory = null;
        var listen = new IPEndPoint(IPAddress.Loopback, 6443);
        var history = 10_000;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--state-dir":
                    stateDirectory = Path.GetFullPath(value);
                    break;
                case "--listen":
                    listen = IPEndPoint.Parse(value);
                    break;
                case "--watch-history":
                    history = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}");
            }

            i++;
        }

        return new KubeLocalOptions(stateDirectory ?? throw new ArgumentException("--state-dir is required"), listen, history);
    }

    /// <summary>A kubeconfig for this server: plain HTTP on loopback, no credentials.</summary>
    public string Kubeconfig() => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: kube-local
          cluster:
            server: http://{Listen}
        contexts:
        - name: kube-local
          context:
            cluster: kube-local
            user: kube-local
            namespace: default
        current-context: kube-local
        users:
        - name: kube-local
          user:
            # kube-local checks no credentials; KubernetesClient refuses a user without any.
            token: kube-local-no-auth
        """ + "\n";
}
