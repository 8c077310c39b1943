using Fjord.KubeLocal.Node.Kubelet;

namespace Fjord.KubeLocal.Node.Tests.Kubelet;

public class MountPathRemapperTests
{
    private readonly MountPathRemapper _remapper = new([
        ("/var/lib/fjord", "/state/volumes/ns/data-broker-0"),
        ("/var/lib/fjord/config/", "/state/pods/ns/broker-0/volumes/config"),
        ("/etc/tls", "/state/pods/ns/broker-0/volumes/tls"),
    ]);

    [Theory]
    [InlineData("/var/lib/fjord", "/state/volumes/ns/data-broker-0")]
    [InlineData("/var/lib/fjord/", "/state/volumes/ns/data-broker-0")]
    [InlineData("/var/lib/fjord/logs/0", "/state/volumes/ns/data-broker-0/logs/0")]
    [InlineData("/var/lib/fjord/config/server.properties", "/state/pods/ns/broker-0/volumes/config/server.properties")]
    [InlineData("--log.dirs=/var/lib/fjord/logs", "--log.dirs=/state/volumes/ns/data-broker-0/logs")]
    [InlineData("CERT=/etc/tls/tls.crt", "CERT=/state/pods/ns/broker-0/volumes/tls/tls.crt")]
    public void PathsUnderAMount_PointAtTheHostDirectory(string value, string expected) =>
        Assert.Equal(expected, _remapper.Remap(value));

    [Theory]
    [InlineData("/var/lib/fjordish")]
    [InlineData("/etc/tlsx/a")]
    [InlineData("sh")]
    [InlineData("echo /var/lib/fjord")]
    [InlineData("")]
    public void OtherValues_StayAsTheyAre(string value) => Assert.Equal(value, _remapper.Remap(value));
}
