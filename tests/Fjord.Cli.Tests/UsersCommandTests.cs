using Fjord.Cli.Tests.Harness;

namespace Fjord.Cli.Tests;

/// <summary>`fjord users scram describe|set|delete` against a broker on SASL_PLAINTEXT whose bootstrap admin is in the users file.</summary>
public sealed class UsersCommandTests : IDisposable
{
    private readonly string _usersFile = Path.Combine(Path.GetTempPath(), "fjord-cli-scram-users-" + Guid.NewGuid().ToString("N")[..12]);

    public UsersCommandTests() => File.WriteAllText(_usersFile, "admin=admin-secret\n");

    private static readonly string[] s_admin =
        ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=admin", "-X", "sasl.password=admin-secret"];

    private static string[] Scram512(string user, string password) =>
        ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", $"sasl.username={user}", "-X", $"sasl.password={password}"];

    [Fact]
    public void UsersScram_SetDescribeDelete_GrantAndRevokeLogin()
    {
        using var broker = BrokerProcess.Start("kafka.listener.name=SASL_PLAINTEXT", $"sasl.plain.users.file={_usersFile}",
            "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
        var bootstrap = broker.BootstrapServers;

        FjordCli.Ok(FjordCli.Run(bootstrap, [.. s_admin, "users", "scram", "set", "--user", "erin", "--mechanism", "SCRAM-SHA-512", "--password", "erin-secret", "--iterations", "8192"]));
        var described = FjordCli.Json(FjordCli.Run(bootstrap, [.. s_admin, "users", "scram", "describe", "-o", "json"]));
        var row = Assert.Single(described.EnumerateArray());
        Assert.Equal(("erin", "SCRAM-SHA-512", 8192), (row.GetProperty("user").GetString(), row.GetProperty("mechanism").GetString(), row.GetProperty("iterations").GetInt32()));
        FjordCli.Ok(FjordCli.Run(bootstrap, [.. Scram512("erin", "erin-secret"), "topics", "list"]));

        var tooFew = FjordCli.Run(bootstrap, [.. s_admin, "users", "scram", "set", "--user", "erin", "--mechanism", "SCRAM-SHA-256", "--password", "x", "--iterations", "100"]);
        Assert.True(tooFew.ExitCode == 1, tooFew.ToString());
        Assert.Contains("UnacceptableCredential", tooFew.StandardError);
        Assert.Equal(2, FjordCli.Run(bootstrap, [.. s_admin, "users", "scram", "set", "--user", "erin", "--mechanism", "MD5", "--password", "x"]).ExitCode);

        FjordCli.Ok(FjordCli.Run(bootstrap, [.. s_admin, "users", "scram", "delete", "--user", "erin", "--mechanism", "SCRAM-SHA-512"]));
        var gone = FjordCli.Run(bootstrap, [.. s_admin, "users", "scram", "describe", "--user", "erin"]);
        Assert.True(gone.ExitCode == 1, gone.ToString());
        Assert.Contains("ResourceNotFound", gone.StandardError);
        var refused = FjordCli.Run(bootstrap, [.. Scram512("erin", "erin-secret"), "topics", "list"]);
        Assert.True(refused.ExitCode != 0, refused.ToString());
    }

    public void Dispose() => File.Delete(_usersFile);
}
