using System.Security.Cryptography;
using System.Text;

namespace Fjord.Broker.Security;

/// <summary>
/// What a SCRAM server keeps of a password (RFC 5802 §3): salt, iteration count, StoredKey = H(HMAC(SaltedPassword,
/// "Client Key")) and ServerKey = HMAC(SaltedPassword, "Server Key"). Immutable.
/// </summary>
public sealed record ScramCredential(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    public const int DefaultIterations = 4096;

    public static ScramCredential Derive(ScramMechanism mechanism, string password, byte[] salt, int iterations)
    {
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, mechanism.Hash, mechanism.KeyLength);
        var clientKey = mechanism.Hmac(salted, "Client Key"u8);
        return new ScramCredential(salt, iterations, mechanism.HashData(clientKey), mechanism.Hmac(salted, "Server Key"u8));
    }
}
