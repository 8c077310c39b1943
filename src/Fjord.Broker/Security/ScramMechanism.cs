using System.Security.Cryptography;

namespace Fjord.Broker.Security;

/// <summary>SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 7677 and Kafka's KIP-84): the hash and its key length.</summary>
public sealed class ScramMechanism
{
    public static readonly ScramMechanism Sha256 = new("SCRAM-SHA-256", HashAlgorithmName.SHA256, 32);

    public static readonly ScramMechanism Sha512 = new("SCRAM-SHA-512", HashAlgorithmName.SHA512, 64);

    private ScramMechanism(string name, HashAlgorithmName hash, int keyLength)
    {
        Name = name;
        Hash = hash;
        KeyLength = keyLength;
    }

    public string Name { get; }

    public HashAlgorithmName Hash { get; }

    public int KeyLength { get; }

    public static IReadOnlyList<ScramMechanism> All { get; } = [Sha256, Sha512];

    public static ScramMechanism? Find(string name) => All.FirstOrDefault(m => m.Name == name);

    public byte[] Hmac(byte[] key, ReadOnlySpan<byte> data) =>
        Hash == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA512.HashData(key, data);

    public byte[] HashData(ReadOnlySpan<byte> data) =>
        Hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data) : SHA512.HashData(data);
}
