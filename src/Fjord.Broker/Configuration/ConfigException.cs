namespace Fjord.Broker.Configuration;

/// <summary>A configuration value that cannot be used; the message names the key and the reason.</summary>
public sealed class ConfigException(string message) : Exception(message);
