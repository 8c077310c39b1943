using System.Globalization;

namespace Fjord.Protocol.Generator;

/// <summary>
/// An inclusive range of message versions as the specs write it: "N", "N-M", "N+" or "none".
/// Immutable.
/// </summary>
internal readonly record struct VersionRange(short Lowest, short Highest)
{
    public static readonly VersionRange None = new(1, 0);

    public bool IsEmpty => Lowest > Highest;

    public static VersionRange Parse(string text)
    {
        text = text.Trim();
        if (text == "none")
        {
            return None;
        }

        if (text.EndsWith('+'))
        {
            return new VersionRange(ParseVersion(text[..^1]), short.MaxValue);
        }

        int dash = text.IndexOf('-');
        if (dash > 0)
        {
            return new VersionRange(ParseVersion(text[..dash]), ParseVersion(text[(dash + 1)..]));
        }

        short single = ParseVersion(text);
        return new VersionRange(single, single);
    }

    public bool Contains(short version) => version >= Lowest && version <= Highest;

    public VersionRange Intersect(VersionRange other)
    {
        if (IsEmpty || other.IsEmpty)
        {
            return None;
        }

        var result = new VersionRange(Math.Max(Lowest, other.Lowest), Math.Min(Highest, other.Highest));
        return result.IsEmpty ? None : result;
    }

    public override string ToString() =>
        IsEmpty ? "none"
        : Highest == short.MaxValue ? $"{Lowest}+"
        : Lowest == Highest ? Lowest.ToString(CultureInfo.InvariantCulture)
        : $"{Lowest}-{Highest}";

    private static short ParseVersion(string text) =>
        short.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out short value)
            ? value
            : throw new FormatException($"'{text}' is not a version");
}
