using Microsoft.Extensions.Logging;

namespace Fjord.Rpc.Raft;

/// <summary>Source-generated log messages of the raft transport (event ids 5100-5199).</summary>
internal static partial class RaftTransportLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "raft stream {Self}->{Peer} ({Address}) broke; {Dropped} queued messages dropped, retrying in {BackoffMs} ms")]
    public static partial void StreamBroken(ILogger logger, ulong self, ulong peer, Uri address, int dropped, double backoffMs, Exception exception);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "raft stream {Self}->{Peer} ({Address}) open")]
    public static partial void StreamOpen(ILogger logger, ulong self, ulong peer, Uri address);
}
