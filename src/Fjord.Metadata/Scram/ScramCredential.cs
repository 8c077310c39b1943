using System.Security.Cryptography;
using System.Text;

namespace Fjord.Metadata.Scram;

/// <summary>
/// What a SCRAM server keeps of a password (RFC 5802 §3): salt, iteration count, StoredKey = H(HMAC(SaltedPassword,
/// "Client Key")) and ServerKey = HMAC(SaltedPassword, "Server Key"). Immutable.
/// </summary>
public sealed record ScramCredential(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    public const int DefaultIterations = ScramMechanism.MinIterations;

    /// <summary>The credential of a plain password: SaltedPassword = Hi(password, salt, iterations) (PBKDF2).</summary>
    public static ScramCredential Derive(ScramMechanism mechanism, string password, byte[] salt, int iterations) =>
        FromSaltedPassword(mechanism, salt, Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, mechanism.Hash, mechanism.KeyLength), iterations);

    /// <summary>The credential of a password the client salted already (KIP-554's upsertion sends salt and SaltedPassword).</summary>
    public static ScramCredential FromSaltedPassword(ScramMechanism mechanism, byte[] salt, byte[] saltedPassword, int iterations)
    {
        var clientKey = mechanism.Hmac(saltedPassword, "Client Key"u8);
        return new ScramCredential(salt, iterations, mechanism.HashData(clientKey), mechanism.Hmac(saltedPassword, "Server Key"u8));
    }
}
