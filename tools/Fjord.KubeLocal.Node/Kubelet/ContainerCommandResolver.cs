using k8s.Models;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Maps a container to a host command. Images the repo builds run from the Release output of its projects
/// (<c>*fjord-broker*</c>, <c>*fjord-operator*</c>: <c>dotnet &lt;dll&gt; + args</c>, the image's own entrypoint);
/// any other image runs <c>command + args</c> on the host, so <c>busybox</c> with <c>sh -c …</c> works. There is
/// no image pull and no image filesystem. <c>$(VAR)</c> references in command and args expand from the
/// container's env as the kubelet does. Pure apart from checking that a mapped dll exists.
/// </summary>
internal sealed class ContainerCommandResolver(string repoRoot)
{
    public string BrokerDll => Path.Combine(repoRoot, "src/Fjord.Broker/bin/Release/net10.0/fjord-broker.dll");

    public string OperatorDll => Path.Combine(repoRoot, "operator/Fjord.Operator/bin/Release/net10.0/fjord-operator.dll");

    public ContainerCommand Resolve(V1Container container, IReadOnlyDictionary<string, string> env)
    {
        var args = (container.Args ?? []).Select(a => Expand(a, env)).ToList();
        var image = container.Image ?? "";
        if (image.Contains("fjord-broker", StringComparison.Ordinal))
        {
            return Dotnet(BrokerDll, args, "make build");
        }
        if (image.Contains("fjord-operator", StringComparison.Ordinal))
        {
            return Dotnet(OperatorDll, args, "dotnet build operator/Fjord.Operator -c Release");
        }
        var command = (container.Command ?? []).Select(c => Expand(c, env)).ToList();
        if (command.Count == 0)
        {
            if (args.Count == 0)
            {
                return ContainerCommand.Fail($"image {image} is not one kube-local can map and the container has no command");
            }
            // An image entrypoint cannot be known; the first arg is taken as the program, as for `docker run img prog`.
            command.Add(args[0]);
            args.RemoveAt(0);
        }
        return new ContainerCommand(command[0], [.. command.Skip(1), .. args], null);
    }

    private static ContainerCommand Dotnet(string dll, List<string> args, string build) =>
        File.Exists(dll)
            ? new ContainerCommand("dotnet", [dll, .. args], null)
            : ContainerCommand.Fail($"{dll} does not exist (build it with `{build}`)");

    /// <summary>Kubernetes' <c>$(VAR)</c> expansion: defined variables expand, <c>$$</c> escapes, others stay.</summary>
    public static string Expand(string value, IReadOnlyDictionary<string, string> env)
    {
        if (!value.Contains('$', StringComparison.Ordinal))
        {
            return value;
        }
        var result = new System.Text.StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '$' && i + 1 < value.Length)
            {
                if (value[i + 1] == '$')
                {
                    result.Append('$');
                    i++;
                    continue;
                }
                if (value[i + 1] == '(')
                {
                    var close = value.IndexOf(')', i + 2);
                    if (close > 0 && env.TryGetValue(value[(i + 2)..close], out var expanded))
                    {
                        result.Append(expanded);
                        i = close;
                        continue;
                    }
                }
            }
            result.Append(value[i]);
        }
        return result.ToString();
    }
}
