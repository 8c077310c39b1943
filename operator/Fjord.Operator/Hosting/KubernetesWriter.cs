using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Fjord.Operator.Crds;
using Fjord.Operator.Reconciling;
using k8s;
using k8s.Models;

namespace Fjord.Operator.Hosting;

/// <summary>
/// Writes to the Kubernetes API over KubernetesClient's authenticated HTTP client: status through server-side apply,
/// metadata through merge patches, Events (a repeat within
/// <see cref="EventCorrelator.Window"/> bumps the existing Event's count, as client-go's recorder does). Thread-safe.
/// </summary>
public sealed class KubernetesWriter
{
    public const string FieldManager = "fjord-operator";
    private readonly Kubernetes _client;
    private readonly TimeProvider _time;
    private readonly EventCorrelator _events = new();

    public KubernetesWriter(Kubernetes client, TimeProvider time)
    {
        _client = client;
        _time = time;
    }

    /// <summary>Applies <paramref name="status"/> to the object's status subresource, claiming nothing of its spec.</summary>
    public Task ApplyStatusAsync(string kind, string ns, string name, object status, CancellationToken cancel)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = FjordGroup.ApiVersion,
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["status"] = JsonNode.Parse(KubernetesJson.Serialize(status)),
        }.ToJsonString();
        return SendAsync(HttpMethod.Patch, $"{KubernetesPaths.Item(kind, ns, name)}/status?fieldManager={FieldManager}&force=true", body,
            "application/apply-patch+yaml", cancel);
    }

    /// <summary>
    /// Replaces the object's finalizers, failing with 409 if it changed since <paramref name="resourceVersion"/> (another
    /// writer's finalizer must not be lost). A missing object is not an error: it is gone already.
    /// </summary>
    public Task SetFinalizersAsync(string kind, string ns, string name, string resourceVersion, IReadOnlyList<string> finalizers, CancellationToken cancel)
    {
        var list = new JsonArray();
        foreach (var finalizer in finalizers)
        {
            list.Add(finalizer);
        }
        var body = new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = list, ["resourceVersion"] = resourceVersion } }.ToJsonString();
        return SendAsync(HttpMethod.Patch, KubernetesPaths.Item(kind, ns, name), body, "application/merge-patch+json", cancel, missingIsFine: true);
    }

    public async Task RecordEventAsync(string kind, V1ObjectMeta involved, RecordEvent recorded, CancellationToken cancel)
    {
        var now = _time.GetUtcNow();
        var key = new EventKey(involved.NamespaceProperty, kind, involved.Name, involved.Uid, recorded.Type, recorded.Reason, recorded.Message);
        var decision = _events.Observe(key, now);
        if (!decision.IsNew)
        {
            // As client-go: a repeat only moves the existing Event's count and lastTimestamp.
            var patch = new JsonObject { ["count"] = decision.Count, ["lastTimestamp"] = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) };
            if (await SendAsync(HttpMethod.Patch, KubernetesPaths.Item("Event", involved.NamespaceProperty, decision.Name), patch.ToJsonString(),
                    "application/merge-patch+json", cancel, missingIsFine: true))
            {
                return;
            }
            // The API server dropped it (Events expire): start a new one.
            _events.Forget(key);
            decision = _events.Observe(key, now);
        }
        var ev = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = decision.Name, NamespaceProperty = involved.NamespaceProperty },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = FjordGroup.ApiVersion,
                Kind = kind,
                Name = involved.Name,
                NamespaceProperty = involved.NamespaceProperty,
                Uid = involved.Uid,
            },
            Type = recorded.Type,
            Reason = recorded.Reason,
            Message = recorded.Message,
            Source = new V1EventSource { Component = FieldManager },
            FirstTimestamp = now.UtcDateTime,
            LastTimestamp = now.UtcDateTime,
            Count = 1,
        };
        await SendAsync(HttpMethod.Post, KubernetesPaths.Collection("Event", involved.NamespaceProperty), KubernetesJson.Serialize(ev),
            "application/json", cancel);
    }

    /// <summary>Sends the request; false when the object is missing and <paramref name="missingIsFine"/>, true when it succeeded.</summary>
    private async Task<bool> SendAsync(HttpMethod method, string path, string body, string contentType, CancellationToken cancel, bool missingIsFine = false)
    {
        using var request = new HttpRequestMessage(method, new Uri(_client.BaseUri, path));
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await _client.HttpClient.SendAsync(request, cancel);
        if (missingIsFine && response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancel)}", null, response.StatusCode);
        }
        return true;
    }
}
