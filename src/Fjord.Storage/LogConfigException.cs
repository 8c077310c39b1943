namespace Fjord.Storage;

/// <summary>
/// A topic or broker log config has an unknown name or a value out of range. <see cref="Key"/> names
/// the offending config so that CreateTopics/AlterConfigs can answer INVALID_CONFIG with it.
/// </summary>
public sealed class LogConfigException : Exception
{
    public LogConfigException(string key, string message)
        : base(message) => Key = key;

    public LogConfigException(string key, string message, Exception innerException)
        : base(message, innerException) => Key = key;

    /// <summary>The Kafka config name that was rejected, for example <c>segment.bytes</c>.</summary>
    public string Key { get; }
}
