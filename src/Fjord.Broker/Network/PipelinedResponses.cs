namespace Fjord.Broker.Network;

/// <summary>
/// One connection's responses that are still being produced, in request order: each write waits for the write
/// before it, so responses leave in the order their requests came even when later requests finish first.
/// Each entry's result says whether the connection stays open. Owned by one connection's request loop; not thread-safe.
/// </summary>
internal sealed class PipelinedResponses
{
    private readonly Queue<Task<bool>> _writes = new();
    private Task<bool> _tail = Task.FromResult(true);

    /// <summary>Responses not yet known to be written.</summary>
    public int Count => _writes.Count;

    /// <summary>Starts <paramref name="write"/>, which gets the previous response's write to await before it writes.</summary>
    public void Append(Func<Task<bool>, Task<bool>> write)
    {
        var written = write(_tail);
        _tail = written;
        _writes.Enqueue(written);
    }

    /// <summary>Waits until fewer than <paramref name="limit"/> responses are pending; false when one of them closed the connection.</summary>
    public async Task<bool> WaitBelowAsync(int limit)
    {
        while (_writes.Count > 0 && (_writes.Count >= limit || _writes.Peek().IsCompleted))
        {
            if (!await _writes.Dequeue().ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Waits until every response is written; false when one of them closed the connection.</summary>
    public Task<bool> DrainAsync() => WaitBelowAsync(1);
}
