namespace Fjord.Cli;

/// <summary>
/// What `fjord` exits with, so scripts can tell a broker's "no" from a typo from a dead broker.
/// </summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The broker refused or failed the request (unknown topic, invalid config, group not empty, …).</summary>
    public const int BrokerError = 1;

    /// <summary>The command line is wrong (unknown option, missing argument, bad value).</summary>
    public const int BadArguments = 2;

    /// <summary>No broker could be reached at --bootstrap-server within --timeout.</summary>
    public const int BrokerUnreachable = 3;
}
