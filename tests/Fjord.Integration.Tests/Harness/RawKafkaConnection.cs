using Fjord.Protocol.Framing;
using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Fjord.Protocol;
using Fjord.Protocol.Messages;

namespace Fjord.Integration.Tests.Harness;

/// <summary>
/// A bare TCP connection to the Kafka listener for tests that must send exactly the bytes they
/// choose: malformed frames, odd versions, corrupted batches. Not thread-safe.
/// </summary>
public sealed class RawKafkaConnection : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private int _nextCorrelationId = 1;

    public RawKafkaConnection(int port)
    {
        _client = new TcpClient();
        _client.Connect("127.0.0.1", port);
        _client.ReceiveTimeout = 10_000;
        _stream = _client.GetStream();
    }

    public void SendRaw(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    /// <summary>Encodes header + body for <paramref name="version"/> and sends it with its size prefix.</summary>
    public int Send(IRequestMessage request, short version, string clientId = "fjord-tests")
    {
        var correlationId = _nextCorrelationId++;
        SendRaw(Encode(request, version, correlationId, clientId));
        return correlationId;
    }

    public static byte[] Encode(IRequestMessage request, short version, int correlationId, string clientId = "fjord-tests")
        => KafkaRequestFrame.Encode(request, version, correlationId, clientId);

    /// <summary>Reads one response frame; null when the broker closed the connection.</summary>
    public byte[]? ReceiveFrame()
    {
        var prefix = new byte[4];
        if (!ReadExactly(prefix))
        {
            return null;
        }

        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        return ReadExactly(frame) ? frame : null;
    }

    /// <summary>Reads and decodes a response to a request sent at <paramref name="version"/>.</summary>
    public TResponse Receive<TResponse>(short apiKey, short version, int expectedCorrelationId)
        where TResponse : IResponseMessage, new()
    {
        var frame = ReceiveFrame() ?? throw new IOException("the broker closed the connection instead of answering");
        return KafkaRequestFrame.DecodeResponse<TResponse>(new ReadOnlySequence<byte>(frame), apiKey, version, expectedCorrelationId);
    }

    /// <summary>True when the broker closes the connection (EOF or reset) within the receive timeout.</summary>
    public bool WaitForClose()
    {
        try
        {
            var buffer = new byte[4096];
            while (true)
            {
                if (_stream.Read(buffer) == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            return true;
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            return false;
        }
    }

    private bool ReadExactly(byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = _stream.Read(buffer, read, buffer.Length - read);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
