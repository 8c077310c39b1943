using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Api;

/// <summary>
/// client-go's reflector + indexer for one resource across all namespaces: LIST, then WATCH from the list's
/// resourceVersion (one JSON event per line), re-watching from the last seen version when a stream ends and
/// re-listing on <c>410 Expired</c> or any failure; a re-list reports the differences as adds, updates and
/// deletes. Every <c>resync</c> it reports every object again as an update so level-triggered controllers repair
/// what a missed event would have hidden. The store is safe to read from any thread; <see cref="Changed"/> fires
/// on the informer's loop (old is null for an add, new is null for a delete).
/// </summary>
internal sealed partial class Informer<T>(string path, HttpClient http, TimeSpan resync, TimeProvider time, ILogger logger)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<string, T> _store = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public event Action<T?, T?>? Changed;

    public string Path => path;

    public Task Synced => _synced.Task;

    public T? Get(string key) => _store.TryGetValue(key, out var value) ? value : null;

    public IReadOnlyList<T> List() => [.. _store.Values];

    public async Task RunAsync(CancellationToken cancel)
    {
        using var resyncLoop = new PeriodicTimer(resync, time);
        var resyncTask = ResyncAsync(resyncLoop, cancel);
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                var version = await ListAsync(cancel);
                _synced.TrySetResult();
                while (version is not null)
                {
                    version = await WatchAsync(version, cancel);
                }
                LogRelist(logger, path);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException or InvalidOperationException)
            {
                LogFailed(logger, path, e.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancel);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        await resyncTask;
    }

    private async Task ResyncAsync(PeriodicTimer timer, CancellationToken cancel)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
            {
                foreach (var value in _store.Values)
                {
                    Changed?.Invoke(value, value);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private async Task<string> ListAsync(CancellationToken cancel)
    {
        using var response = await http.GetAsync(path, cancel);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
        var version = document.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString() ?? "0";
        var seen = new HashSet<string>();
        if (document.RootElement.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in items.EnumerateArray())
            {
                var value = KubernetesJson.Deserialize<T>(item.GetRawText());
                var key = ObjectKey.Of(value);
                seen.Add(key);
                Apply(key, value);
            }
        }
        foreach (var key in _store.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            if (_store.TryRemove(key, out var gone))
            {
                Changed?.Invoke(gone, null);
            }
        }
        return version;
    }

    /// <summary>Returns the version to watch from next, or null when the informer must re-list (410).</summary>
    private async Task<string?> WatchAsync(string version, CancellationToken cancel)
    {
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var url = $"{path}{separator}watch=true&allowWatchBookmarks=true&timeoutSeconds=240&resourceVersion={Uri.EscapeDataString(version)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        if (response.StatusCode == HttpStatusCode.Gone)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel));
        while (await reader.ReadLineAsync(cancel) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            using var document = JsonDocument.Parse(line);
            var type = document.RootElement.GetProperty("type").GetString();
            var obj = document.RootElement.GetProperty("object");
            if (type == "ERROR")
            {
                var code = obj.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 0;
                LogWatchError(logger, path, code, obj.GetRawText());
                return code == 410 ? null : version;
            }
            var value = KubernetesJson.Deserialize<T>(obj.GetRawText());
            version = value.Metadata?.ResourceVersion ?? version;
            if (type == "BOOKMARK")
            {
                continue;
            }
            var key = ObjectKey.Of(value);
            if (type == "DELETED")
            {
                if (_store.TryRemove(key, out var gone))
                {
                    Changed?.Invoke(gone, null);
                }
            }
            else
            {
                Apply(key, value);
            }
        }
        return version;
    }

    private void Apply(string key, T value)
    {
        _store.TryGetValue(key, out var old);
        if (old is not null && old.Metadata.ResourceVersion == value.Metadata.ResourceVersion)
        {
            return;
        }
        _store[key] = value;
        Changed?.Invoke(old, value);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Path}: watch expired (410), listing again")]
    private static partial void LogRelist(ILogger logger, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Path}: list/watch failed, retrying in 1s: {Reason}")]
    private static partial void LogFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Path}: watch error {Code}: {Status}")]
    private static partial void LogWatchError(ILogger logger, string path, int code, string status);
}
