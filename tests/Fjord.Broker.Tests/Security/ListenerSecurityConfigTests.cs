using Fjord.Broker.Configuration;
using Fjord.Broker.Security;

namespace Fjord.Broker.Tests.Security;

public sealed class ListenerSecurityConfigTests
{
    private const string KafkaDefaultMap = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";

    [Theory]
    [InlineData("PLAINTEXT", KafkaDefaultMap, SecurityProtocol.Plaintext)]
    [InlineData("SASL_SSL", KafkaDefaultMap, SecurityProtocol.SaslSsl)]
    [InlineData("external", "INTERNAL:PLAINTEXT, EXTERNAL:sasl_plaintext", SecurityProtocol.SaslPlaintext)]
    public void ResolveProtocol_FindsTheListenersEntry(string listener, string map, SecurityProtocol expected) =>
        Assert.Equal(expected, KafkaListenerSecurity.ResolveProtocol(listener, map));

    [Theory]
    [InlineData("CLIENT", KafkaDefaultMap, "has no entry")]
    [InlineData("CLIENT", "CLIENT:TLS", "unknown security protocol 'TLS'")]
    [InlineData("CLIENT", "CLIENT", "expected NAME:PROTOCOL")]
    public void ResolveProtocol_RefusesMapsWithoutAValidEntry(string listener, string map, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => KafkaListenerSecurity.ResolveProtocol(listener, map));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void PlainCredentials_VerifyOnlyTheRightPasswordOfAKnownUser()
    {
        var users = PlainCredentials.Parse("# comment\n\nalice=secret\r\nbob = pa=ss\n", "test");
        Assert.Equal(2, users.Count);
        Assert.True(users.Verify("alice", "secret"));
        Assert.True(users.Verify("bob", " pa=ss"));
        Assert.False(users.Verify("alice", "Secret"));
        Assert.False(users.Verify("carol", "secret"));
        Assert.False(users.Verify("carol", ""));
    }

    [Fact]
    public void PlainCredentials_RefuseALineWithoutAUser()
    {
        var error = Assert.Throws<ConfigException>(() => PlainCredentials.Parse("alice=x\n=nobody\n", "users"));
        Assert.Contains("users line 2", error.Message);
    }

    [Fact]
    public void SaslSession_HandshakeV0ExpectsRawTokens_AndAuthenticationEndsThem()
    {
        var session = new SaslSession();
        Assert.True(session.AwaitsHandshake);
        session.HandshakeSucceeded("PLAIN", handshakeVersion: 0);
        Assert.True(session.ExpectsRawToken);
        Assert.True(session.AwaitsToken);
        session.Authenticated("alice");
        Assert.Equal("User:alice", session.Principal);
        Assert.False(session.ExpectsRawToken);
        Assert.False(session.AwaitsHandshake);
        Assert.False(session.AwaitsToken);
    }
}
