namespace Fjord.Integration.Tests.Harness;

/// <summary>Runs a script of tests/kafkajs with node, next to the kafkajs that <c>make deps</c> installed there.</summary>
public static class NodeScript
{
    /// <summary>The repository's tests/kafkajs folder (from tests/Fjord.Integration.Tests/bin/&lt;Configuration&gt;/net10.0/).</summary>
    public static string Folder => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "kafkajs"));

    /// <summary>The full path of <c>node</c> on the PATH, or null.</summary>
    public static string? NodeExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "node")).FirstOrDefault(File.Exists);

    public static ExternalCommand.Result Run(string script, TimeSpan timeout, params string[] arguments)
    {
        var kafkajs = Path.Combine(Folder, "node_modules", "kafkajs", "package.json");
        if (!File.Exists(kafkajs)) throw new FileNotFoundException($"kafkajs is not installed in {Folder}: run `make deps` (npm ci there)", kafkajs);
        return ExternalCommand.Run(NodeExecutable()!, [Path.Combine(Folder, script), .. arguments], timeout: timeout);
    }
}
