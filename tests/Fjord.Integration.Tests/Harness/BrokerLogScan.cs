using System.Text.RegularExpressions;

namespace Fjord.Integration.Tests.Harness;

/// <summary>
/// Scans what a test's brokers printed for entries no passing run should hold — <c>fail:</c> and <c>crit:</c> log
/// lines and unhandled exceptions — as Redpanda's test suite does, so an error a test does not look for still fails
/// it. <see cref="s_expected"/> lists the errors that are part of normal operation, each with why. Called when a
/// broker or cluster is disposed; when the test was already failing on this thread, that failure travels along.
/// Thread-safe.
/// </summary>
public static partial class BrokerLogScan
{
    /// <summary>
    /// Errors a broker logs in normal operation or that tests cause on purpose, each with why it is expected. Add an
    /// entry only for an error a test provokes on purpose, never to quiet a real one.
    /// </summary>
    private static readonly (Regex Pattern, string Why)[] s_expected =
    [
        // ASP.NET Core's gRPC server logs a streaming call whose client vanished at Error level. Tests kill nodes
        // (kill -9, and the teardown of a cluster), and a killed peer's Raft/quorum stream aborts mid-call; the
        // transport reconnects, so nothing is lost (a broken stream on the client side is logged at Information).
        (new Regex(@"fail: Grpc\.AspNetCore\.Server\.ServerCallHandler\[6\] Error when executing service method 'Stream'\. System\.IO\.IOException: The request stream was aborted\."),
            "a killed peer's gRPC stream aborted"),
        // The same logger for a unary call (BrokerHeartbeat, a Raft RPC) whose caller gave up before this node read its
        // request: tests SIGSTOP nodes, and a paused node's queued calls pass their deadline, so the caller resets
        // the stream (and retries); the paused node logs the reset once it runs again.
        (new Regex(@"fail: Grpc\.AspNetCore\.Server\.ServerCallHandler\[6\] Error when executing service method '\w+'\. System\.IO\.IOException: The client reset the request stream\."),
            "a caller reset a unary gRPC call it had given up on"),
    ];

    [ThreadStatic]
    private static (Exception Error, DateTime AtUtc)? t_lastFailure;

    static BrokerLogScan()
    {
        // Remember the last assertion failure or timeout thrown on each thread: a Dispose that finds log errors while
        // that failure unwinds would otherwise replace it.
        AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        {
            if (e.Exception is Xunit.Sdk.XunitException or TimeoutException) t_lastFailure = (e.Exception, DateTime.UtcNow);
        };
    }

    /// <summary>Makes sure failures are being remembered (the static constructor hooks them); call when brokers start.</summary>
    public static void Watch()
    {
        // Calling any member runs the static constructor once; there is nothing else to do.
    }

    /// <summary>The lines of <paramref name="output"/> that are errors and not expected.</summary>
    public static IReadOnlyList<string> Unexpected(string output)
    {
        var found = new List<string>();
        foreach (var line in output.Split('\n'))
        {
            if (!ErrorLine().IsMatch(line)) continue;
            var expected = false;
            foreach (var (pattern, _) in s_expected)
            {
                if (pattern.IsMatch(line))
                {
                    expected = true;
                    break;
                }
            }
            if (!expected) found.Add(line.TrimEnd());
        }
        return found;
    }

    /// <summary>Throws when <paramref name="output"/> (what <paramref name="who"/> printed since <paramref name="startedUtc"/>) holds unexpected errors.</summary>
    public static void ThrowIfUnexpected(string who, string output, DateTime startedUtc)
    {
        var unexpected = Unexpected(output);
        if (unexpected.Count == 0) return;
        var scan = new Xunit.Sdk.XunitException(
            $"{who} logged {unexpected.Count} unexpected error(s) (fail/crit entries or unhandled exceptions; expected ones are listed in {nameof(BrokerLogScan)}):\n"
            + string.Join('\n', unexpected.Take(20)));
        if (t_lastFailure is { } failure && failure.AtUtc >= startedUtc) throw new AggregateException(failure.Error, scan);
        throw scan;
    }

    [GeneratedRegex(@"^\S*\s*(fail|crit): |Unhandled exception|UnhandledException")]
    private static partial Regex ErrorLine();
}
