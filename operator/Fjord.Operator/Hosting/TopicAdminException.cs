namespace Fjord.Operator.Hosting;

/// <summary>A topic admin call the cluster refused with a Kafka error code (a value the planner turns into a condition).</summary>
public sealed class TopicAdminException(int code, string message) : Exception($"error {code}: {message}")
{
    public int Code { get; } = code;

    public string Reason { get; } = message;
}
