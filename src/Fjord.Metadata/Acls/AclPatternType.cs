namespace Fjord.Metadata.Acls;

/// <summary>
/// Kafka's PatternType codes (KIP-290). A binding is LITERAL (the name, or <c>*</c> for every resource of its type) or
/// PREFIXED (every name starting with it). ANY and MATCH are for filters only: ANY matches bindings of either type
/// with exactly the filter's name, MATCH the bindings that would apply to a resource of that name.
/// </summary>
public enum AclPatternType : sbyte
{
    Unknown = 0,
    Any = 1,
    Match = 2,
    Literal = 3,
    Prefixed = 4,
}
