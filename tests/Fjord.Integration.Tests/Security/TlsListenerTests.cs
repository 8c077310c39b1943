using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;

namespace Fjord.Integration.Tests.Security;

/// <summary>The Kafka listener with security protocol SSL (README "Security"), driven by Confluent.Kafka and kcat.</summary>
public sealed class TlsListenerTests
{
    [Fact]
    public void Confluent_ProducesAndConsumesOverSsl_AndAPlaintextClientIsRefusedWhileTheBrokerKeepsServing()
    {
        using var certificates = new TestCertificates();
        using var broker = BrokerProcess.Start(certificates.SslListenerSettings());
        var ssl = new ClientConfig { BootstrapServers = broker.BootstrapServers, SecurityProtocol = SecurityProtocol.Ssl, SslCaLocation = certificates.CaFile };

        using (var plaintext = new RawKafkaConnection(broker.KafkaPort))
        {
            plaintext.Send(new ApiVersionsRequest(), 0);
            Assert.True(plaintext.WaitForClose(), "a plaintext Kafka request on the TLS listener got an answer instead of a close");
        }

        var values = ConfluentRoundTrip.Run(ssl, TestTopics.Unique("ssl"), 50);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"value-{i}"), values);

        var plaintextClient = ConfluentRoundTrip.MetadataError(new ClientConfig { BootstrapServers = broker.BootstrapServers });
        Assert.NotNull(plaintextClient);
        Assert.Equal(50, ConfluentRoundTrip.Run(ssl, TestTopics.Unique("ssl-after"), 50).Count);
    }

    [Fact]
    public void Confluent_WithRequiredClientAuth_NeedsACertificateFromTheTruststoresCa()
    {
        using var certificates = new TestCertificates();
        using var broker = BrokerProcess.Start(certificates.SslListenerSettings("required"));
        var withCertificate = new ClientConfig
        {
            BootstrapServers = broker.BootstrapServers, SecurityProtocol = SecurityProtocol.Ssl, SslCaLocation = certificates.CaFile,
            SslCertificateLocation = certificates.ClientCertificateFile, SslKeyLocation = certificates.ClientKeyFile,
        };
        Assert.Equal(20, ConfluentRoundTrip.Run(withCertificate, TestTopics.Unique("mtls"), 20).Count);

        var withoutCertificate = ConfluentRoundTrip.MetadataError(new ClientConfig
        {
            BootstrapServers = broker.BootstrapServers, SecurityProtocol = SecurityProtocol.Ssl, SslCaLocation = certificates.CaFile,
        });
        Assert.NotNull(withoutCertificate);
        Console.WriteLine($"without a client certificate: {withoutCertificate}");

        var strangerCertificate = ConfluentRoundTrip.MetadataError(new ClientConfig
        {
            BootstrapServers = broker.BootstrapServers, SecurityProtocol = SecurityProtocol.Ssl, SslCaLocation = certificates.CaFile,
            SslCertificateLocation = certificates.StrangerCertificateFile, SslKeyLocation = certificates.StrangerKeyFile,
        });
        Assert.NotNull(strangerCertificate);
        Console.WriteLine($"with another CA's certificate: {strangerCertificate}");
    }

    [Fact]
    public void Confluent_OverSaslSsl_AuthenticatesWithPlainInsideTls()
    {
        using var certificates = new TestCertificates();
        var users = Path.Combine(certificates.Directory, "users");
        File.WriteAllText(users, "alice=alice-secret\n");
        using var broker = BrokerProcess.Start(["kafka.listener.name=SASL_SSL", $"ssl.keystore.location={certificates.ServerKeystoreFile}", $"sasl.plain.users.file={users}"]);
        ClientConfig SaslSsl(string password) => new()
        {
            BootstrapServers = broker.BootstrapServers, SecurityProtocol = SecurityProtocol.SaslSsl, SslCaLocation = certificates.CaFile,
            SaslMechanism = SaslMechanism.Plain, SaslUsername = "alice", SaslPassword = password,
        };

        Assert.Equal(20, ConfluentRoundTrip.Run(SaslSsl("alice-secret"), TestTopics.Unique("sasl-ssl"), 20).Count);
        var wrong = ConfluentRoundTrip.MetadataError(SaslSsl("wrong"));
        Assert.NotNull(wrong);
        Assert.Contains("Authentication failed", wrong);
    }

    [Fact]
    public void Kcat_ProducesAndConsumesOverSsl()
    {
        using var certificates = new TestCertificates();
        using var broker = BrokerProcess.Start(certificates.SslListenerSettings());
        var topic = TestTopics.Unique("kcat-ssl");
        string[] ssl = ["-b", broker.BootstrapServers, "-X", "security.protocol=SSL", "-X", $"ssl.ca.location={certificates.CaFile}"];
        var produce = ExternalCommand.Run("kcat", [.. ssl, "-P", "-t", topic], string.Join('\n', Enumerable.Range(0, 100).Select(i => $"v{i}")) + "\n");
        Assert.True(produce.ExitCode == 0, produce.ToString());

        var consume = ExternalCommand.Run("kcat", [.. ssl, "-C", "-t", topic, "-o", "beginning", "-e", "-c", "100"]);
        Assert.True(consume.ExitCode == 0, consume.ToString());
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"v{i}"), consume.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("not-pem", "holds no PEM certificate")]
    [InlineData("mismatched", "private key")]
    public void BadKeystore_FailsTheStartWithOneLineAndExitCode2(string kind, string expected)
    {
        using var certificates = new TestCertificates();
        var keystore = kind switch
        {
            "missing" => Path.Combine(certificates.Directory, "nope.pem"),
            "not-pem" => certificates.ClientKeyFile,
            _ => certificates.MismatchedKeystoreFile,
        };
        var dataDir = Path.Combine(Path.GetTempPath(), "fjord-it-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var result = ExternalCommand.Run("dotnet",
            [
                BrokerProcess.BrokerDll, "--node-id", "0", "--data-dir", dataDir, "--kafka-listen", $"127.0.0.1:{BrokerProcess.FreePort()}",
                "--rpc-listen", $"127.0.0.1:{BrokerProcess.FreePort()}", "--http-listen", $"127.0.0.1:{BrokerProcess.FreePort()}",
                "--set", "kafka.listener.name=SSL", "--set", $"ssl.keystore.location={keystore}",
            ], timeout: TimeSpan.FromSeconds(60));

            Assert.True(result.ExitCode == 2, result.ToString());
            var errorLines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(errorLines.Length == 1, $"expected one line on stderr:\n{result}");
            Assert.Contains("ssl.keystore.location", errorLines[0]);
            Assert.Contains(expected, errorLines[0]);
        }
        finally
        {
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        }
    }
}
