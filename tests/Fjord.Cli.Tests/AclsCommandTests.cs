using Fjord.Cli.Tests.Harness;

namespace Fjord.Cli.Tests;

/// <summary>`fjord acls list|add|remove` against a broker with the ACL authorizer on SASL_PLAINTEXT.</summary>
public sealed class AclsCommandTests : IDisposable
{
    private readonly string _usersFile = Path.Combine(Path.GetTempPath(), "fjord-cli-acl-users-" + Guid.NewGuid().ToString("N")[..12]);

    public AclsCommandTests() => File.WriteAllText(_usersFile, "admin=admin-secret\nalice=alice-secret\n");

    private static string[] As(string user) =>
        ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN", "-X", $"sasl.username={user}", "-X", $"sasl.password={user}-secret"];

    [Fact]
    public void Acls_AddListRemove_GrantAndRevokeAccess()
    {
        using var broker = BrokerProcess.Start("kafka.listener.name=SASL_PLAINTEXT", $"sasl.plain.users.file={_usersFile}",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer", "super.users=User:admin");
        var bootstrap = broker.BootstrapServers;
        FjordCli.Ok(FjordCli.Run(bootstrap, [.. As("admin"), "topics", "create", "payments"]));

        var denied = FjordCli.Run(bootstrap, [.. As("alice"), "topics", "describe", "payments"]);
        Assert.True(denied.ExitCode == 1, denied.ToString());
        Assert.Contains("TopicAuthorizationFailed", denied.StandardError);

        FjordCli.Ok(FjordCli.Run(bootstrap, [.. As("admin"), "acls", "add", "--principal", "User:alice", "--topic", "pay", "--resource-pattern-type", "prefixed",
            "--operation", "Read", "--operation", "DescribeConfigs"]));
        var listed = FjordCli.Json(FjordCli.Run(bootstrap, [.. As("admin"), "acls", "list", "--topic", "payments", "--resource-pattern-type", "match", "-o", "json"]));
        Assert.Equal(["DescribeConfigs", "Read"], listed.EnumerateArray().Select(a => a.GetProperty("operation").GetString()).Order());
        Assert.All(listed.EnumerateArray(), a => Assert.Equal("Prefixed", a.GetProperty("pattern_type").GetString()));
        Assert.Contains("User:alice", FjordCli.Ok(FjordCli.Run(bootstrap, [.. As("admin"), "acls", "list"])).StandardOutput);
        // `topics describe` shows partitions (DESCRIBE, implied by READ) and configs (DESCRIBE_CONFIGS).
        FjordCli.Ok(FjordCli.Run(bootstrap, [.. As("alice"), "topics", "describe", "payments"]));

        var notAllowed = FjordCli.Run(bootstrap, [.. As("alice"), "acls", "add", "--principal", "User:alice", "--cluster", "--operation", "Alter"]);
        Assert.True(notAllowed.ExitCode == 1, notAllowed.ToString());
        Assert.Contains("ClusterAuthorizationFailed", notAllowed.StandardError);

        var removed = FjordCli.Ok(FjordCli.Run(bootstrap, [.. As("admin"), "acls", "remove", "--principal", "User:alice", "--resource-pattern-type", "any"]));
        Assert.Contains("removed 2 ACL(s)", removed.StandardError);
        Assert.Empty(FjordCli.Json(FjordCli.Run(bootstrap, [.. As("admin"), "acls", "list", "-o", "json"])).EnumerateArray());

        var bad = FjordCli.Run(bootstrap, [.. As("admin"), "acls", "add", "--principal", "User:alice", "--topic", "t", "--operation", "Fly"]);
        Assert.Equal(2, bad.ExitCode);
    }

    public void Dispose() => File.Delete(_usersFile);
}
