namespace Fjord.Operator.Hosting;

/// <summary>What makes two Events the same one, as client-go's aggregation sees it: the involved object, type, reason and message. Immutable.</summary>
public sealed record EventKey(string Namespace, string Kind, string Name, string? Uid, string Type, string Reason, string Message);
