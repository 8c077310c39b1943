namespace Fjord.KubeLocal.Selectors;

/// <summary>The operators of label selectors (k8s.io/apimachinery/pkg/labels).</summary>
public enum LabelOperator
{
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}
