using Fjord.KubeLocal.Protobuf;
using Google.Protobuf;

namespace Fjord.KubeLocal.Tests.Unit;

public sealed class ProtobufBodiesTests
{
    private static byte[] Envelope(string kind, IMessage message) =>
        [.. "k8s\0"u8.ToArray(), .. new Unknown { TypeMeta = new TypeMeta { ApiVersion = "v1", Kind = kind }, Raw = message.ToByteString() }.ToByteArray()];

    [Fact]
    public void Decode_Secret_AsHelmWritesIt()
    {
        var secret = new Secret { Metadata = new ObjectMeta { Name = "sh.helm.release.v1.r.v1", Namespace = "apps", ResourceVersion = "" }, Type = "helm.sh/release.v1" };
        secret.Metadata.Labels.Add("owner", "helm");
        secret.Data.Add("release", ByteString.CopyFromUtf8("payload"));
        var json = ProtobufBodies.Decode(Envelope("Secret", secret));
        Assert.Equal("""{"metadata":{"name":"sh.helm.release.v1.r.v1","namespace":"apps","labels":{"owner":"helm"}},"data":{"release":"cGF5bG9hZA=="},"type":"helm.sh/release.v1","apiVersion":"v1","kind":"Secret"}""", json.ToJsonString());
    }

    [Fact]
    public void Decode_ConfigMapNamespaceAndDeleteOptions()
    {
        var configMap = new ConfigMap { Metadata = new ObjectMeta { Name = "c" } };
        configMap.Data.Add("k", "v");
        Assert.Equal("v", ProtobufBodies.Decode(Envelope("ConfigMap", configMap))["data"]!["k"]!.GetValue<string>());
        Assert.Equal("team", ProtobufBodies.Decode(Envelope("Namespace", new Namespace { Metadata = new ObjectMeta { Name = "team" } }))["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("Foreground", ProtobufBodies.Decode(Envelope("DeleteOptions", new DeleteOptions { PropagationPolicy = "Foreground" }))["propagationPolicy"]!.GetValue<string>());
    }

    [Fact]
    public void Decode_UnknownKind_Is415() =>
        Assert.Equal(415, Assert.Throws<Fjord.KubeLocal.Api.KubeApiException>(() => ProtobufBodies.Decode(Envelope("Pod", new Namespace()))).Code);
}
