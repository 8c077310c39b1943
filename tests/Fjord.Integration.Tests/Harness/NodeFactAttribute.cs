namespace Fjord.Integration.Tests.Harness;

/// <summary>
/// A fact that drives a Node.js client (tests/kafkajs, installed by <c>make deps</c>): reported as skipped with the reason
/// where no <c>node</c> is on the PATH, never passed without running. With node present a missing kafkajs is a failure
/// (run <c>make deps</c>), not a skip.
/// </summary>
public sealed class NodeFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_whyNot = new(() => NodeScript.NodeExecutable() is null ? "no `node` on the PATH (install Node.js 20 to run the kafkajs tests)" : null);

    public NodeFactAttribute()
    {
        if (s_whyNot.Value is { } why) Skip = why;
    }
}
