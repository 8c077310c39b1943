using System.Globalization;
using Confluent.Kafka;

namespace Fjord.Chaos.Workload;

/// <summary>
/// The clients' own account of a run: librdkafka's warnings and errors (and error callbacks) of every producer and
/// consumer, with UTC timestamps, in <c>clients.log</c> next to the node logs, so a post-mortem can line up what a
/// client saw with the <c>=== chaos:</c> markers in the brokers' logs. Thread-safe (librdkafka calls from its own
/// threads); lines are flushed as written so a killed harness still leaves them.
/// </summary>
public sealed class ClientLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly StreamWriter _writer;

    public ClientLog(string path)
    {
        _writer = new StreamWriter(path, append: true) { AutoFlush = true };
    }

    /// <summary>A librdkafka log line; Notice and chattier levels are skipped (connection setup, metadata refreshes).</summary>
    public void Write(string client, LogMessage message)
    {
        if (message.Level > SyslogLevel.Warning) return;
        Write(client, $"{message.Level} {message.Facility}: {message.Message}");
    }

    public void Write(string client, Error error) => Write(client, $"error {error.Code}{(error.IsFatal ? " (fatal)" : "")}: {error.Reason}");

    private void Write(string client, string text)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {client} {text}");
        lock (_lock) _writer.WriteLine(line);
    }

    public void Dispose()
    {
        lock (_lock) _writer.Dispose();
    }
}
