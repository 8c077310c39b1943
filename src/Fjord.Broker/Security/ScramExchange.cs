using System.Security.Cryptography;
using Fjord.Metadata.Scram;
using System.Text;

namespace Fjord.Broker.Security;

/// <summary>
/// The server side of one SCRAM exchange (RFC 5802 §5): client-first → server-first (nonce, salt, iterations),
/// client-final (proof) → server-final (server signature). Channel binding and extensions (Kafka's tokenauth) are
/// refused. Pure: credentials are looked up through the delegate; not thread-safe (one connection's exchange).
/// </summary>
public sealed class ScramExchange(ScramMechanism mechanism, Func<string, ScramCredential?> lookup)
{
    private string? _clientFirstBare;
    private string? _serverFirst;
    private string? _nonce;
    private ScramCredential? _credential;

    public string? User { get; private set; }

    /// <summary>Answers the client-first message; null when it is malformed or the user is unknown.</summary>
    public byte[]? ServerFirst(ReadOnlySpan<byte> clientFirst)
    {
        var text = Encoding.UTF8.GetString(clientFirst);
        // gs2 header: "n,," (no channel binding, no authzid) or "n,a=<user>,"; anything else is refused.
        if (!text.StartsWith("n,", StringComparison.Ordinal))
        {
            return null;
        }

        var secondComma = text.IndexOf(',', 2);
        if (secondComma < 0)
        {
            return null;
        }

        _clientFirstBare = text[(secondComma + 1)..];
        var attributes = Attributes(_clientFirstBare);
        if (attributes.Count != 2 || !attributes.TryGetValue("n", out var name) || !attributes.TryGetValue("r", out var clientNonce) || clientNonce.Length == 0)
        {
            return null;
        }

        User = name.Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
        _credential = lookup(User);
        if (_credential is null)
        {
            return null;
        }

        _nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_credential.Salt)},i={_credential.Iterations}";
        return Encoding.UTF8.GetBytes(_serverFirst);
    }

    /// <summary>Checks the client's proof; returns server-final, or null when the proof (or the message) is wrong.</summary>
    public byte[]? ServerFinal(ReadOnlySpan<byte> clientFinal)
    {
        if (_credential is null || _serverFirst is null)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(clientFinal);
        var proofAt = text.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            return null;
        }

        var withoutProof = text[..proofAt];
        var attributes = Attributes(withoutProof);
        // librdkafka before 2.6.1 sends the client nonce again in front of the combined nonce; Kafka (3.8.1+) accepts a
        // client-final nonce that ends with the server's, and so does Fjord, or kcat and other older clients cannot log in.
        if (!attributes.TryGetValue("r", out var nonce) || !nonce.EndsWith(_nonce!, StringComparison.Ordinal) || !attributes.TryGetValue("c", out var binding) || binding is not ("biws" or "eSws"))
        {
            return null;
        }

        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(text[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return null;
        }

        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        var clientSignature = mechanism.Hmac(_credential.StoredKey, authMessage);
        if (proof.Length != clientSignature.Length)
        {
            return null;
        }

        for (var i = 0; i < proof.Length; i++)
        {
            proof[i] ^= clientSignature[i];
        }

        if (!CryptographicOperations.FixedTimeEquals(mechanism.HashData(proof), _credential.StoredKey))
        {
            return null;
        }

        return Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(mechanism.Hmac(_credential.ServerKey, authMessage)));
    }

    private static Dictionary<string, string> Attributes(string message)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in message.Split(','))
        {
            if (part.Length >= 2 && part[1] == '=')
            {
                result[part[..1]] = part[2..];
            }
        }

        return result;
    }
}
