namespace Fjord.KubeLocal.Semantics;

/// <summary>What a write request asked for besides its body: the field manager and the <c>fieldValidation</c> level.</summary>
public sealed record WriteOptions(string Manager, string FieldValidation, bool DryRun = false)
{
    public static readonly WriteOptions Internal = new("kube-local", "Ignore");

    /// <summary>Warnings to send back as <c>Warning: 299</c> headers (fieldValidation=Warn).</summary>
    public List<string> Warnings { get; } = [];
}
