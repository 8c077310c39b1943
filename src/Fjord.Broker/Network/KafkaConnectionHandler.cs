using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using Fjord.Broker.Configuration;
using Fjord.Broker.Handlers;
using Fjord.Broker.Hosting;
using Fjord.Broker.Metrics;
using Fjord.Broker.Security;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Network;

/// <summary>
/// The Kafka listener's per-connection loop (a Kestrel <see cref="ConnectionHandler"/>): reads
/// size-prefixed frames from the pipe without copying, handles them in order and writes the
/// responses in request order, as Kafka does. Kafka mutes a connection while its request is served;
/// here Produce requests waiting for replication let the Produce requests behind them be appended
/// meanwhile (see <see cref="HandleFrameAsync"/>); everything else waits in the pipe as in Kafka. The size prefix is checked against
/// socket.request.max.bytes before anything is buffered. Frames that cannot be parsed close the
/// connection with a log line; the broker keeps serving everyone else.
/// One instance serves all connections; each call of <see cref="OnConnectedAsync"/> owns its connection.
/// </summary>
public sealed partial class KafkaConnectionHandler(
    ApiHandlerRegistry handlers,
    BrokerConfig config,
    BrokerReadiness readiness,
    IHostApplicationLifetime lifetime,
    BrokerMetrics metrics,
    KafkaListenerSecurity security,
    SaslAuthenticator authenticator,
    RequestAuthorization authorization,
    TimeProvider timeProvider,
    ILogger<KafkaConnectionHandler> logger) : ConnectionHandler
{
    private const int SizePrefixLength = 4;

    /// <summary>api key (2) + api version (2) + correlation id (4) + client id length (2).</summary>
    private const int MinimumRequestHeaderLength = 10;

    /// <summary>Produce requests of one connection that may wait for replication at once; the next one waits for the oldest.</summary>
    private const int MaxPipelinedProduces = 128;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var maxRequestBytes = config.SocketRequestMaxBytes;
        LogConnectionOpened(connection.ConnectionId, connection.RemoteEndPoint?.ToString());
        metrics.ConnectionOpened();

        // On shutdown the request in hand finishes and is answered; then the connection closes
        // instead of waiting for the next request, so SIGTERM does not wait on idle clients.
        // Reads wait on shutdown only, not on the client's close: Kestrel reports a close as soon as
        // the client's FIN arrives, and requests that came before it must still be served (a
        // fire-and-forget acks=0 producer writes its last batches and closes at once). Handlers get
        // the close too, so a long poll or an acks=all wait stops for a client that is gone.
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, lifetime.ApplicationStopping);
        var pending = new PipelinedResponses();
        var software = new ClientSoftware();
        var sasl = security.NewSession();
        CancellationTokenSource? authenticationDeadline = null;
        try
        {
            // Readiness at the door: requests of a connection that came early wait in its pipe until the broker is
            // registered, caught up and unfenced (Kafka does not start its acceptors before that either).
            await readiness.WhenFirstReadyAsync(closing.Token);
            if (sasl is not null)
            {
                authenticationDeadline = StartAuthenticationDeadline(connection, sasl);
            }

            while (true)
            {
                var read = await input.ReadAsync(lifetime.ApplicationStopping);
                var receivedAt = Stopwatch.GetTimestamp();
                var buffer = read.Buffer;
                var consumed = buffer.Start;
                try
                {
                    while (buffer.Length >= SizePrefixLength)
                    {
                        var size = ReadSizePrefix(buffer);
                        if (sasl is { IsAuthenticated: false } && (size < 0 || size > security.SaslMaxReceiveSize))
                        {
                            LogBadFrameSize(connection.ConnectionId, connection.RemoteEndPoint?.ToString(), size, security.SaslMaxReceiveSize);
                            return;
                        }

                        if (sasl is { ExpectsRawToken: true })
                        {
                            // After SaslHandshake v0 the client sends a bare token, which may be shorter than a header.
                            if (buffer.Length < SizePrefixLength + (long)size)
                            {
                                break;
                            }

                            var token = buffer.Slice(SizePrefixLength, size);
                            buffer = buffer.Slice(token.End);
                            consumed = buffer.Start;
                            if (!await AuthenticateRawTokenAsync(connection, sasl, token, output))
                            {
                                return;
                            }

                            continue;
                        }

                        if (size < MinimumRequestHeaderLength || size > maxRequestBytes)
                        {
                            LogBadFrameSize(connection.ConnectionId, connection.RemoteEndPoint?.ToString(), size, maxRequestBytes);
                            return;
                        }

                        if (buffer.Length < SizePrefixLength + (long)size)
                        {
                            break;
                        }

                        var frame = buffer.Slice(SizePrefixLength, size);
                        if (sasl is { IsAuthenticated: false } && !IsAllowedBeforeAuthentication(frame))
                        {
                            LogUnauthenticatedRequest(connection.ConnectionId, connection.RemoteEndPoint?.ToString(), ReadApiKey(frame));
                            return;
                        }

                        var keepOpen = await HandleFrameAsync(connection, frame, output, receivedAt, pending, sasl, software, closing.Token) && sasl is not { Failed: true };
                        buffer = buffer.Slice(frame.End);
                        consumed = buffer.Start;
                        if (!keepOpen)
                        {
                            return;
                        }
                    }

                    if (read.IsCompleted || read.IsCanceled)
                    {
                        if (buffer.Length > 0)
                        {
                            LogTruncatedRequest(connection.ConnectionId, buffer.Length);
                        }

                        return;
                    }
                }
                finally
                {
                    input.AdvanceTo(consumed, buffer.End);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ConnectionResetException or ConnectionAbortedException or IOException)
        {
            LogConnectionDropped(connection.ConnectionId, ex.Message);
        }
        finally
        {
            authenticationDeadline?.Dispose();
            await FinishPendingAsync(connection.ConnectionId, pending);
            metrics.ConnectionClosed();
            LogConnectionClosed(connection.ConnectionId);
        }
    }

    /// <summary>Lets produce requests still waiting for replication end (and answer, while the client listens) before the connection goes.</summary>
    private async Task FinishPendingAsync(string connectionId, PipelinedResponses pending)
    {
        try
        {
            await pending.DrainAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or ConnectionResetException or ConnectionAbortedException or IOException)
        {
            LogConnectionDropped(connectionId, ex.Message);
        }
    }

    /// <summary>Disconnects a SASL client that has not authenticated within sasl.authentication.timeout.ms.</summary>
    private CancellationTokenSource StartAuthenticationDeadline(ConnectionContext connection, SaslSession sasl)
    {
        var deadline = new CancellationTokenSource(security.AuthenticationTimeout, timeProvider);
        deadline.Token.Register(() =>
        {
            if (!sasl.IsAuthenticated)
            {
                LogAuthenticationTimedOut(connection.ConnectionId, connection.RemoteEndPoint?.ToString(), (long)security.AuthenticationTimeout.TotalMilliseconds);
                connection.Abort(new ConnectionAbortedException("SASL authentication timed out"));
            }
        });
        return deadline;
    }

    /// <summary>
    /// A bare SASL token after SaslHandshake v0 (what kafka-python sends): answered with the server's token as a bare
    /// frame (PLAIN: empty, a zero size prefix); failure closes the connection, which is all such a client can be told.
    /// </summary>
    private async ValueTask<bool> AuthenticateRawTokenAsync(ConnectionContext connection, SaslSession sasl, ReadOnlySequence<byte> token, PipeWriter output)
    {
        if (!authenticator.Authenticate(sasl, token.ToArray(), connection.ConnectionId, connection.RemoteEndPoint, out var answer))
        {
            return false;
        }

        var frame = output.GetSpan(SizePrefixLength + answer.Length);
        BinaryPrimitives.WriteInt32BigEndian(frame, answer.Length);
        answer.CopyTo(frame[SizePrefixLength..]);
        output.Advance(SizePrefixLength + answer.Length);
        await output.FlushAsync();
        return true;
    }

    /// <summary>Before authentication Kafka serves only ApiVersions, SaslHandshake and SaslAuthenticate; anything else closes.</summary>
    private static bool IsAllowedBeforeAuthentication(ReadOnlySequence<byte> frame) =>
        (ApiKey)ReadApiKey(frame) is ApiKey.ApiVersions or ApiKey.SaslHandshake or ApiKey.SaslAuthenticate;

    private static short ReadApiKey(ReadOnlySequence<byte> frame)
    {
        Span<byte> key = stackalloc byte[2];
        frame.Slice(0, 2).CopyTo(key);
        return BinaryPrimitives.ReadInt16BigEndian(key);
    }

    private static int ReadSizePrefix(ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[SizePrefixLength];
        buffer.Slice(0, SizePrefixLength).CopyTo(prefix);
        return BinaryPrimitives.ReadInt32BigEndian(prefix);
    }

    /// <summary>
    /// Handles one complete frame; returns false when the connection must be closed.
    /// <paramref name="receivedAt"/> is when the read that completed the frame returned: a pipelined
    /// frame queues behind the requests before it on its connection (Kafka's request queue time).
    /// A Produce request is appended at once but may wait for replication (acks=all); while it waits, the
    /// Produce requests behind it on this connection are appended too, up to <see cref="MaxPipelinedProduces"/>,
    /// and their responses follow in order (<see cref="PipelinedResponses"/>). Kafka mutes the connection
    /// instead, which caps one producer connection at one replication round trip per request: a producer
    /// sending one record per request (librdkafka with linger.ms=0) at a higher rate queued up for seconds.
    /// Appends keep their request order. Produce requests of idempotent producers, and every other request, wait
    /// until the responses before them are written and are served alone, as before (<see cref="CarriesProducerIds"/>).
    /// </summary>
    private async ValueTask<bool> HandleFrameAsync(
        ConnectionContext connection, ReadOnlySequence<byte> frame, PipeWriter output, long receivedAt, PipelinedResponses pending, SaslSession? sasl,
        ClientSoftware software, CancellationToken closing)
    {
        var queueTime = Stopwatch.GetElapsedTime(receivedAt);
        var parsed = ParseRequest(connection.ConnectionId, frame);
        if (parsed.Outcome == ParseOutcome.Close)
        {
            return false;
        }

        var handler = parsed.Handler!;
        var header = parsed.Header!;
        var apiVersion = header.RequestApiVersion;
        var context = new RequestContext(connection.ConnectionId, connection.RemoteEndPoint, apiVersion, header.CorrelationId, header.ClientId, closing) { Sasl = sasl, Software = software };
        var pipelined = parsed.Request is ProduceRequest produce && !CarriesProducerIds(produce);
        if (!pipelined && !await pending.DrainAsync())
        {
            return false;
        }

        if (parsed.Outcome == ParseOutcome.UnknownApiVersionsVersion)
        {
            // KIP-511: answer an ApiVersions version we do not know with a v0 body, so the client
            // learns our range and retries with it.
            var apiVersions = (ApiVersionsHandler)handler;
            await WriteResponseAsync(output, context, apiVersions.BuildResponse(ErrorCode.UnsupportedVersion), responseVersion: 0, ApiKey.ApiVersions);
            metrics.RequestCompleted(ApiKey.ApiVersions, apiVersion, queueTime.TotalSeconds, Stopwatch.GetElapsedTime(receivedAt).TotalSeconds);
            return true;
        }

        var request = parsed.Request!;
        var handling = apiVersion < handler.MinVersion || apiVersion > handler.MaxVersion
            ? Task.FromResult<IResponseMessage?>(handler.ErrorResponse(request, ErrorCode.UnsupportedVersion))
            : InvokeAsync(handler, context, request);
        pending.Append(previous => RespondAsync(previous, handling, handler, context, output, queueTime, receivedAt));
        if (!pipelined || handling.IsCompleted)
        {
            return await pending.DrainAsync();
        }

        return await pending.WaitBelowAsync(MaxPipelinedProduces);
    }

    /// <summary>
    /// Whether any batch of <paramref name="request"/> comes from an idempotent (or transactional) producer. Those are
    /// served one at a time, as before: the 2-minute chaos run once reported an idempotent producer's
    /// acknowledgements out of offset order (seed 2079791763, not reproduced on replay) with pipelining on, which
    /// is not understood yet. Plain producers (librdkafka's and kafka-python's default) keep the pipelining.
    /// </summary>
    private static bool CarriesProducerIds(ProduceRequest request)
    {
        foreach (var topic in request.TopicData)
        {
            foreach (var partition in topic.PartitionData)
            {
                if (partition.Records is { } records && RecordBatchHeader.TryRead(records, out var header) && header.HasProducerId)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Runs the handler up to its first wait (for Produce: the append) and returns the rest as a task.</summary>
    private async Task<IResponseMessage?> InvokeAsync(IApiHandler handler, RequestContext context, IRequestMessage request)
    {
        try
        {
            return await authorization.HandleAsync(handler, context, request);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogHandlerFailed(ex, context.ConnectionId, handler.ApiKey.ToString(), context.ApiVersion, context.CorrelationId);
            context.ReleaseResponseResources();
            return handler.ErrorResponse(request, ErrorCode.UnknownServerError);
        }
    }

    /// <summary>Writes the response of one request once it is ready and every earlier response is written.</summary>
    private async Task<bool> RespondAsync(
        Task<bool> previous, Task<IResponseMessage?> handling, IApiHandler handler, RequestContext context, PipeWriter output, TimeSpan queueTime, long receivedAt)
    {
        try
        {
            var response = await handling;
            if (!await previous)
            {
                // An earlier response closed the connection: nothing more goes out on it.
                return false;
            }

            if (response is not null)
            {
                await WriteResponseAsync(output, context, response, context.ApiVersion, handler.ApiKey);
            }
        }
        catch (ProtocolException ex)
        {
            // A handler built a response its version cannot carry: a bug. Nothing was written
            // (sizes are computed first), so close rather than send a frame the client cannot parse.
            LogResponseEncodingFailed(ex, context.ConnectionId, handler.ApiKey.ToString(), context.ApiVersion, context.CorrelationId);
            return false;
        }
        finally
        {
            context.ReleaseResponseResources();
        }

        metrics.RequestCompleted(handler.ApiKey, context.ApiVersion, queueTime.TotalSeconds, Stopwatch.GetElapsedTime(receivedAt).TotalSeconds);
        return true;
    }

    private enum ParseOutcome
    {
        Request,
        UnknownApiVersionsVersion,
        Close,
    }

    private readonly record struct ParsedRequest(ParseOutcome Outcome, IApiHandler? Handler, RequestHeader? Header, IRequestMessage? Request);

    /// <summary>Decodes header and body; anything malformed is logged and closes the connection, as in Kafka.</summary>
    private ParsedRequest ParseRequest(string connectionId, ReadOnlySequence<byte> frame)
    {
        Span<byte> start = stackalloc byte[4];
        frame.Slice(0, 4).CopyTo(start);
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(start);
        var apiVersion = BinaryPrimitives.ReadInt16BigEndian(start[2..]);
        var close = new ParsedRequest(ParseOutcome.Close, null, null, null);

        var handler = handlers.Find(apiKey);
        if (handler is null)
        {
            // Kafka cannot parse the header of an API it does not know, so it closes the connection.
            LogUnknownApiKey(connectionId, apiKey);
            return close;
        }

        var header = new RequestHeader();
        var reader = new ProtocolReader(frame);
        try
        {
            header.Read(ref reader, ApiMessages.RequestHeaderVersion(apiKey, apiVersion));
            if (handler.ApiKey == ApiKey.ApiVersions && apiVersion > handler.MaxVersion)
            {
                return new ParsedRequest(ParseOutcome.UnknownApiVersionsVersion, handler, header, null);
            }

            if (!ApiMessages.TryGetVersionRange(apiKey, out var specLowest, out var specHighest) || apiVersion < specLowest || apiVersion > specHighest)
            {
                LogUnsupportedVersion(connectionId, handler.ApiKey.ToString(), apiVersion);
                return close;
            }

            var request = ApiMessages.CreateRequest(apiKey)!;
            request.Read(ref reader, apiVersion);
            if (reader.Remaining != 0 && logger.IsEnabled(LogLevel.Debug))
            {
                // Kafka ignores bytes after a request body, and librdkafka relies on it (its
                // Metadata v12 carries fields that version does not define), so do the same.
                LogTrailingBytes(connectionId, handler.ApiKey.ToString(), apiVersion, Convert.ToHexString(frame.Slice(reader.Consumed).ToArray()));
            }

            return new ParsedRequest(ParseOutcome.Request, handler, header, request);
        }
        catch (ProtocolException ex)
        {
            LogMalformedRequest(connectionId, handler.ApiKey.ToString(), apiVersion, ex.Message);
            return close;
        }
    }

    private static async ValueTask WriteResponseAsync(PipeWriter output, RequestContext context, IResponseMessage response, short responseVersion, ApiKey apiKey)
    {
        var headerVersion = ApiMessages.ResponseHeaderVersion((short)apiKey, responseVersion);
        var headerLength = headerVersion >= 1 ? 5 : 4; // correlation id, then an empty tagged-field section
        var bodyLength = response.ComputeSize(responseVersion);

        var prefix = output.GetSpan(SizePrefixLength + headerLength);
        BinaryPrimitives.WriteInt32BigEndian(prefix, headerLength + bodyLength);
        BinaryPrimitives.WriteInt32BigEndian(prefix[4..], context.CorrelationId);
        if (headerVersion >= 1)
        {
            prefix[8] = 0;
        }

        output.Advance(SizePrefixLength + headerLength);
        var writer = new ProtocolWriter(output);
        response.Write(ref writer, responseVersion);
        if (writer.Written != bodyLength)
        {
            throw new InvalidOperationException($"{apiKey} v{responseVersion}: ComputeSize said {bodyLength} bytes but Write produced {writer.Written}");
        }

        await output.FlushAsync();
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Connection {ConnectionId} opened from {Remote}")]
    private partial void LogConnectionOpened(string connectionId, string? remote);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Connection {ConnectionId} closed")]
    private partial void LogConnectionClosed(string connectionId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: request size {Size} is outside 10..{Max} (socket.request.max.bytes)")]
    private partial void LogBadFrameSize(string connectionId, string? remote, int size, int max);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId}: unknown API key {ApiKey}")]
    private partial void LogUnknownApiKey(string connectionId, short apiKey);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId}: malformed {Api} v{Version} request: {Reason}")]
    private partial void LogMalformedRequest(string connectionId, string api, short version, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId}: {Api} v{Version} is not a version this broker can parse")]
    private partial void LogUnsupportedVersion(string connectionId, string api, short version);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "Connection {ConnectionId}: {Api} v{Version} (correlation id {CorrelationId}) failed; answering UNKNOWN_SERVER_ERROR")]
    private partial void LogHandlerFailed(Exception exception, string connectionId, string api, short version, int correlationId);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "Connection {ConnectionId}: could not encode the {Api} v{Version} response (correlation id {CorrelationId}); closing")]
    private partial void LogResponseEncodingFailed(Exception exception, string connectionId, string api, short version, int correlationId);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: {Api} v{Version} request has trailing bytes {Hex}; ignored as Kafka does")]
    private partial void LogTrailingBytes(string connectionId, string api, short version, string hex);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: API key {ApiKey} before SASL authentication")]
    private partial void LogUnauthenticatedRequest(string connectionId, string? remote, short apiKey);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: not authenticated within {TimeoutMs} ms (sasl.authentication.timeout.ms)")]
    private partial void LogAuthenticationTimedOut(string connectionId, string? remote, long timeoutMs);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug, Message = "Connection {ConnectionId} ended with {Bytes} bytes of an incomplete request")]
    private partial void LogTruncatedRequest(string connectionId, long bytes);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Debug, Message = "Connection {ConnectionId} dropped: {Reason}")]
    private partial void LogConnectionDropped(string connectionId, string reason);
}
