using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;

namespace Fjord.Integration.Tests.Security;

/// <summary>The Kafka listener with SASL_PLAINTEXT and PLAIN users from sasl.plain.users.file (README "Security").</summary>
public sealed class SaslListenerTests : IDisposable
{
    private const short ErrorUnsupportedSaslMechanism = 33;
    private const short ErrorSaslAuthenticationFailed = 58;

    private readonly string _usersFile = Path.Combine(Path.GetTempPath(), "fjord-it-users-" + Guid.NewGuid().ToString("N")[..12]);

    public SaslListenerTests() => File.WriteAllText(_usersFile, "# test users\nalice=alice-secret\nbob=b=ob\n");

    private BrokerProcess StartBroker(params string[] extra) =>
        BrokerProcess.Start(["kafka.listener.name=SASL_PLAINTEXT", $"sasl.plain.users.file={_usersFile}", .. extra]);

    private static ClientConfig Plain(BrokerProcess broker, string user, string password) => new()
    {
        BootstrapServers = broker.BootstrapServers, SecurityProtocol = SecurityProtocol.SaslPlaintext,
        SaslMechanism = SaslMechanism.Plain, SaslUsername = user, SaslPassword = password,
    };

    [Fact]
    public void Confluent_AuthenticatesWithPlain_AndAWrongPasswordGetsAuthenticationFailed()
    {
        using var broker = StartBroker();
        Assert.Equal(30, ConfluentRoundTrip.Run(Plain(broker, "alice", "alice-secret"), TestTopics.Unique("sasl"), 30).Count);
        Assert.Equal(5, ConfluentRoundTrip.Run(Plain(broker, "bob", "b=ob"), TestTopics.Unique("sasl-bob"), 5).Count);

        var wrong = ConfluentRoundTrip.MetadataError(Plain(broker, "alice", "guess"));
        Assert.NotNull(wrong);
        Assert.Contains("Authentication failed", wrong);
        Assert.Contains("authentication failed for user 'alice'", broker.Output);
    }

    [Theory]
    [InlineData(SaslMechanism.ScramSha256)]
    [InlineData(SaslMechanism.ScramSha512)]
    public void Confluent_AuthenticatesWithScram_AndAWrongPasswordGetsAuthenticationFailed(SaslMechanism mechanism)
    {
        using var broker = StartBroker("sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
        ClientConfig Scram(string password)
        {
            var config = Plain(broker, "bob", password);
            config.SaslMechanism = mechanism;
            return config;
        }

        Assert.Equal(10, ConfluentRoundTrip.Run(Scram("b=ob"), TestTopics.Unique("scram"), 10).Count);
        var wrong = ConfluentRoundTrip.MetadataError(Scram("bob"));
        Assert.NotNull(wrong);
        Assert.Contains("Authentication failed", wrong);
        Assert.Contains("authentication failed for user 'bob'", broker.Output);
    }

    [Fact]
    public void KafkaPython_RoundTripsWithPlain_AndAWrongPasswordIsRefused()
    {
        using var broker = StartBroker();
        var ok = ExternalCommand.Python("kafka_python_sasl.py", broker.BootstrapServers, TestTopics.Unique("py-sasl"), "alice", "alice-secret", "20");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        using (var report = JsonDocument.Parse(ok.StandardOutput.Trim().Split('\n')[^1]))
        {
            Assert.Equal(20, report.RootElement.GetProperty("consumed").GetInt32());
        }

        var wrong = ExternalCommand.Python("kafka_python_sasl.py", broker.BootstrapServers, TestTopics.Unique("py-sasl-wrong"), "alice", "nope", "1");
        Assert.True(wrong.ExitCode == 1, wrong.ToString());
        Console.WriteLine($"kafka-python with a wrong password: {wrong.StandardOutput.Trim()}");
        Assert.Contains("authentication failed for user 'alice'", broker.Output);
    }

    [Fact]
    public void Kcat_WithAWrongPassword_FailsWithAuthenticationFailed()
    {
        using var broker = StartBroker();
        string[] sasl = ["-b", broker.BootstrapServers, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=alice"];
        var ok = ExternalCommand.Run("kcat", [.. sasl, "-X", "sasl.password=alice-secret", "-L"]);
        Assert.True(ok.ExitCode == 0, ok.ToString());

        var wrong = ExternalCommand.Run("kcat", [.. sasl, "-X", "sasl.password=wrong", "-L", "-m", "5"]);
        Assert.True(wrong.ExitCode != 0, wrong.ToString());
        Assert.Contains("Authentication failed", wrong.StandardError);
    }

    [Fact]
    public async Task RawProtocol_GatesRequestsBeforeAuthentication_NamesMechanisms_CountsFailures_AndSurvivesGarbage()
    {
        using var broker = StartBroker("sasl.authentication.timeout.ms=2000");

        // A Metadata request before authenticating closes the connection, as in Kafka.
        using (var early = new RawKafkaConnection(broker.KafkaPort))
        {
            early.Send(new MetadataRequest(), 1);
            Assert.True(early.WaitForClose(), "Metadata before SASL was answered");
        }

        using (var connection = new RawKafkaConnection(broker.KafkaPort))
        {
            var versions = connection.Receive<ApiVersionsResponse>(18, 0, connection.Send(new ApiVersionsRequest(), 0));
            Assert.Contains(versions.ApiKeys, k => k.ApiKey == 17);
            Assert.Contains(versions.ApiKeys, k => k.ApiKey == 36);

            var unknown = connection.Receive<SaslHandshakeResponse>(17, 1, connection.Send(new SaslHandshakeRequest { Mechanism = "SCRAM-SHA-256" }, 1));
            Assert.Equal(ErrorUnsupportedSaslMechanism, unknown.ErrorCode);
            Assert.Equal(["PLAIN"], unknown.Mechanisms);

            var handshake = connection.Receive<SaslHandshakeResponse>(17, 1, connection.Send(new SaslHandshakeRequest { Mechanism = "PLAIN" }, 1));
            Assert.Equal(0, handshake.ErrorCode);

            var token = Encoding.UTF8.GetBytes("\0alice\0wrong");
            var failed = connection.Receive<SaslAuthenticateResponse>(36, 2, connection.Send(new SaslAuthenticateRequest { AuthBytes = token }, 2));
            Assert.Equal(ErrorSaslAuthenticationFailed, failed.ErrorCode);
            Assert.Equal("Authentication failed: Invalid username or password", failed.ErrorMessage);
            Assert.True(connection.WaitForClose(), "the connection stayed open after a failed authentication");
        }

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{broker.HttpPort}/metrics"));
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("fjord_sasl_authentication_failures_total{", StringComparison.Ordinal) && line.EndsWith(" 1", StringComparison.Ordinal));

        // A huge size prefix before authentication, and a client that never authenticates: both closed.
        using (var garbage = new RawKafkaConnection(broker.KafkaPort))
        {
            var prefix = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(prefix, 0x7fff_fff0);
            garbage.SendRaw(prefix);
            Assert.True(garbage.WaitForClose(), "a 2 GB frame before SASL did not close the connection");
        }

        using (var silent = new RawKafkaConnection(broker.KafkaPort))
        {
            Assert.True(silent.WaitForClose(), "a client that never authenticated was not disconnected");
        }

        Assert.Equal(10, ConfluentRoundTrip.Run(Plain(broker, "alice", "alice-secret"), TestTopics.Unique("sasl-after"), 10).Count);
    }

    public void Dispose() => File.Delete(_usersFile);
}
