using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Resources;
using Fjord.KubeLocal.Semantics;
using Fjord.KubeLocal.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.KubeLocal.Tests.Unit;

/// <summary>The registry semantics of <see cref="ObjectWriter"/> without HTTP.</summary>
public sealed class ObjectWriterTests
{
    private readonly ObjectStore _store = new(historyCapacity: 5);
    private readonly ResourceCatalog _catalog;
    private readonly ObjectWriter _writer;
    private readonly WriteOptions _options = new("test", "Strict");

    public ObjectWriterTests()
    {
        _catalog = new ResourceCatalog(_store);
        _writer = new ObjectWriter(_store, _catalog, TimeProvider.System, new ServiceIpAllocator());
        _writer.Create(Type("", "namespaces"), null, Obj("""{"metadata":{"name":"default"}}"""), _options);
    }

    private ResourceType Type(string group, string plural) => _catalog.All().First(r => r.Group == group && r.Plural == plural);

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static string Rv(JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();

    [Fact]
    public void Update_WithStaleResourceVersion_Conflicts_WithoutOneSucceedsForBuiltIns()
    {
        var cm = Type("", "configmaps");
        var created = _writer.Create(cm, "default", Obj("""{"metadata":{"name":"c"},"data":{"a":"1"}}"""), _options);
        var updated = _writer.Update(cm, "default", "c", Obj($$$"""{"metadata":{"name":"c","resourceVersion":"{{{Rv(created)}}}"},"data":{"a":"2"}}"""), null, _options, true);
        Assert.True(long.Parse(Rv(updated)) > long.Parse(Rv(created)));
        var stale = Assert.Throws<KubeApiException>(() => _writer.Update(cm, "default", "c", Obj($$$"""{"metadata":{"name":"c","resourceVersion":"{{{Rv(created)}}}"},"data":{"a":"3"}}"""), null, _options, true));
        Assert.Equal((409, "Conflict"), (stale.Code, stale.Reason));
        _writer.Update(cm, "default", "c", Obj("""{"metadata":{"name":"c"},"data":{"a":"4"}}"""), null, _options, true);
        Assert.Null(_store.Get("configmaps", "default", "c")!["metadata"]!["generation"]);
    }

    [Fact]
    public void StatusSubresource_MainWritesIgnoreStatus_GenerationBumpsOnlyForSpec()
    {
        var sts = Type("apps", "statefulsets");
        var created = _writer.Create(sts, "default", Obj("""{"metadata":{"name":"s"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}},"status":{"replicas":9}}"""), _options);
        Assert.Null(created["status"]);
        Assert.Equal("OrderedReady", created["spec"]!["podManagementPolicy"]!.GetValue<string>());
        Assert.Equal(0, created["spec"]!["updateStrategy"]!["rollingUpdate"]!["partition"]!.GetValue<int>());
        var withStatus = _writer.Update(sts, "default", "s", Obj("""{"metadata":{"name":"s"},"status":{"replicas":1}}"""), "status", _options, true);
        Assert.Equal(1, withStatus["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal(1, withStatus["spec"]!["replicas"]!.GetValue<long>());
        var body = withStatus.DeepClone().AsObject();
        body["spec"]!["replicas"] = 3;
        body["status"] = new JsonObject { ["replicas"] = 100 };
        var scaled = _writer.Update(sts, "default", "s", body, null, _options, true);
        Assert.Equal(2, scaled["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal(1, scaled["status"]!["replicas"]!.GetValue<long>());
        var unchanged = _writer.Update(sts, "default", "s", scaled.DeepClone().AsObject(), null, _options, true);
        Assert.Equal(Rv(scaled), Rv(unchanged));
    }

    [Fact]
    public void Update_ImmutableFields_Are422()
    {
        var sts = Type("apps", "statefulsets");
        var created = _writer.Create(sts, "default", Obj("""{"metadata":{"name":"s"},"spec":{"serviceName":"s","selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}},"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"]}}]}}"""), _options);
        var rescaled = created.DeepClone().AsObject();
        rescaled["spec"]!["replicas"] = 3;
        _writer.Update(sts, "default", "s", rescaled, null, _options, false);
        var renamed = created.DeepClone().AsObject();
        renamed["spec"]!["serviceName"] = "other";
        ((JsonObject)renamed["metadata"]!).Remove("resourceVersion");
        Assert.Contains("updates to statefulset spec", Assert.Throws<KubeApiException>(() => _writer.Update(sts, "default", "s", renamed, null, _options, false)).Message);

        var cm = Type("", "configmaps");
        _writer.Create(cm, "default", Obj("""{"metadata":{"name":"frozen"},"data":{"a":"1"},"immutable":true}"""), _options);
        Assert.Equal(422, Assert.Throws<KubeApiException>(() => _writer.Update(cm, "default", "frozen", Obj("""{"metadata":{"name":"frozen"},"data":{"a":"2"},"immutable":true}"""), null, _options, false)).Code);
    }

    [Fact]
    public void Delete_WithFinalizer_SetsDeletionTimestampAndBumpsGeneration_RemovalOfLastFinalizerDeletes()
    {
        var deploy = Type("apps", "deployments");
        _writer.Create(deploy, "default", Obj("""{"metadata":{"name":"d","finalizers":["x/y"]},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}"""), _options);
        var (held, removed) = _writer.Delete(deploy, "default", "d", DeleteRequest.Background);
        Assert.False(removed);
        Assert.NotNull(held["metadata"]!["deletionTimestamp"]);
        Assert.Equal(2, held["metadata"]!["generation"]!.GetValue<long>());
        var addFinalizer = held.DeepClone().AsObject();
        addFinalizer["metadata"]!["finalizers"] = new JsonArray("x/y", "new/one");
        Assert.Equal(422, Assert.Throws<KubeApiException>(() => _writer.Update(deploy, "default", "d", addFinalizer, null, _options, true)).Code);
        var release = held.DeepClone().AsObject();
        ((JsonObject)release["metadata"]!).Remove("finalizers");
        _writer.Update(deploy, "default", "d", release, null, _options, true);
        Assert.Null(_store.Get("apps/deployments", "default", "d"));
    }

    [Fact]
    public void Create_ValidatesNamesAndNamespace_AndDefaultsServices()
    {
        var cm = Type("", "configmaps");
        Assert.Equal(422, Assert.Throws<KubeApiException>(() => _writer.Create(cm, "default", Obj("""{"metadata":{"name":"Bad_Name"}}"""), _options)).Code);
        Assert.Equal(404, Assert.Throws<KubeApiException>(() => _writer.Create(cm, "missing", Obj("""{"metadata":{"name":"c"}}"""), _options)).Code);
        var duplicate = _writer.Create(cm, "default", Obj("""{"metadata":{"generateName":"c-"}}"""), _options);
        Assert.StartsWith("c-", ApiObjects.NameOf(duplicate));
        Assert.Equal("AlreadyExists", Assert.Throws<KubeApiException>(() => _writer.Create(cm, "default", duplicate.DeepClone().AsObject(), _options)).Reason);

        var svc = _writer.Create(Type("", "services"), "default", Obj("""{"metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}"""), _options);
        Assert.Equal("ClusterIP", svc["spec"]!["type"]!.GetValue<string>());
        Assert.Equal("TCP", svc["spec"]!["ports"]![0]!["protocol"]!.GetValue<string>());
        Assert.Equal(80, svc["spec"]!["ports"]![0]!["targetPort"]!.GetValue<int>());
        Assert.StartsWith("10.96.", svc["spec"]!["clusterIP"]!.GetValue<string>());

        var secret = _writer.Create(Type("", "secrets"), "default", Obj("""{"metadata":{"name":"s"},"stringData":{"k":"v"}}"""), _options);
        Assert.Equal("dg==", secret["data"]!["k"]!.GetValue<string>());
        Assert.NotNull(_store.Get("serviceaccounts", "default", "default"));
        Assert.Null(secret["stringData"]);
    }

    [Fact]
    public void ServerSideApply_Merges_RemovesDroppedFields_AndConflictsWithOtherManagers()
    {
        var cm = Type("", "configmaps");
        _writer.Apply(cm, "default", "c", Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"1"}},"data":{"x":"1","y":"2"}}"""), null, new WriteOptions("alice", "Strict"), force: false);
        _writer.Apply(cm, "default", "c", Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"z":"3"}}"""), null, new WriteOptions("bob", "Strict"), force: false);
        var afterAlice = _writer.Apply(cm, "default", "c", Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"x":"1"}}"""), null, new WriteOptions("alice", "Strict"), force: false);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"x":"1","z":"3"}"""), afterAlice["data"]), afterAlice.ToJsonString());
        Assert.Null(afterAlice["metadata"]!["labels"]);

        var conflict = Assert.Throws<KubeApiException>(() => _writer.Apply(cm, "default", "c", Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"x":"changed"}}"""), null, new WriteOptions("bob", "Strict"), force: false));
        Assert.Equal(409, conflict.Code);
        Assert.Contains("conflict with \"alice\"", conflict.Message);
        var forced = _writer.Apply(cm, "default", "c", Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"x":"changed","z":"3"}}"""), null, new WriteOptions("bob", "Strict"), force: true);
        Assert.Equal("changed", forced["data"]!["x"]!.GetValue<string>());
        var managers = (forced["metadata"]!["managedFields"] as JsonArray)!.Select(m => m!["manager"]!.GetValue<string>()).ToList();
        Assert.Contains("bob", managers);
        Assert.DoesNotContain("alice", managers);
    }

    [Fact]
    public void ServerSideApply_DroppedKeyedListItem_GoesWhole()
    {
        var sts = Type("apps", "statefulsets");
        const string template = """{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i","env":[ENV]}]}}}}""";
        const string kept = """{"name":"KEPT","value":"1"}""";
        const string dropped = """{"name":"POD_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}}""";
        _writer.Apply(sts, "default", "s", Obj(template.Replace("ENV", kept + "," + dropped)), null, new WriteOptions("operator", "Strict"), false);
        var after = _writer.Apply(sts, "default", "s", Obj(template.Replace("ENV", kept)), null, new WriteOptions("operator", "Strict"), false);
        var env = after["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($"[{kept}]"), env), env.ToJsonString());
    }

    [Fact]
    public void ServerSideApply_KeyedListsMergeByKey()
    {
        var svc = Type("", "services");
        _writer.Apply(svc, "default", "s", Obj("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"name":"a","port":80}]}}"""), null, new WriteOptions("alice", "Strict"), false);
        var merged = _writer.Apply(svc, "default", "s", Obj("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"name":"b","port":81}]}}"""), null, new WriteOptions("bob", "Strict"), false);
        Assert.Equal([80, 81], merged["spec"]!["ports"]!.AsArray().Select(p => p!["port"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Watch_FromOldResourceVersion_Is410_FromRecentOneGetsOnlyLaterEvents()
    {
        var cm = Type("", "configmaps");
        var first = _writer.Create(cm, "default", Obj("""{"metadata":{"name":"c0"}}"""), _options);
        for (var i = 1; i < 10; i++)
        {
            _writer.Create(cm, "default", Obj($$$"""{"metadata":{"name":"c{{{i}}}"}}"""), _options);
        }

        Assert.Equal(410, Assert.Throws<KubeApiException>(() => _store.Subscribe("configmaps", null, long.Parse(Rv(first)))).Code);
        var recent = _store.ResourceVersion - 2;
        using var subscription = _store.Subscribe("configmaps", null, recent);
        var names = new List<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (names.Count < 2)
        {
            var stored = await subscription.Events.ReadAsync(deadline.Token);
            names.Add(ApiObjects.NameOf(stored.Object));
        }

        Assert.Equal(["c8", "c9"], names);
    }

    [Fact]
    public void GarbageCollector_DeletesOrphansByUid_AndEmptiesTerminatingNamespaces()
    {
        var cm = Type("", "configmaps");
        var owner = _writer.Create(cm, "default", Obj("""{"metadata":{"name":"owner"}}"""), _options);
        _writer.Create(cm, "default", Obj($$$"""{"metadata":{"name":"dep","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":"{{{ApiObjects.UidOf(owner)}}}"}]}}"""), _options);
        _writer.Create(cm, "default", Obj("""{"metadata":{"name":"stray","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"gone","uid":"no-such-uid"}]}}"""), _options);
        var collector = new GarbageCollector(_writer, NullLogger<GarbageCollector>.Instance);
        collector.Sweep();
        Assert.NotNull(_store.Get("configmaps", "default", "dep"));
        Assert.Null(_store.Get("configmaps", "default", "stray"));
        _writer.Delete(cm, "default", "owner", DeleteRequest.Background);
        collector.Sweep();
        Assert.Null(_store.Get("configmaps", "default", "dep"));

        _writer.Create(cm, "default", Obj("""{"metadata":{"name":"last"}}"""), _options);
        var (terminating, _) = _writer.Delete(Type("", "namespaces"), null, "default", DeleteRequest.Background);
        Assert.Equal("Terminating", terminating["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(403, Assert.Throws<KubeApiException>(() => _writer.Create(cm, "default", Obj("""{"metadata":{"name":"late"}}"""), _options)).Code);
        collector.Sweep();
        collector.Sweep();
        Assert.Null(_store.Get("namespaces", null, "default"));
    }
}
