using Fjord.Broker.Quorum;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// The handlers this broker serves, indexed by API key. ApiVersions answers from this table, so
/// what is advertised is exactly what is registered. Immutable after construction; thread-safe.
/// </summary>
public sealed class ApiHandlerRegistry
{
    private readonly IApiHandler?[] _byKey;

    public ApiHandlerRegistry(IEnumerable<IApiHandler> handlers, MetadataQuorum quorum)
    {
        // ApiVersions lists the finalized features of the committed image (KIP-584).
        var all = handlers.Append(new ApiVersionsHandler(this, () => quorum.StateMachine.Image)).ToList();
        _byKey = new IApiHandler?[all.Max(h => (int)h.ApiKey) + 1];
        foreach (var handler in all)
        {
            if (_byKey[(int)handler.ApiKey] is not null)
            {
                throw new InvalidOperationException($"two handlers for {handler.ApiKey}");
            }

            _byKey[(int)handler.ApiKey] = handler;
        }

        Supported = all.OrderBy(h => h.ApiKey).ToArray();
    }

    /// <summary>Every registered handler in API key order.</summary>
    public IReadOnlyList<IApiHandler> Supported { get; }

    public IApiHandler? Find(short apiKey) => apiKey >= 0 && apiKey < _byKey.Length ? _byKey[apiKey] : null;

    public IApiHandler? Find(ApiKey apiKey) => Find((short)apiKey);
}
