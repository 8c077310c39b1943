using Fjord.KubeLocal.Node.Kubelet;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Tests.Kubelet;

public sealed class ContainerCommandResolverTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("kube-node-repo-").FullName;

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    private static readonly Dictionary<string, string> Env = new() { ["POD_NAME"] = "web-0" };

    [Fact]
    public void OtherImages_RunCommandAndArgsOnTheHostWithVariablesExpanded()
    {
        var container = new V1Container { Name = "c", Image = "busybox:1.36", Command = ["sh", "-c"], Args = ["echo $(POD_NAME) $(MISSING) $$(POD_NAME)"] };

        var command = new ContainerCommandResolver(_repo).Resolve(container, Env);

        Assert.Null(command.Failure);
        Assert.Equal("sh", command.FileName);
        Assert.Equal(["-c", "echo web-0 $(MISSING) $(POD_NAME)"], command.Arguments);
    }

    [Fact]
    public void ImageWithoutCommand_TakesTheFirstArgAsTheProgram()
    {
        var command = new ContainerCommandResolver(_repo).Resolve(new V1Container { Name = "c", Image = "busybox", Args = ["sleep", "5"] }, Env);

        Assert.Equal(("sleep", "5"), (command.FileName, command.Arguments.Single()));
        Assert.NotNull(new ContainerCommandResolver(_repo).Resolve(new V1Container { Name = "c", Image = "busybox" }, Env).Failure);
    }

    [Fact]
    public void BrokerImage_RunsTheBuiltBrokerWithTheContainersArgs()
    {
        var resolver = new ContainerCommandResolver(_repo);
        Directory.CreateDirectory(Path.GetDirectoryName(resolver.BrokerDll)!);
        File.WriteAllText(resolver.BrokerDll, "");

        var command = resolver.Resolve(new V1Container { Name = "broker", Image = "ghcr.io/x/fjord-broker:dev", Command = ["ignored"], Args = ["--node-id", "$(POD_NAME)"] }, Env);

        Assert.Equal("dotnet", command.FileName);
        Assert.Equal([resolver.BrokerDll, "--node-id", "web-0"], command.Arguments);
    }

    [Fact]
    public void OperatorImage_FailsWithAClearReasonWhenNotBuilt()
    {
        var command = new ContainerCommandResolver(_repo).Resolve(new V1Container { Name = "op", Image = "fjord-operator:latest" }, Env);

        Assert.Null(command.FileName);
        Assert.Contains("fjord-operator.dll does not exist", command.Failure);
    }
}
