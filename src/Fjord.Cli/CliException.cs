namespace Fjord.Cli;

/// <summary>A failure the user should see as one line on stderr, with the exit code it maps to.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Broker(string message) => new(ExitCodes.BrokerError, message);

    public static CliException BadArguments(string message) => new(ExitCodes.BadArguments, message);

    public static CliException Unreachable(string message) => new(ExitCodes.BrokerUnreachable, message);
}
