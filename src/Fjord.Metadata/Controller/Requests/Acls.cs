using Fjord.Metadata.Acls;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>The outcome of one CreateAcls creation.</summary>
public sealed record AclCreationResult(ErrorCode Error, string? Message);

/// <summary>The outcome of one DeleteAcls filter: the bindings it removed, or why it failed.</summary>
public sealed record AclDeletionResult(ErrorCode Error, string? Message, IReadOnlyList<AclBinding> Deleted);
