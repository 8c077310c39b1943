namespace Fjord.Protocol.Generator;

/// <summary>A whole JSON spec file: a request, response, header or data schema. Immutable after loading.</summary>
internal sealed record MessageSpec(
    string Name,
    string Type,
    short? ApiKey,
    VersionRange ValidVersions,
    VersionRange FlexibleVersions,
    bool LatestVersionUnstable,
    IReadOnlyList<FieldSpec> Fields,
    IReadOnlyList<StructSpec> CommonStructs);
