using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Cluster;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;

namespace Fjord.Integration.Tests.Security;

/// <summary>
/// SCRAM credentials as metadata records (KIP-554): Confluent.Kafka's AdminClient alters and describes them, then
/// Confluent.Kafka clients and kcat authenticate with them, on one broker, across a restart, and on every node of a
/// 3-node cluster (README "Security").
/// </summary>
public sealed class ScramCredentialTests : IDisposable
{
    private const short ErrorResourceNotFound = 91;
    private const short ErrorDuplicateResource = 92;
    private const short ErrorUnacceptableCredential = 93;
    private const short ErrorUnsupportedSaslMechanism = 33;
    private const short ErrorClusterAuthorizationFailed = 31;

    private readonly string _usersFile = Path.Combine(Path.GetTempPath(), "fjord-it-scram-users-" + Guid.NewGuid().ToString("N")[..12]);

    public ScramCredentialTests() => File.WriteAllText(_usersFile, "admin=admin-secret\nbob=bob-file-secret\n");

    private string[] SaslSettings => ["kafka.listener.name=SASL_PLAINTEXT", $"sasl.plain.users.file={_usersFile}", "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"];

    private static ClientConfig Sasl(string bootstrap, SaslMechanism mechanism, string user, string password) => new()
    {
        BootstrapServers = bootstrap, SecurityProtocol = SecurityProtocol.SaslPlaintext,
        SaslMechanism = mechanism, SaslUsername = user, SaslPassword = password,
    };

    private static IAdminClient Admin(string bootstrap) =>
        new AdminClientBuilder(new AdminClientConfig(new Dictionary<string, string>(Sasl(bootstrap, SaslMechanism.Plain, "admin", "admin-secret")))).Build();

    private static UserScramCredentialUpsertion Upsertion(string user, ScramMechanism mechanism, string password, int iterations = 4096) => new()
    {
        User = user,
        ScramCredentialInfo = new ScramCredentialInfo { Mechanism = mechanism, Iterations = iterations },
        Password = Encoding.UTF8.GetBytes(password),
        Salt = RandomNumberGenerator.GetBytes(16),
    };

    private static async Task<Dictionary<ScramMechanism, int>> DescribedAsync(IAdminClient admin, string user)
    {
        var result = await admin.DescribeUserScramCredentialsAsync([user]);
        var description = Assert.Single(result.UserScramCredentialsDescriptions);
        Assert.Equal(user, description.User);
        return description.ScramCredentialInfos.ToDictionary(i => i.Mechanism, i => i.Iterations);
    }

    private static bool Authenticates(string bootstrap, SaslMechanism mechanism, string user, string password) =>
        ConfluentRoundTrip.MetadataError(Sasl(bootstrap, mechanism, user, password)) is null;

    [Fact]
    public async Task Confluent_AltersAndDescribes_ThenProducesAndConsumesWithScram256And512_DeletesAndKeepsAcrossRestart()
    {
        using var broker = BrokerProcess.Start(SaslSettings);
        using (var admin = Admin(broker.BootstrapServers))
        {
            await admin.AlterUserScramCredentialsAsync([
                Upsertion("carol", ScramMechanism.ScramSha256, "carol-256"),
                Upsertion("carol", ScramMechanism.ScramSha512, "carol-512", 8192),
                Upsertion("bob", ScramMechanism.ScramSha512, "bob-metadata-secret"),
            ]);
            Assert.Equal(new Dictionary<ScramMechanism, int> { [ScramMechanism.ScramSha256] = 4096, [ScramMechanism.ScramSha512] = 8192 }, await DescribedAsync(admin, "carol"));
        }

        Assert.Equal(12, ConfluentRoundTrip.Run(Sasl(broker.BootstrapServers, SaslMechanism.ScramSha256, "carol", "carol-256"), TestTopics.Unique("scram-md-256"), 12).Count);
        Assert.Equal(12, ConfluentRoundTrip.Run(Sasl(broker.BootstrapServers, SaslMechanism.ScramSha512, "carol", "carol-512"), TestTopics.Unique("scram-md-512"), 12).Count);
        Assert.False(Authenticates(broker.BootstrapServers, SaslMechanism.ScramSha256, "carol", "carol-512"), "SCRAM-SHA-256 accepted the SCRAM-SHA-512 password");

        var kcat = ExternalCommand.Run("kcat", ["-b", broker.BootstrapServers, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-512",
            "-X", "sasl.username=carol", "-X", "sasl.password=carol-512", "-L"]);
        Assert.True(kcat.ExitCode == 0, kcat.ToString());

        // The metadata credential wins over the users file's for SCRAM; PLAIN still checks the file.
        Assert.True(Authenticates(broker.BootstrapServers, SaslMechanism.ScramSha512, "bob", "bob-metadata-secret"), broker.Output);
        Assert.False(Authenticates(broker.BootstrapServers, SaslMechanism.ScramSha512, "bob", "bob-file-secret"), "the users file's SCRAM credential won over the metadata one");
        Assert.True(Authenticates(broker.BootstrapServers, SaslMechanism.ScramSha256, "bob", "bob-file-secret"), "the users file's SCRAM-SHA-256 credential stopped working");
        Assert.True(Authenticates(broker.BootstrapServers, SaslMechanism.Plain, "bob", "bob-file-secret"), "PLAIN stopped using the users file");

        using (var admin = Admin(broker.BootstrapServers))
        {
            await admin.AlterUserScramCredentialsAsync([new UserScramCredentialDeletion { User = "carol", Mechanism = ScramMechanism.ScramSha256 }]);
            Assert.Equal([ScramMechanism.ScramSha512], (await DescribedAsync(admin, "carol")).Keys);
        }
        Assert.False(Authenticates(broker.BootstrapServers, SaslMechanism.ScramSha256, "carol", "carol-256"), "a deleted credential still authenticates");

        broker.Kill();
        broker.Restart();
        Assert.True(Authenticates(broker.BootstrapServers, SaslMechanism.ScramSha512, "carol", "carol-512"), "the credential did not survive a restart:\n" + broker.Output);
        Assert.False(Authenticates(broker.BootstrapServers, SaslMechanism.ScramSha256, "carol", "carol-256"), "the deletion did not survive a restart");
        using (var admin = Admin(broker.BootstrapServers))
            Assert.Equal(new Dictionary<ScramMechanism, int> { [ScramMechanism.ScramSha512] = 8192 }, await DescribedAsync(admin, "carol"));
    }

    [Fact]
    public async Task Confluent_DescribingAnUnknownUser_FailsWithResourceNotFound()
    {
        using var broker = BrokerProcess.Start();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var failure = await Assert.ThrowsAsync<DescribeUserScramCredentialsException>(() => admin.DescribeUserScramCredentialsAsync(["nobody"]));
        var description = Assert.Single(failure.Results.UserScramCredentialsDescriptions);
        Assert.Equal(ErrorCode.ResourceNotFound, description.Error.Code);
    }

    [Fact]
    public void RawProtocol_BadAlterationsGetKafkasErrorsPerUser_AndApiVersionsAdvertisesBothApis()
    {
        using var broker = BrokerProcess.Start();
        using var connection = new RawKafkaConnection(broker.KafkaPort);
        var versions = connection.Receive<ApiVersionsResponse>(18, 3, connection.Send(new ApiVersionsRequest { ClientSoftwareName = "fjord-tests", ClientSoftwareVersion = "1" }, 3));
        Assert.Contains(versions.ApiKeys, k => k is { ApiKey: 50, MinVersion: 0, MaxVersion: 0 });
        Assert.Contains(versions.ApiKeys, k => k is { ApiKey: 51, MinVersion: 0, MaxVersion: 0 });

        AlterUserScramCredentialsRequest.ScramCredentialUpsertion Upsert(string user, sbyte mechanism, int iterations) =>
            new() { Name = user, Mechanism = mechanism, Iterations = iterations, Salt = [1, 2, 3], SaltedPassword = new byte[32] };
        var request = new AlterUserScramCredentialsRequest
        {
            Deletions = [new() { Name = "ghost", Mechanism = 1 }],
            Upsertions =
            [
                Upsert("few", 1, 4095), Upsert("many", 2, 16385), Upsert("", 1, 4096), Upsert("md5", 3, 4096),
                Upsert("twice", 1, 4096), Upsert("twice", 1, 8192), Upsert("good", 2, 4096),
            ],
        };
        var altered = connection.Receive<AlterUserScramCredentialsResponse>(51, 0, connection.Send(request, 0));
        Assert.Equal(
            [("ghost", ErrorResourceNotFound), ("few", ErrorUnacceptableCredential), ("many", ErrorUnacceptableCredential), ("", ErrorUnacceptableCredential),
             ("md5", ErrorUnsupportedSaslMechanism), ("twice", ErrorDuplicateResource), ("good", (short)0)],
            altered.Results.Select(r => (r.User, r.ErrorCode)));

        var described = connection.Receive<DescribeUserScramCredentialsResponse>(50, 0,
            connection.Send(new DescribeUserScramCredentialsRequest { Users = [new() { Name = "good" }, new() { Name = "few" }, new() { Name = "x" }, new() { Name = "x" }] }, 0));
        Assert.Equal([("good", (short)0), ("few", ErrorResourceNotFound), ("x", ErrorDuplicateResource)], described.Results.Select(r => (r.User, r.ErrorCode)));
        Assert.Equal((sbyte)2, Assert.Single(described.Results[0].CredentialInfos).Mechanism);

        var all = connection.Receive<DescribeUserScramCredentialsResponse>(50, 0, connection.Send(new DescribeUserScramCredentialsRequest { Users = null }, 0));
        Assert.Equal(["good"], all.Results.Select(r => r.User));
    }

    [Fact]
    public async Task Authorizer_AlterNeedsAlterCluster_DescribeNeedsDescribeCluster()
    {
        File.WriteAllText(_usersFile, "admin=admin-secret\nalice=alice-secret\n");
        using var broker = BrokerProcess.Start([.. SaslSettings, "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer", "super.users=User:admin"]);
        using var alice = new AdminClientBuilder(new AdminClientConfig(new Dictionary<string, string>(Sasl(broker.BootstrapServers, SaslMechanism.Plain, "alice", "alice-secret")))).Build();

        var alter = await Assert.ThrowsAsync<AlterUserScramCredentialsException>(() => alice.AlterUserScramCredentialsAsync([Upsertion("alice", ScramMechanism.ScramSha256, "new")]));
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, Assert.Single(alter.Results).Error.Code);
        // Raw protocol for the refused describe: librdkafka frees a response's top-level error string it did not allocate,
        // so Confluent.Kafka's process aborts on the error Kafka itself sends here (a client bug, seen with 2.16.0).
        using (var connection = new RawKafkaConnection(broker.KafkaPort))
        {
            Assert.Equal(0, connection.Receive<SaslHandshakeResponse>(17, 1, connection.Send(new SaslHandshakeRequest { Mechanism = "PLAIN" }, 1)).ErrorCode);
            var login = connection.Receive<SaslAuthenticateResponse>(36, 2, connection.Send(new SaslAuthenticateRequest { AuthBytes = Encoding.UTF8.GetBytes("\0alice\0alice-secret") }, 2));
            Assert.Equal(0, login.ErrorCode);
            var refused = connection.Receive<DescribeUserScramCredentialsResponse>(50, 0,
                connection.Send(new DescribeUserScramCredentialsRequest { Users = [new() { Name = "alice" }] }, 0));
            Assert.Equal(ErrorClusterAuthorizationFailed, refused.ErrorCode);
            Assert.Equal([("alice", ErrorClusterAuthorizationFailed)], refused.Results.Select(r => (r.User, r.ErrorCode)));
        }

        using var admin = Admin(broker.BootstrapServers);
        await admin.AlterUserScramCredentialsAsync([Upsertion("alice", ScramMechanism.ScramSha256, "alice-scram")]);
        Assert.Equal([ScramMechanism.ScramSha256], (await DescribedAsync(admin, "alice")).Keys);
    }

    [Fact]
    public async Task Cluster_ACredentialAlteredThroughOneNode_AuthenticatesNewConnectionsOnEveryNode_UntilDeleted()
    {
        using var cluster = ClusterProcess.Start(3, SaslSettings);
        using (var admin = Admin(cluster.Nodes[1].BootstrapServers))
            await admin.AlterUserScramCredentialsAsync([Upsertion("dora", ScramMechanism.ScramSha512, "dora-secret")]);

        foreach (var node in cluster.Nodes)
            Eventually.True(() => Authenticates(node.BootstrapServers, SaslMechanism.ScramSha512, "dora", "dora-secret"), TimeSpan.FromSeconds(30),
                () => $"dora cannot authenticate on node {node.Id}:\n{cluster.Output}");

        using (var admin = Admin(cluster.Nodes[2].BootstrapServers))
            await admin.AlterUserScramCredentialsAsync([new UserScramCredentialDeletion { User = "dora", Mechanism = ScramMechanism.ScramSha512 }]);
        foreach (var node in cluster.Nodes)
            Eventually.True(() => !Authenticates(node.BootstrapServers, SaslMechanism.ScramSha512, "dora", "dora-secret"), TimeSpan.FromSeconds(30),
                () => $"dora still authenticates on node {node.Id}");
    }

    public void Dispose() => File.Delete(_usersFile);
}
