using System.Security.Cryptography;
using Fjord.Metadata.Scram;
using System.Text;
using Fjord.Broker.Configuration;

namespace Fjord.Broker.Security;

/// <summary>
/// The SASL users, read once at startup from <c>sasl.plain.users.file</c>: one <c>user=password</c> per line,
/// blank lines and lines starting with # ignored (the password is everything after the first '='). PLAIN checks a
/// hash of the password; SCRAM-SHA-256/512 credentials are derived at load with a random salt per user; they are the
/// bootstrap for SCRAM, used when the metadata log holds no credential for the user and mechanism. Immutable; thread-safe.
/// </summary>
public sealed class PlainCredentials
{
    private readonly Dictionary<string, byte[]> _passwordHashes;
    private readonly Dictionary<(string User, string Mechanism), ScramCredential> _scram;

    private PlainCredentials(Dictionary<string, byte[]> passwordHashes, Dictionary<(string, string), ScramCredential> scram)
    {
        _passwordHashes = passwordHashes;
        _scram = scram;
    }

    public int Count => _passwordHashes.Count;

    public static PlainCredentials Parse(string text, string source)
    {
        var users = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var scram = new Dictionary<(string, string), ScramCredential>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var equals = line.IndexOf('=');
            if (equals <= 0)
            {
                throw new ConfigException($"{source} line {lineNumber}: expected user=password");
            }

            var user = line[..equals].Trim();
            var password = line[(equals + 1)..];
            users[user] = Hash(password);
            foreach (var mechanism in ScramMechanism.All)
            {
                scram[(user, mechanism.Name)] = ScramCredential.Derive(mechanism, password, RandomNumberGenerator.GetBytes(16), ScramCredential.DefaultIterations);
            }
        }

        return new PlainCredentials(users, scram);
    }

    public static PlainCredentials Load(string path)
    {
        if (path.Length == 0)
        {
            throw new ConfigException("sasl.plain.users.file must name a file of user=password lines when PLAIN is enabled");
        }

        return File.Exists(path)
            ? Parse(File.ReadAllText(path), $"sasl.plain.users.file '{path}'")
            : throw new ConfigException($"sasl.plain.users.file '{path}' does not exist");
    }

    /// <summary>Whether <paramref name="password"/> is the user's; the comparison takes the same time whatever differs.</summary>
    public bool Verify(string user, string password)
    {
        var given = Hash(password);
        // An unknown user is compared against a hash too, so the time does not tell whether the user exists.
        var expected = _passwordHashes.TryGetValue(user, out var stored) ? stored : new byte[given.Length];
        return CryptographicOperations.FixedTimeEquals(given, expected) && stored is not null;
    }

    public ScramCredential? Scram(string user, ScramMechanism mechanism) => _scram.GetValueOrDefault((user, mechanism.Name));

    private static byte[] Hash(string password) => SHA256.HashData(Encoding.UTF8.GetBytes(password));
}
