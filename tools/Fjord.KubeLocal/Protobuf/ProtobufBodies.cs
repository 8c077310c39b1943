using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Semantics;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Fjord.KubeLocal.Protobuf;

/// <summary>
/// Decodes the protobuf request bodies client-go's typed clients send (<c>application/vnd.kubernetes.protobuf</c>):
/// the <c>k8s\0</c> magic, a <c>runtime.Unknown</c> envelope, then a v1 Secret, ConfigMap, Namespace or
/// DeleteOptions. Returns the JSON form the rest of kube-local works with. Pure.
/// </summary>
public static class ProtobufBodies
{
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    public static JsonObject Decode(byte[] body)
    {
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw KubeApiException.BadRequest("protobuf body does not start with the k8s magic number");
        }

        var envelope = Unknown.Parser.ParseFrom(body.AsSpan(Magic.Length).ToArray());
        var apiVersion = envelope.TypeMeta?.ApiVersion ?? "";
        var kind = envelope.TypeMeta?.Kind ?? "";
        var raw = envelope.Raw.ToByteArray();
        JsonObject obj = kind switch
        {
            "Secret" => FromSecret(Secret.Parser.ParseFrom(raw)),
            "ConfigMap" => FromConfigMap(ConfigMap.Parser.ParseFrom(raw)),
            "Namespace" => FromNamespace(Namespace.Parser.ParseFrom(raw)),
            "DeleteOptions" => FromDeleteOptions(DeleteOptions.Parser.ParseFrom(raw)),
            _ => throw KubeApiException.UnsupportedMediaType($"kube-local cannot decode protobuf bodies of kind {apiVersion}/{kind}; send JSON"),
        };
        obj["apiVersion"] = apiVersion.Length == 0 ? "v1" : apiVersion;
        obj["kind"] = kind;
        return ApiObjects.Normalize(obj);
    }

    private static JsonObject FromSecret(Secret secret)
    {
        var obj = new JsonObject { ["metadata"] = FromMeta(secret.Metadata) };
        if (secret.Data.Count > 0)
        {
            obj["data"] = Map(secret.Data, v => Convert.ToBase64String(v.ToByteArray()));
        }

        if (secret.StringData.Count > 0)
        {
            obj["stringData"] = Map(secret.StringData, v => v);
        }

        if (secret.HasType && secret.Type.Length > 0)
        {
            obj["type"] = secret.Type;
        }

        if (secret.HasImmutable)
        {
            obj["immutable"] = secret.Immutable;
        }

        return obj;
    }

    private static JsonObject FromConfigMap(ConfigMap configMap)
    {
        var obj = new JsonObject { ["metadata"] = FromMeta(configMap.Metadata) };
        if (configMap.Data.Count > 0)
        {
            obj["data"] = Map(configMap.Data, v => v);
        }

        if (configMap.BinaryData.Count > 0)
        {
            obj["binaryData"] = Map(configMap.BinaryData, v => Convert.ToBase64String(v.ToByteArray()));
        }

        if (configMap.HasImmutable)
        {
            obj["immutable"] = configMap.Immutable;
        }

        return obj;
    }

    private static JsonObject FromNamespace(Namespace ns)
    {
        var obj = new JsonObject { ["metadata"] = FromMeta(ns.Metadata) };
        if (ns.Spec is { Finalizers.Count: > 0 })
        {
            obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray([.. ns.Spec.Finalizers.Select(f => (JsonNode)f)]) };
        }

        return obj;
    }

    private static JsonObject FromDeleteOptions(DeleteOptions options)
    {
        var obj = new JsonObject();
        if (options.HasGracePeriodSeconds)
        {
            obj["gracePeriodSeconds"] = options.GracePeriodSeconds;
        }

        if (options.HasPropagationPolicy && options.PropagationPolicy.Length > 0)
        {
            obj["propagationPolicy"] = options.PropagationPolicy;
        }

        if (options.HasOrphanDependents)
        {
            obj["orphanDependents"] = options.OrphanDependents;
        }

        if (options.Preconditions is { } preconditions)
        {
            var p = new JsonObject();
            if (preconditions.HasUid && preconditions.Uid.Length > 0)
            {
                p["uid"] = preconditions.Uid;
            }

            if (preconditions.HasResourceVersion && preconditions.ResourceVersion.Length > 0)
            {
                p["resourceVersion"] = preconditions.ResourceVersion;
            }

            obj["preconditions"] = p;
        }

        return obj;
    }

    private static JsonObject FromMeta(ObjectMeta? meta)
    {
        var obj = new JsonObject();
        if (meta is null)
        {
            return obj;
        }

        // gogo-protobuf writes empty strings for unset fields; an empty value means "not set" for every one of these.
        void Text(string key, bool has, string value)
        {
            if (has && value.Length > 0)
            {
                obj[key] = value;
            }
        }

        Text("name", meta.HasName, meta.Name);
        Text("generateName", meta.HasGenerateName, meta.GenerateName);
        Text("namespace", meta.HasNamespace, meta.Namespace);
        Text("uid", meta.HasUid, meta.Uid);
        Text("resourceVersion", meta.HasResourceVersion, meta.ResourceVersion);
        if (meta.Labels.Count > 0)
        {
            obj["labels"] = Map(meta.Labels, v => v);
        }

        if (meta.Annotations.Count > 0)
        {
            obj["annotations"] = Map(meta.Annotations, v => v);
        }

        if (meta.Finalizers.Count > 0)
        {
            obj["finalizers"] = new JsonArray([.. meta.Finalizers.Select(f => (JsonNode)f)]);
        }

        if (meta.OwnerReferences.Count > 0)
        {
            obj["ownerReferences"] = new JsonArray([.. meta.OwnerReferences.Select(o =>
            {
                var reference = new JsonObject { ["apiVersion"] = o.ApiVersion, ["kind"] = o.Kind, ["name"] = o.Name, ["uid"] = o.Uid };
                if (o.HasController)
                {
                    reference["controller"] = o.Controller;
                }

                if (o.HasBlockOwnerDeletion)
                {
                    reference["blockOwnerDeletion"] = o.BlockOwnerDeletion;
                }

                return (JsonNode)reference;
            })]);
        }

        if (meta.CreationTimestamp is { Seconds: > 0 } created)
        {
            obj["creationTimestamp"] = Clock.Time(DateTimeOffset.FromUnixTimeSeconds(created.Seconds));
        }

        return obj;
    }

    private static JsonObject Map<T>(MapField<string, T> map, Func<T, string> value)
    {
        var obj = new JsonObject();
        foreach (var (key, item) in map)
        {
            obj[key] = value(item);
        }

        return obj;
    }
}
