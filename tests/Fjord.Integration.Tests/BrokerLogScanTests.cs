using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests;

/// <summary>The scan every integration test's brokers go through: which lines it flags. No broker needed.</summary>
public sealed class BrokerLogScanTests
{
    [Fact]
    public void Unexpected_FlagsFailCritAndUnhandledExceptions_NotInfoWarningsOrAllowedErrors()
    {
        const string output = """
            2026-12-07T02:59:59.285 info: Fjord.Storage.LogManager[2009] Data dir /tmp/x: 0 partition logs loaded in 11 ms
            2026-12-07T03:00:01.602 warn: Fjord.Rpc.Raft.GrpcRaftTransport[5100] raft stream 1->2 broke; fail: not at the start
            2026-12-07T03:00:02.000 fail: Fjord.Broker.Replication.ReplicaFetcher[7110] Replica fetcher for broker 0 failed
            2026-12-07T03:00:03.000 crit: Microsoft.Extensions.Hosting.Internal.Host[10] The HostOptions.BackgroundServiceExceptionBehavior is configured to StopHost
            Unhandled exception. System.ObjectDisposedException: The CancellationTokenSource has been disposed.
            2026-12-07T03:38:45.360 fail: Grpc.AspNetCore.Server.ServerCallHandler[6] Error when executing service method 'Stream'. System.IO.IOException: The request stream was aborted.  ---> Microsoft.AspNetCore.Connections.ConnectionAbortedException: The HTTP/2 connection faulted.
            2026-12-07T22:40:42.308 fail: Grpc.AspNetCore.Server.ServerCallHandler[6] Error when executing service method 'BrokerHeartbeat'. System.IO.IOException: The client reset the request stream.    at Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpRequestPipeReader.ReadAsync(CancellationToken cancellationToken)
            """;

        var flagged = BrokerLogScan.Unexpected(output);

        Assert.Equal(3, flagged.Count);
        Assert.Contains(" fail: ", flagged[0]);
        Assert.Contains(" crit: ", flagged[1]);
        Assert.StartsWith("Unhandled exception.", flagged[2]);
    }

    [Fact]
    public void ThrowIfUnexpected_NamesTheBrokerAndTheLines()
    {
        var e = Assert.ThrowsAny<Exception>(() => BrokerLogScan.ThrowIfUnexpected("node 7", "2026-12-07T03:00:02.000 fail: X[1] boom\n", DateTime.MaxValue));

        Assert.Contains("node 7 logged 1 unexpected error(s)", e.Message);
        Assert.Contains("fail: X[1] boom", e.Message);
    }
}
