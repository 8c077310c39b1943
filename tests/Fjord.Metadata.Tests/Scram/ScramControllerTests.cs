using System.Security.Cryptography;
using System.Text;
using Fjord.Metadata.Scram;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata.Tests.Scram;

public sealed class ScramControllerTests
{
    private static readonly byte[] s_salt = Encoding.ASCII.GetBytes("pepper-and-salt");

    private static ScramCredentialUpsertion Upsert(string user, ScramMechanism mechanism, string password = "secret", int iterations = 4096) =>
        new(user, mechanism.Type, iterations, s_salt,
            Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), s_salt, iterations, mechanism.Hash, mechanism.KeyLength));

    [Fact]
    public void Upsert_StoresKeysDerivedFromTheSaltedPassword_NeverThePassword()
    {
        var ctx = new ControllerTestContext();
        var results = ctx.Run(ctx.Controller.AlterUserScramCredentials([], [Upsert("alice", ScramMechanism.Sha256), Upsert("alice", ScramMechanism.Sha512, iterations: 8192)]));
        Assert.Equal([new ScramAlterationResult("alice", ErrorCode.None, null)], results);
        var expected = ScramCredential.Derive(ScramMechanism.Sha512, "secret", s_salt, 8192);
        var stored = ctx.Image.GetScramCredential("alice", ScramMechanism.Sha512)!;
        Assert.Equal(expected.StoredKey, stored.StoredKey);
        Assert.Equal(expected.ServerKey, stored.ServerKey);
        Assert.Equal(8192, stored.Iterations);
        Assert.Equal(4096, ctx.Image.GetScramCredential("alice", ScramMechanism.Sha256)!.Iterations);
    }

    [Fact]
    public void Upsert_SameUserAndMechanismAgain_ReplacesTheCredential()
    {
        var ctx = new ControllerTestContext();
        ctx.Run(ctx.Controller.AlterUserScramCredentials([], [Upsert("alice", ScramMechanism.Sha256, "old")]));
        ctx.Run(ctx.Controller.AlterUserScramCredentials([], [Upsert("alice", ScramMechanism.Sha256, "new")]));
        Assert.Single(ctx.Image.ScramCredentials);
        Assert.Equal(ScramCredential.Derive(ScramMechanism.Sha256, "new", s_salt, 4096).StoredKey, ctx.Image.GetScramCredential("alice", ScramMechanism.Sha256)!.StoredKey);
    }

    [Fact]
    public void Alter_BadAlterations_FailTheirUserOnly_WithKafkasErrors()
    {
        var ctx = new ControllerTestContext();
        ctx.Run(ctx.Controller.AlterUserScramCredentials([], [Upsert("dave", ScramMechanism.Sha256)]));
        var results = ctx.Run(ctx.Controller.AlterUserScramCredentials(
            [new ScramCredentialDeletion("nobody", ScramMechanism.Sha256.Type), new ScramCredentialDeletion("dave", ScramMechanism.Sha256.Type)],
            [
                Upsert("", ScramMechanism.Sha256),
                Upsert("few", ScramMechanism.Sha256, iterations: 4095),
                Upsert("many", ScramMechanism.Sha512, iterations: 16385),
                Upsert("twice", ScramMechanism.Sha256), Upsert("twice", ScramMechanism.Sha256),
                new ScramCredentialUpsertion("md5", 3, 4096, s_salt, s_salt),
                new ScramCredentialUpsertion("nosalt", ScramMechanism.Sha256.Type, 4096, [], s_salt),
                Upsert("dave", ScramMechanism.Sha256),
                Upsert("bob", ScramMechanism.Sha512),
            ]));
        Assert.Equal(
            [
                ("nobody", ErrorCode.ResourceNotFound), ("dave", ErrorCode.DuplicateResource), ("", ErrorCode.UnacceptableCredential),
                ("few", ErrorCode.UnacceptableCredential), ("many", ErrorCode.UnacceptableCredential), ("twice", ErrorCode.DuplicateResource),
                ("md5", ErrorCode.UnsupportedSaslMechanism), ("nosalt", ErrorCode.UnacceptableCredential), ("bob", ErrorCode.None),
            ],
            results.Select(r => (r.User, r.Error)));
        Assert.Equal(["bob", "dave"], ctx.Image.ScramCredentials.Keys.Select(k => k.User));
    }

    [Fact]
    public void Delete_RemovesOnlyThatMechanism()
    {
        var ctx = new ControllerTestContext();
        ctx.Run(ctx.Controller.AlterUserScramCredentials([], [Upsert("alice", ScramMechanism.Sha256), Upsert("alice", ScramMechanism.Sha512)]));
        var results = ctx.Run(ctx.Controller.AlterUserScramCredentials([new ScramCredentialDeletion("alice", ScramMechanism.Sha256.Type)], []));
        Assert.Equal(ErrorCode.None, Assert.Single(results).Error);
        Assert.Null(ctx.Image.GetScramCredential("alice", ScramMechanism.Sha256));
        Assert.NotNull(ctx.Image.GetScramCredential("alice", ScramMechanism.Sha512));
    }

    [Fact]
    public void ScramCredentials_SurviveSnapshot_AndEveryPrefixReplays()
    {
        var ctx = new ControllerTestContext();
        ctx.Run(ctx.Controller.AlterUserScramCredentials([], [Upsert("alice", ScramMechanism.Sha256), Upsert("bob", ScramMechanism.Sha512)]));
        ctx.Run(ctx.Controller.AlterUserScramCredentials([new ScramCredentialDeletion("alice", ScramMechanism.Sha256.Type)], [Upsert("carol", ScramMechanism.Sha256)]));
        var rebuilt = MetadataImage.FromRecords(ctx.Image.ToRecords(), ctx.Image.Offset);
        Assert.True(rebuilt.ContentEquals(ctx.Image), rebuilt.Describe());
        Assert.Equal(["bob", "carol"], rebuilt.ScramCredentials.Keys.Select(k => k.User));
        Assert.Equal(ctx.Image.GetScramCredential("bob", ScramMechanism.Sha512)!.StoredKey, rebuilt.GetScramCredential("bob", ScramMechanism.Sha512)!.StoredKey);
        for (var n = 0; n <= ctx.Log.Count; n++) MetadataImage.Empty.With(ctx.Log.Take(n));
    }
}
