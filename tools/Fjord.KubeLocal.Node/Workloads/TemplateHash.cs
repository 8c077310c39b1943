using System.Text;
using k8s;

namespace Fjord.KubeLocal.Node.Workloads;

/// <summary>
/// The short hashes controllers put in <c>controller-revision-hash</c> and <c>pod-template-hash</c>: FNV-1a 32 of the
/// object's JSON, written with the same consonant-and-digit alphabet as apimachinery's <c>rand.SafeEncodeString</c> so the
/// values look like a real cluster's (no vowels, so no words). Pure; any thread.
/// </summary>
internal static class TemplateHash
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string Of<T>(T value)
    {
        var bytes = Encoding.UTF8.GetBytes(KubernetesJson.Serialize(value));
        uint hash = 2166136261;
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 16777619;
        }
        var digits = hash.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var encoded = new StringBuilder(digits.Length);
        foreach (var c in digits)
        {
            encoded.Append(Alphabet[c % Alphabet.Length]);
        }
        return encoded.ToString();
    }
}
