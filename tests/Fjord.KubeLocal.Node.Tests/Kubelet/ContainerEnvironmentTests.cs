using System.Text;
using Fjord.KubeLocal.Node.Kubelet;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Tests.Kubelet;

public class ContainerEnvironmentTests
{
    private static readonly V1Pod Pod = new()
    {
        Metadata = new V1ObjectMeta { Name = "broker-1", NamespaceProperty = "kafka", Uid = "u1", Labels = new Dictionary<string, string> { ["app"] = "fjord" } },
        Spec = new V1PodSpec { NodeName = "kube-local", ServiceAccountName = "fjord", Containers = [] },
    };

    private static V1ConfigMap? ConfigMap(string name) => name == "settings"
        ? new V1ConfigMap { Data = new Dictionary<string, string> { ["level"] = "debug", ["mode"] = "kraft" } }
        : null;

    private static V1Secret? Secret(string name) => name == "creds"
        ? new V1Secret { Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes("s3cret") } }
        : null;

    private static EnvVarBuilder Var(string name) => new(name);

    private sealed record EnvVarBuilder(string Name)
    {
        public V1EnvVar Field(string path) => new() { Name = Name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = path } } };
    }

    [Fact]
    public void DownwardApi_ResolvesPodFieldsAndTheAllocatedIp()
    {
        var container = new V1Container
        {
            Name = "c",
            Env =
            [
                Var("NAME").Field("metadata.name"), Var("NS").Field("metadata.namespace"), Var("IP").Field("status.podIP"),
                Var("NODE").Field("spec.nodeName"), Var("HOST").Field("status.hostIP"), Var("APP").Field("metadata.labels['app']"),
                Var("SA").Field("spec.serviceAccountName"),
                new V1EnvVar { Name = "ADVERTISED", Value = "$(NAME).$(NS):9092" },
            ],
        };

        var result = ContainerEnvironment.Build(Pod, container, "127.244.0.7", "127.0.0.1", ConfigMap, Secret);

        Assert.Null(result.Error);
        Assert.Equal("broker-1", result.Variables["NAME"]);
        Assert.Equal("kafka", result.Variables["NS"]);
        Assert.Equal("127.244.0.7", result.Variables["IP"]);
        Assert.Equal("kube-local", result.Variables["NODE"]);
        Assert.Equal("127.0.0.1", result.Variables["HOST"]);
        Assert.Equal("fjord", result.Variables["APP"]);
        Assert.Equal("fjord", result.Variables["SA"]);
        Assert.Equal("broker-1.kafka:9092", result.Variables["ADVERTISED"]);
    }

    [Fact]
    public void KeyRefsAndEnvFrom_ReadConfigMapsAndSecrets()
    {
        var container = new V1Container
        {
            Name = "c",
            EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "settings" }, Prefix = "CFG_" }],
            Env =
            [
                new V1EnvVar { Name = "LEVEL", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "settings", Key = "level" } } },
                new V1EnvVar { Name = "PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "creds", Key = "password" } } },
                new V1EnvVar { Name = "OPTIONAL", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "absent", Key = "k", Optional = true } } },
            ],
        };

        var result = ContainerEnvironment.Build(Pod, container, "127.244.0.7", "127.0.0.1", ConfigMap, Secret);

        Assert.Null(result.Error);
        Assert.Equal("debug", result.Variables["LEVEL"]);
        Assert.Equal("kraft", result.Variables["CFG_mode"]);
        Assert.Equal("s3cret", result.Variables["PASSWORD"]);
        Assert.False(result.Variables.ContainsKey("OPTIONAL"));
    }

    [Fact]
    public void MissingRequiredKey_IsAConfigError()
    {
        var container = new V1Container
        {
            Name = "c",
            Env = [new V1EnvVar { Name = "X", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "settings", Key = "nope" } } }],
        };

        var result = ContainerEnvironment.Build(Pod, container, "127.244.0.7", "127.0.0.1", ConfigMap, Secret);

        Assert.Contains("has no key \"nope\"", result.Error);
    }
}
