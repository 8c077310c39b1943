using System.Security.Cryptography;
using System.Text;
using Fjord.Broker.Configuration;

namespace Fjord.Broker.Security;

/// <summary>
/// The users of SASL/PLAIN, read once at startup from <c>sasl.plain.users.file</c>: one <c>user=password</c> per line,
/// blank lines and lines starting with # ignored (the password is everything after the first '=').
/// Immutable; thread-safe.
/// </summary>
public sealed class PlainCredentials
{
    private readonly Dictionary<string, byte[]> _passwordHashes;

    private PlainCredentials(Dictionary<string, byte[]> passwordHashes) => _passwordHashes = passwordHashes;

    public int Count => _passwordHashes.Count;

    public static PlainCredentials Parse(string text, string source)
    {
        var users = new Dictionary<string, byte[]>(StringComparer.Ordinal);
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

            users[line[..equals].Trim()] = Hash(line[(equals + 1)..]);
        }

        return new PlainCredentials(users);
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

    private static byte[] Hash(string password) => SHA256.HashData(Encoding.UTF8.GetBytes(password));
}
