namespace Fjord.Raft;

/// <summary>Where a transport delivers messages received for the local node. Thread-safe.</summary>
public interface IRaftInbox
{
    /// <summary>Hands a received message to the node's loop; never blocks.</summary>
    void Deliver(Message message);
}
