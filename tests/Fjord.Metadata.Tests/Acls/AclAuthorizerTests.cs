using System.Collections.Immutable;
using Fjord.Metadata.Acls;

namespace Fjord.Metadata.Tests.Acls;

public sealed class AclAuthorizerTests
{
    private const string Alice = "User:alice";
    private const string Bob = "User:bob";
    private const string Host = "10.0.0.1";

    private static readonly AclAuthorizer Strict = new(ImmutableHashSet.Create("User:admin"), allowEveryoneIfNoAclFound: false);
    private static readonly AclAuthorizer Lenient = new([], allowEveryoneIfNoAclFound: true);

    private static AclBinding Topic(string name, AclOperation op, AclPermissionType permission = AclPermissionType.Allow,
        AclPatternType pattern = AclPatternType.Literal, string principal = Alice, string host = "*") =>
        new(AclResourceType.Topic, name, pattern, principal, host, op, permission);

    private static bool Can(AclAuthorizer authorizer, AclBinding[] acls, AclOperation op, string topic = "orders", string principal = Alice, string host = Host) =>
        authorizer.Authorize(acls, principal, host, op, AclResourceType.Topic, topic);

    [Fact]
    public void Authorize_NoAcls_FollowsAllowEveryoneIfNoAclFound()
    {
        Assert.False(Can(Strict, [], AclOperation.Read));
        Assert.True(Can(Lenient, [], AclOperation.Read));
    }

    [Fact]
    public void Authorize_AclForAnotherPrincipalOnResource_DeniesEvenWhenLenient()
    {
        // An ACL naming the resource exists, so "no ACL found" no longer applies to anyone.
        Assert.False(Can(Lenient, [Topic("orders", AclOperation.Read, principal: Bob)], AclOperation.Read));
        Assert.True(Can(Lenient, [Topic("other", AclOperation.Read, principal: Bob)], AclOperation.Read));
    }

    [Fact]
    public void Authorize_SuperUser_AllowedDespiteDeny()
    {
        Assert.True(Can(Strict, [Topic("orders", AclOperation.All, AclPermissionType.Deny, principal: "User:admin")], AclOperation.Write, principal: "User:admin"));
    }

    [Theory]
    [InlineData(AclPatternType.Literal, "orders", "orders", true)]
    [InlineData(AclPatternType.Literal, "orders", "orders-eu", false)]
    [InlineData(AclPatternType.Literal, "*", "anything", true)]
    [InlineData(AclPatternType.Prefixed, "ord", "orders", true)]
    [InlineData(AclPatternType.Prefixed, "orders", "orders", true)]
    [InlineData(AclPatternType.Prefixed, "orders-", "orders", false)]
    [InlineData(AclPatternType.Prefixed, "*", "orders", false)]
    public void Authorize_Pattern_MatchesAsKafka(AclPatternType pattern, string aclName, string topic, bool allowed)
    {
        Assert.Equal(allowed, Can(Strict, [Topic(aclName, AclOperation.Read, pattern: pattern)], AclOperation.Read, topic));
    }

    [Theory]
    [InlineData(AclOperation.Read, AclOperation.Describe, true)]
    [InlineData(AclOperation.Write, AclOperation.Describe, true)]
    [InlineData(AclOperation.Delete, AclOperation.Describe, true)]
    [InlineData(AclOperation.Alter, AclOperation.Describe, true)]
    [InlineData(AclOperation.AlterConfigs, AclOperation.DescribeConfigs, true)]
    [InlineData(AclOperation.All, AclOperation.AlterConfigs, true)]
    [InlineData(AclOperation.Describe, AclOperation.Read, false)]
    [InlineData(AclOperation.Read, AclOperation.Write, false)]
    [InlineData(AclOperation.Create, AclOperation.Describe, false)]
    [InlineData(AclOperation.DescribeConfigs, AclOperation.AlterConfigs, false)]
    [InlineData(AclOperation.AlterConfigs, AclOperation.Describe, false)]
    public void Authorize_AllowImplications_AsKafka(AclOperation granted, AclOperation requested, bool allowed)
    {
        Assert.Equal(allowed, Can(Strict, [Topic("orders", granted)], requested));
    }

    [Fact]
    public void Authorize_DenyWinsOverAllow_AndHasNoImplications()
    {
        AclBinding[] acls = [Topic("orders", AclOperation.All), Topic("ord", AclOperation.Write, AclPermissionType.Deny, AclPatternType.Prefixed)];
        Assert.False(Can(Strict, acls, AclOperation.Write));
        // DENY WRITE does not deny DESCRIBE, which the ALLOW ALL grants.
        Assert.True(Can(Strict, acls, AclOperation.Describe));
        Assert.True(Can(Strict, acls, AclOperation.Read));
        Assert.False(Can(Strict, [Topic("orders", AclOperation.Read), Topic("*", AclOperation.All, AclPermissionType.Deny)], AclOperation.Read));
    }

    [Fact]
    public void Authorize_WildcardPrincipalAndHost_Match()
    {
        Assert.True(Can(Strict, [Topic("orders", AclOperation.Read, principal: "User:*")], AclOperation.Read, principal: Bob));
        Assert.False(Can(Strict, [Topic("orders", AclOperation.Read, principal: "User:*")], AclOperation.Read, principal: "Group:ops"));
        Assert.True(Can(Strict, [Topic("orders", AclOperation.Read, host: Host)], AclOperation.Read));
        Assert.False(Can(Strict, [Topic("orders", AclOperation.Read, host: "10.0.0.2")], AclOperation.Read));
        Assert.False(Can(Strict, [Topic("orders", AclOperation.Read, host: Host, principal: Bob)], AclOperation.Read));
    }

    [Fact]
    public void Authorize_OtherResourceType_DoesNotApply()
    {
        var groupAcl = new AclBinding(AclResourceType.Group, "orders", AclPatternType.Literal, Alice, "*", AclOperation.Read, AclPermissionType.Allow);
        Assert.False(Can(Strict, [groupAcl], AclOperation.Read));
        Assert.True(Strict.Authorize([groupAcl], Alice, Host, AclOperation.Read, AclResourceType.Group, "orders"));
    }

    [Fact]
    public void AuthorizeAny_AllowOnSomeTopic_UnlessCoveredByDeny()
    {
        AclBinding[] allowPrefix = [Topic("app-", AclOperation.Write, pattern: AclPatternType.Prefixed)];
        Assert.True(Strict.AuthorizeAny(allowPrefix, Alice, Host, AclOperation.Write, AclResourceType.Topic));
        Assert.False(Strict.AuthorizeAny(allowPrefix, Bob, Host, AclOperation.Write, AclResourceType.Topic));
        Assert.False(Strict.AuthorizeAny(allowPrefix, Alice, Host, AclOperation.Read, AclResourceType.Topic));
        Assert.False(Strict.AuthorizeAny([.. allowPrefix, Topic("app", AclOperation.Write, AclPermissionType.Deny, AclPatternType.Prefixed)],
            Alice, Host, AclOperation.Write, AclResourceType.Topic));
        Assert.False(Strict.AuthorizeAny([Topic("x", AclOperation.All), Topic("*", AclOperation.Write, AclPermissionType.Deny)],
            Alice, Host, AclOperation.Write, AclResourceType.Topic));
        Assert.True(Strict.AuthorizeAny([Topic("x", AclOperation.All), Topic("y", AclOperation.Write, AclPermissionType.Deny)],
            Alice, Host, AclOperation.Write, AclResourceType.Topic));
        Assert.True(Lenient.AuthorizeAny([], Alice, Host, AclOperation.Write, AclResourceType.Topic));
        Assert.False(Strict.AuthorizeAny([], Alice, Host, AclOperation.Write, AclResourceType.Topic));
    }

    [Fact]
    public void AuthorizedOperations_ReportsEachAllowedOperationBit()
    {
        var bits = Strict.AuthorizedOperations([Topic("orders", AclOperation.Read), Topic("orders", AclOperation.AlterConfigs)],
            Alice, Host, AclResourceType.Topic, "orders", AclResourceOperations.Topic);
        Assert.Equal((1 << 3) | (1 << 8) | (1 << 10) | (1 << 11), bits);
    }

    [Fact]
    public void ParseSuperUsers_SplitsOnSemicolons()
    {
        Assert.Equal(["User:a", "User:b"], AclAuthorizer.ParseSuperUsers(" User:a ;User:b;").Order());
        Assert.Empty(AclAuthorizer.ParseSuperUsers(null));
    }
}
