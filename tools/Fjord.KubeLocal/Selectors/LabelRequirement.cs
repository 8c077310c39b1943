namespace Fjord.KubeLocal.Selectors;

/// <summary>One term of a label selector: <c>key=v</c>, <c>key!=v</c>, <c>key in (a,b)</c>, <c>key notin (a)</c>, <c>key</c>, <c>!key</c>.</summary>
public sealed record LabelRequirement(string Key, LabelOperator Operator, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var present = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            LabelOperator.Equals or LabelOperator.In => present && Values.Contains(value!),
            // Kubernetes: "!=" and "notin" also match objects that lack the key.
            LabelOperator.NotEquals or LabelOperator.NotIn => !present || !Values.Contains(value!),
            LabelOperator.Exists => present,
            LabelOperator.DoesNotExist => !present,
            _ => false,
        };
    }
}
