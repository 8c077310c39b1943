using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.Operator.Hosting;

/// <summary>
/// A list+watch cache of one resource (client-go's reflector and store) over KubernetesClient's authenticated HTTP
/// client: LIST, then WATCH from the list's resourceVersion, watching again from the last version seen when a stream
/// ends, and listing again on <c>410 Gone</c> (the version is too old) or an error. Every resync period each cached object
/// is reported again so a level-triggered controller repairs drift a lost event would hide. The cache may be read from
/// any thread; <see cref="Changed"/> is raised on the informer's own loop with the object (old or new).
/// </summary>
public sealed partial class Informer<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<string, T> _cache = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Kubernetes _client;
    private readonly string _path;
    private readonly TimeSpan _resync;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public Informer(Kubernetes client, string path, TimeSpan resync, TimeProvider time, ILogger logger)
    {
        _client = client;
        _path = path;
        _resync = resync;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised for every add, update, delete and resync, with the object concerned.</summary>
    public event Action<T>? Changed;

    /// <summary>Completes after the first successful LIST.</summary>
    public Task Synced => _synced.Task;

    public T? Get(string key) => _cache.TryGetValue(key, out var value) ? value : null;

    public IReadOnlyList<T> Items => [.. _cache.Values];

    public async Task RunAsync(CancellationToken cancel)
    {
        var resync = ResyncAsync(cancel);
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
                LogRelist(_logger, _path);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
            {
                LogFailed(_logger, _path, e.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), _time, cancel);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        await resync;
    }

    private async Task ResyncAsync(CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(_resync, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
            {
                foreach (var value in _cache.Values)
                {
                    Changed?.Invoke(value);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private Uri Url(string query) =>
        new(_client.BaseUri, _path + (_path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query);

    private async Task<string> ListAsync(CancellationToken cancel)
    {
        using var response = await _client.HttpClient.GetAsync(Url("limit=0"), cancel);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
        var version = document.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString() ?? "0";
        var listed = new HashSet<string>(StringComparer.Ordinal);
        if (document.RootElement.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in items.EnumerateArray())
            {
                var value = KubernetesJson.Deserialize<T>(item.GetRawText());
                var key = ObjectKey.Of(value);
                listed.Add(key);
                _cache[key] = value;
                Changed?.Invoke(value);
            }
        }
        foreach (var key in _cache.Keys.Where(k => !listed.Contains(k)).ToList())
        {
            if (_cache.TryRemove(key, out var gone))
            {
                Changed?.Invoke(gone);
            }
        }
        return version;
    }

    /// <summary>The version to watch from next, or null to list again (410 Gone).</summary>
    private async Task<string?> WatchAsync(string version, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            Url($"watch=true&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion={Uri.EscapeDataString(version)}"));
        using var response = await _client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
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
            var raw = document.RootElement.GetProperty("object");
            if (type == "ERROR")
            {
                var code = raw.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 0;
                LogWatchError(_logger, _path, code);
                return code == (int)HttpStatusCode.Gone ? null : version;
            }
            var value = KubernetesJson.Deserialize<T>(raw.GetRawText());
            version = value.Metadata?.ResourceVersion ?? version;
            if (type == "BOOKMARK")
            {
                continue;
            }
            var key = ObjectKey.Of(value);
            if (type == "DELETED")
            {
                _cache.TryRemove(key, out _);
            }
            else
            {
                _cache[key] = value;
            }
            Changed?.Invoke(value);
        }
        return version;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "informer {Path}: listing again")]
    private static partial void LogRelist(ILogger logger, string path);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "informer {Path}: {Error}; retrying")]
    private static partial void LogFailed(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "informer {Path}: watch error {Code}")]
    private static partial void LogWatchError(ILogger logger, string path, int code);
}
