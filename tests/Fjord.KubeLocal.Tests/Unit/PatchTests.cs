using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Patching;

namespace Fjord.KubeLocal.Tests.Unit;

public sealed class PatchTests
{
    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static void Same(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\n  actual {actual.ToJsonString()}");

    [Fact]
    public void MergePatch_NullDeletes_ObjectsMerge_ListsReplace() =>
        Same("""{"a":{"c":2,"d":3},"l":[9]}""", MergePatch.Apply(Obj("""{"a":{"b":1,"c":1},"l":[1,2]}"""), Obj("""{"a":{"b":null,"c":2,"d":3},"l":[9]}"""))!);

    [Fact]
    public void JsonPatch_AddRemoveReplaceMoveCopyTest()
    {
        var result = JsonPatch.Apply(Obj("""{"a":[1,2],"b":{"c":1}}"""), JsonNode.Parse("""
            [{"op":"add","path":"/a/1","value":5},{"op":"remove","path":"/a/0"},{"op":"replace","path":"/b/c","value":2},
             {"op":"copy","from":"/b","path":"/d"},{"op":"move","from":"/d/c","path":"/e"},{"op":"test","path":"/e","value":2},
             {"op":"add","path":"/a/-","value":7},{"op":"add","path":"/x~1y","value":true}]
            """)!.AsArray());
        Same("""{"a":[5,2,7],"b":{"c":2},"d":{},"e":2,"x/y":true}""", result);
    }

    [Fact]
    public void JsonPatch_FailedTest_Is422() =>
        Assert.Equal(422, Assert.Throws<KubeApiException>(() => JsonPatch.Apply(Obj("""{"a":1}"""), JsonNode.Parse("""[{"op":"test","path":"/a","value":2}]""")!.AsArray())).Code);

    [Fact]
    public void StrategicMergePatch_MergesContainersAndEnvByName_WithElementOrder()
    {
        var original = Obj("""{"spec":{"containers":[{"name":"a","image":"a:1","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}]},{"name":"b","image":"b:1"}]}}""");
        var patch = Obj("""{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"a","$setElementOrder/env":[{"name":"Y"},{"name":"X"}],"env":[{"name":"X","value":"9"}]}]}}""");
        Same("""{"spec":{"containers":[{"name":"b","image":"b:1"},{"name":"a","image":"a:1","env":[{"name":"Y","value":"2"},{"name":"X","value":"9"}]}]}}""",
            StrategicMergePatch.Apply(original, patch));
    }

    [Fact]
    public void StrategicMergePatch_Directives_DeleteReplaceRetainKeysAndPrimitiveList()
    {
        var original = Obj("""{"metadata":{"finalizers":["a","b"]},"spec":{"volumes":[{"name":"v1","emptyDir":{}},{"name":"v2"}],"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},"ports":[{"port":80},{"port":81}],"tolerations":[{"key":"x"}]}}""");
        var patch = Obj("""
            {"metadata":{"$deleteFromPrimitiveList/finalizers":["a"],"finalizers":["c"]},
             "spec":{"volumes":[{"name":"v2","$patch":"delete"}],
                     "strategy":{"$retainKeys":["type"],"type":"Recreate"},
                     "ports":[{"$patch":"replace"},{"port":90}],
                     "tolerations":[{"key":"y"}]}}
            """);
        Same("""{"metadata":{"finalizers":["b","c"]},"spec":{"volumes":[{"name":"v1","emptyDir":{}}],"strategy":{"type":"Recreate"},"ports":[{"port":90}],"tolerations":[{"key":"y"}]}}""",
            StrategicMergePatch.Apply(original, patch));
    }

    [Fact]
    public void StrategicMergePatch_ContainerPortsMergeByContainerPort_AndMapReplaceDirective()
    {
        var original = Obj("""{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"http"}],"resources":{"limits":{"cpu":"1"}}}]}}""");
        var patch = Obj("""{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":90}],"resources":{"$patch":"replace","requests":{"cpu":"2"}}}]}}""");
        Same("""{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"http","protocol":"TCP"},{"containerPort":90}],"resources":{"requests":{"cpu":"2"}}}]}}""",
            StrategicMergePatch.Apply(original, patch));
    }
}
