using System.Security.Cryptography;

namespace Fjord.Metadata.Scram;

/// <summary>
/// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 7677 and Kafka's KIP-84): the hash, its key length, Kafka's mechanism id (the
/// <c>Mechanism</c> byte of KIP-554's requests and of the credential records) and the iteration bounds Kafka accepts.
/// Immutable.
/// </summary>
public sealed class ScramMechanism
{
    public static readonly ScramMechanism Sha256 = new("SCRAM-SHA-256", 1, HashAlgorithmName.SHA256, 32);

    public static readonly ScramMechanism Sha512 = new("SCRAM-SHA-512", 2, HashAlgorithmName.SHA512, 64);

    /// <summary>Kafka's ScramMechanism.minIterations for both hashes.</summary>
    public const int MinIterations = 4096;

    /// <summary>Kafka's upper bound for KIP-554 upsertions (ScramControlManager).</summary>
    public const int MaxIterations = 16384;

    private ScramMechanism(string name, sbyte type, HashAlgorithmName hash, int keyLength)
    {
        Name = name;
        Type = type;
        Hash = hash;
        KeyLength = keyLength;
    }

    public string Name { get; }

    /// <summary>Kafka's id: 1 = SCRAM-SHA-256, 2 = SCRAM-SHA-512 (0 is UNKNOWN).</summary>
    public sbyte Type { get; }

    public HashAlgorithmName Hash { get; }

    public int KeyLength { get; }

    public static IReadOnlyList<ScramMechanism> All { get; } = [Sha256, Sha512];

    public static ScramMechanism? Find(string name) => All.FirstOrDefault(m => m.Name == name);

    public static ScramMechanism? Find(int type) => All.FirstOrDefault(m => m.Type == type);

    public byte[] Hmac(byte[] key, ReadOnlySpan<byte> data) =>
        Hash == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA512.HashData(key, data);

    public byte[] HashData(ReadOnlySpan<byte> data) =>
        Hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data) : SHA512.HashData(data);

    public override string ToString() => Name;
}
