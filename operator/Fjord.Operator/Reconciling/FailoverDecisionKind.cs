namespace Fjord.Operator.Reconciling;

/// <summary>What <see cref="FailoverPlanner"/> asks for.</summary>
public enum FailoverDecisionKind
{
    /// <summary>Nothing to do: every leader is on its preferred replica, or a failover is the controller's to finish.</summary>
    None,

    /// <summary>A live broker whose pod stayed unready past the grace period still leads: restart it (controlled shutdown moves its leaderships).</summary>
    RestartUnready,

    /// <summary>Every broker is back and in every ISR, but leaders are off their preferred replicas: elect the preferred ones.</summary>
    RestorePreferredLeaders,
}
