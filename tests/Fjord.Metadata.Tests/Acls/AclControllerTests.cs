using Fjord.Metadata.Acls;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata.Tests.Acls;

public sealed class AclControllerTests
{
    private static AclBinding Binding(string name, AclPatternType pattern = AclPatternType.Literal, string principal = "User:alice",
        AclOperation op = AclOperation.Read, AclResourceType type = AclResourceType.Topic) =>
        new(type, name, pattern, principal, "*", op, AclPermissionType.Allow);

    [Fact]
    public void CreateAcls_StoresValidBindings_AndRefusesInvalidOnesAlone()
    {
        var ctx = new ControllerTestContext();
        var results = ctx.Run(ctx.Controller.CreateAcls([
            Binding("orders"),
            Binding("orders", AclPatternType.Match),
            Binding("x", type: AclResourceType.Cluster),
            Binding("orders", principal: "alice"),
            Binding("", AclPatternType.Prefixed),
            Binding("kafka-cluster", type: AclResourceType.Cluster, op: AclOperation.Alter),
            Binding("orders", op: AclOperation.Any),
        ]));
        Assert.Equal([ErrorCode.None, ErrorCode.InvalidRequest, ErrorCode.InvalidRequest, ErrorCode.InvalidRequest, ErrorCode.InvalidRequest, ErrorCode.None, ErrorCode.InvalidRequest],
            results.Select(r => r.Error));
        Assert.Equal(2, ctx.Image.Acls.Count);
    }

    [Fact]
    public void CreateAcls_ExistingBinding_SucceedsWithoutRecord()
    {
        var ctx = new ControllerTestContext();
        ctx.Run(ctx.Controller.CreateAcls([Binding("orders")]));
        var again = ctx.Controller.CreateAcls([Binding("orders"), Binding("orders")]);
        Assert.True(again.IsReadOnly);
        Assert.All(again.Response, r => Assert.Equal(ErrorCode.None, r.Error));
    }

    [Fact]
    public void DeleteAcls_RemovesWhatFiltersMatch_FirstFilterListsShared()
    {
        var ctx = new ControllerTestContext();
        ctx.Run(ctx.Controller.CreateAcls([Binding("orders"), Binding("ord", AclPatternType.Prefixed), Binding("*"), Binding("payments"), Binding("orders", principal: "User:bob")]));
        var match = new AclBindingFilter(AclResourceType.Topic, "orders", AclPatternType.Match, "User:alice", null, AclOperation.Any, AclPermissionType.Any);
        var results = ctx.Run(ctx.Controller.DeleteAcls([match, AclBindingFilter.All with { PatternType = AclPatternType.Unknown }, AclBindingFilter.All with { Principal = "User:alice" }]));
        Assert.Equal(["*", "ord", "orders"], results[0].Deleted.Select(b => b.ResourceName).Order());
        Assert.Equal(ErrorCode.InvalidRequest, results[1].Error);
        Assert.Equal(["payments"], results[2].Deleted.Select(b => b.ResourceName));
        Assert.Equal(["User:bob"], ctx.Image.Acls.Values.Select(b => b.Principal));
    }

    [Fact]
    public void Acls_SurviveSnapshot_AndEveryPrefixReplays()
    {
        var ctx = new ControllerTestContext();
        ctx.Run(ctx.Controller.CreateAcls([Binding("orders"), Binding("ord", AclPatternType.Prefixed)]));
        ctx.Run(ctx.Controller.DeleteAcls([AclBindingFilter.All with { ResourceName = "orders" }]));
        ctx.Run(ctx.Controller.CreateAcls([Binding("kafka-cluster", type: AclResourceType.Cluster, op: AclOperation.Alter)]));
        var rebuilt = MetadataImage.FromRecords(ctx.Image.ToRecords(), ctx.Image.Offset);
        Assert.True(rebuilt.ContentEquals(ctx.Image), rebuilt.Describe());
        Assert.Equal(ctx.Image.Acls, rebuilt.Acls);
        for (var n = 0; n <= ctx.Log.Count; n++) MetadataImage.Empty.With(ctx.Log.Take(n));
    }

    [Theory]
    [InlineData(AclPatternType.Any, "orders", new[] { "orders/Literal", "orders/Prefixed" })]
    [InlineData(AclPatternType.Match, "orders-eu", new[] { "*/Literal", "orders/Prefixed" })]
    [InlineData(AclPatternType.Literal, null, new[] { "*/Literal", "orders/Literal" })]
    [InlineData(AclPatternType.Prefixed, "orders", new[] { "orders/Prefixed" })]
    public void Filter_PatternTypes_MatchAsKafka(AclPatternType pattern, string? name, string[] expected)
    {
        AclBinding[] all = [Binding("orders"), Binding("orders", AclPatternType.Prefixed), Binding("*")];
        var filter = AclBindingFilter.All with { PatternType = pattern, ResourceName = name };
        Assert.Equal(expected, all.Where(filter.Matches).Select(b => $"{b.ResourceName}/{b.PatternType}").Order());
    }
}
