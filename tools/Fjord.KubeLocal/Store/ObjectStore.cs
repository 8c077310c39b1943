using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;

namespace Fjord.KubeLocal.Store;

/// <summary>
/// The in-memory object store: every object of every resource, one global resourceVersion counter, and a bounded
/// history of events for watches. Callers take <see cref="Gate"/> for a read-modify-write; every commit happens
/// under it, so events reach watchers in resourceVersion order. Thread-safe.
/// </summary>
public sealed class ObjectStore(int historyCapacity)
{
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = [];
    private readonly Queue<StoredEvent> _history = new();
    private readonly List<WatchSubscription> _subscribers = [];
    private long _resourceVersion;
    private long _oldestServable;

    public object Gate { get; } = new();

    /// <summary>Raised after each commit (under the gate); the garbage collector wakes on it.</summary>
    public event Action<StoredEvent>? Committed;

    public long ResourceVersion
    {
        get
        {
            lock (Gate)
            {
                return _resourceVersion;
            }
        }
    }

    public static string? NamespaceOf(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    public static string NameOf(JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>() ?? "";

    public JsonObject? Get(string storageKey, string? ns, string name)
    {
        lock (Gate)
        {
            return _objects.TryGetValue(storageKey, out var objects) && objects.TryGetValue(Key(ns, name), out var found) ? found : null;
        }
    }

    /// <summary>Objects of one storage key (in one namespace when given), sorted by namespace and name.</summary>
    public List<JsonObject> List(string storageKey, string? ns)
    {
        lock (Gate)
        {
            if (!_objects.TryGetValue(storageKey, out var objects))
            {
                return [];
            }

            return ns is null ? [.. objects.Values] : [.. objects.Values.Where(o => NamespaceOf(o) == ns)];
        }
    }

    public List<string> StorageKeys()
    {
        lock (Gate)
        {
            return [.. _objects.Keys];
        }
    }

    /// <summary>Stores the object with the next resourceVersion and publishes ADDED or MODIFIED. Returns it.</summary>
    public JsonObject Commit(string storageKey, JsonObject obj)
    {
        // Stored objects are re-parsed so every value is JSON-backed and reads convert freely (GetValue<long> on an int).
        obj = JsonNode.Parse(obj.ToJsonString())!.AsObject();
        lock (Gate)
        {
            var rv = ++_resourceVersion;
            ((JsonObject)obj["metadata"]!)["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!_objects.TryGetValue(storageKey, out var objects))
            {
                objects = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
                _objects[storageKey] = objects;
            }

            var key = Key(NamespaceOf(obj), NameOf(obj));
            objects.TryGetValue(key, out var previous);
            objects[key] = obj;
            Publish(new StoredEvent(rv, storageKey, previous is null ? "ADDED" : "MODIFIED", obj, previous));
            return obj;
        }
    }

    /// <summary>Removes the object; the DELETED event carries its last state with a new resourceVersion.</summary>
    public JsonObject Remove(string storageKey, JsonObject obj)
    {
        lock (Gate)
        {
            var key = Key(NamespaceOf(obj), NameOf(obj));
            if (!_objects.TryGetValue(storageKey, out var objects) || !objects.Remove(key, out var previous))
            {
                return obj;
            }

            var rv = ++_resourceVersion;
            var deleted = previous.DeepClone().AsObject();
            ((JsonObject)deleted["metadata"]!)["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Publish(new StoredEvent(rv, storageKey, "DELETED", deleted, previous));
            return deleted;
        }
    }

    /// <summary>
    /// Registers a watcher. With <paramref name="fromResourceVersion"/> null every current object is sent as ADDED
    /// first; otherwise only events after it, or 410 Expired when the history no longer reaches back that far.
    /// </summary>
    public WatchSubscription Subscribe(string storageKey, string? ns, long? fromResourceVersion)
    {
        lock (Gate)
        {
            var subscription = new WatchSubscription(this, storageKey, ns);
            if (fromResourceVersion is null)
            {
                foreach (var obj in List(storageKey, ns))
                {
                    subscription.Offer(new StoredEvent(_resourceVersion, storageKey, "ADDED", obj, null));
                }
            }
            else
            {
                if (fromResourceVersion.Value < _oldestServable)
                {
                    throw KubeApiException.Gone($"too old resource version: {fromResourceVersion.Value} ({_oldestServable})");
                }

                foreach (var stored in _history)
                {
                    if (stored.ResourceVersion > fromResourceVersion.Value)
                    {
                        subscription.Offer(stored);
                    }
                }
            }

            _subscribers.Add(subscription);
            return subscription;
        }
    }

    internal void Unsubscribe(WatchSubscription subscription)
    {
        lock (Gate)
        {
            _subscribers.Remove(subscription);
        }
    }

    private void Publish(StoredEvent stored)
    {
        _history.Enqueue(stored);
        while (_history.Count > historyCapacity)
        {
            _oldestServable = _history.Dequeue().ResourceVersion;
        }

        foreach (var subscriber in _subscribers)
        {
            subscriber.Offer(stored);
        }

        Committed?.Invoke(stored);
    }

    private static string Key(string? ns, string name) => ns is null ? name : ns + "/" + name;
}
