namespace Fjord.Protocol.Tests.Messages;

/// <summary>Parses the spec's version-range strings ("3+", "0-4", "2", "none") as recorded in ProtocolFieldAttribute.</summary>
internal static class SpecVersions
{
    public static bool Contains(string range, short version)
    {
        if (range == "none")
        {
            return false;
        }

        if (range.EndsWith('+'))
        {
            return version >= short.Parse(range[..^1]);
        }

        int dash = range.IndexOf('-');
        return dash > 0
            ? version >= short.Parse(range[..dash]) && version <= short.Parse(range[(dash + 1)..])
            : version == short.Parse(range);
    }

    /// <summary>True if the field is on the wire in this version (in its tagged versions when tagged).</summary>
    public static bool IsPresent(ProtocolFieldAttribute field, short version) =>
        Contains(field.Versions, version) && (field.Tag < 0 || Contains(field.TaggedVersions, version));
}
