using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Metrics;

/// <summary>
/// Wraps a logger provider (the JSON console) so every log line carries the node id as its
/// outermost scope, whichever thread logs it: Kestrel runs connections on work items that do not
/// flow an ambient scope, so a scope pushed at startup would miss them. Logs from many brokers in
/// one aggregator can then be told apart by <c>NodeId</c>. Thread-safe, as the wrapped provider is.
/// </summary>
public sealed class NodeScopedLoggerProvider(ILoggerProvider inner, int nodeId) : ILoggerProvider, ISupportExternalScope
{
    private readonly NodeScope _scope = new(nodeId);

    public ILogger CreateLogger(string categoryName) => inner.CreateLogger(categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        if (inner is ISupportExternalScope supportsScopes)
        {
            supportsScopes.SetScopeProvider(new WithNodeScope(scopeProvider, _scope));
        }
    }

    public void Dispose() => inner.Dispose();

    private sealed class WithNodeScope(IExternalScopeProvider scopes, NodeScope node) : IExternalScopeProvider
    {
        public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
        {
            callback(node, state);
            scopes.ForEachScope(callback, state);
        }

        public IDisposable Push(object? state) => scopes.Push(state);
    }

    /// <summary>The scope's one property; formatters write it as <c>{"NodeId": n}</c>.</summary>
    private sealed class NodeScope(int nodeId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?> _item = new("NodeId", nodeId);
        private readonly string _text = "NodeId:" + nodeId.ToString(CultureInfo.InvariantCulture);

        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] => index == 0 ? _item : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return _item;
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => _text;
    }
}
