using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Fjord.KubeLocal.Node.Api;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.KubeLocal.Node.Tests.Api;

/// <summary>The informer against a scripted API: list, watch, a <c>410 Expired</c> and the re-list after it.</summary>
public class InformerTests
{
    /// <summary>Answers each request with the next scripted body for its kind (list or watch); the last watch stays open.</summary>
    private sealed class ScriptedApi(Queue<string> lists, Queue<string[]> watches) : HttpMessageHandler
    {
        public ConcurrentQueue<string> Requests { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!.PathAndQuery;
            Requests.Enqueue(url);
            if (!url.Contains("watch=true", StringComparison.Ordinal))
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(lists.Dequeue()) });
            }
            var pipe = new Pipe();
            if (watches.TryDequeue(out var lines))
            {
                pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))), cancellationToken).AsTask().GetAwaiter().GetResult();
                if (watches.Count > 0)
                {
                    pipe.Writer.Complete();
                }
            }
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(pipe.Reader.AsStream()) });
        }
    }

    private static string ConfigMap(string name, int version) =>
        $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}","namespace":"ns","resourceVersion":"{{{version}}}"}}""";

    private static string List(int version, params string[] items) =>
        $$$"""{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"{{{version}}}"},"items":[{{{string.Join(',', items)}}}]}""";

    [Fact]
    public async Task WatchExpired_ListsAgainAndReportsTheDifference()
    {
        var api = new ScriptedApi(
            new Queue<string>([List(10, ConfigMap("a", 9), ConfigMap("keep", 5)), List(20, ConfigMap("keep", 11), ConfigMap("b", 19))]),
            new Queue<string[]>([
                [$$$"""{"type":"MODIFIED","object":{{{ConfigMap("keep", 11)}}}}""", """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410}}"""],
                [$$$"""{"type":"ADDED","object":{{{ConfigMap("c", 21)}}}}"""],
            ]));
        using var http = new HttpClient(api) { BaseAddress = new Uri("http://kube-local.test") };
        var informer = new Informer<V1ConfigMap>("/api/v1/configmaps", http, TimeSpan.FromHours(1), TimeProvider.System, NullLogger.Instance);
        var changes = new ConcurrentQueue<string>();
        informer.Changed += (old, now) => changes.Enqueue(old is null ? $"add {now!.Metadata.Name}" : now is null ? $"delete {old.Metadata.Name}" : $"update {now.Metadata.Name}");
        using var stop = new CancellationTokenSource();

        var run = informer.RunAsync(stop.Token);
        await Poll.UntilAsync(() => informer.Get("ns/c") is not null, "the event after the re-list");
        await stop.CancelAsync();
        await run;

        // The re-list reports only differences: keep is unchanged since the watch saw it, a is gone, b is new.
        Assert.Equal(["add a", "add keep", "update keep", "add b", "delete a", "add c"], changes);
        Assert.Equal(["b", "c", "keep"], informer.List().Select(c => c.Metadata.Name).Order());
        var requests = api.Requests.ToList();
        Assert.Equal(4, requests.Count);
        Assert.Contains("resourceVersion=10", requests[1]);
        Assert.DoesNotContain("watch", requests[2]);
        Assert.Contains("resourceVersion=20", requests[3]);
    }
}
