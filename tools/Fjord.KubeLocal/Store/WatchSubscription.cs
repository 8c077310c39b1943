using System.Threading.Channels;

namespace Fjord.KubeLocal.Store;

/// <summary>
/// A watcher registered with the <see cref="ObjectStore"/>: it receives every committed event of one storage key
/// (and namespace, when given) in commit order. Written under the store's gate, read by one watch response.
/// </summary>
public sealed class WatchSubscription(ObjectStore store, string storageKey, string? ns) : IDisposable
{
    private readonly Channel<StoredEvent> _events = Channel.CreateUnbounded<StoredEvent>(new UnboundedChannelOptions { SingleReader = true });

    public string StorageKey { get; } = storageKey;

    public string? Namespace { get; } = ns;

    public ChannelReader<StoredEvent> Events => _events.Reader;

    internal void Offer(StoredEvent stored)
    {
        if (stored.StorageKey != StorageKey)
        {
            return;
        }

        if (Namespace is not null && ObjectStore.NamespaceOf(stored.Object) != Namespace)
        {
            return;
        }

        _events.Writer.TryWrite(stored);
    }

    public void Dispose()
    {
        _events.Writer.TryComplete();
        store.Unsubscribe(this);
    }
}
