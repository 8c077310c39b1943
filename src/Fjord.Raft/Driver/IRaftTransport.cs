namespace Fjord.Raft;

/// <summary>
/// Carries raft messages to other nodes. <see cref="Send"/> must not block on the network: raft
/// tolerates loss, so an implementation may drop messages when a peer is slow or unreachable.
/// Called only from the driver's loop.
/// </summary>
public interface IRaftTransport
{
    /// <summary>Queues messages for their <see cref="Message.To"/> nodes.</summary>
    void Send(IReadOnlyList<Message> messages);
}
