using System.Text.Json;

namespace Fjord.Cli.Tests.Harness;

/// <summary>Runs the built `fjord` (fjord.dll under dotnet) as a separate process and captures its output.</summary>
public static class FjordCli
{
    public static string Dll
    {
        get
        {
            // tests/Fjord.Cli.Tests/bin/<Configuration>/net10.0/ -> the repository root
            var testDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
            var configuration = Path.GetFileName(Path.GetDirectoryName(testDir)!);
            var root = Path.GetFullPath(Path.Combine(testDir, "..", "..", "..", "..", ".."));
            var dll = Path.Combine(root, "src", "Fjord.Cli", "bin", configuration, "net10.0", "fjord.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the CLI first: {dll} is missing");
        }
    }

    public static ExternalCommand.Result Run(string bootstrap, params string[] args) => RunWithInput(bootstrap, null, args);

    public static ExternalCommand.Result RunWithInput(string bootstrap, string? input, params string[] args) =>
        ExternalCommand.Run("dotnet", [Dll, "--bootstrap-server", bootstrap, .. args], input, TimeSpan.FromSeconds(90));

    public static ExternalCommand.Result RunRaw(params string[] args) => ExternalCommand.Run("dotnet", [Dll, .. args], null, TimeSpan.FromSeconds(60));

    public static JsonElement Json(ExternalCommand.Result result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.Clone();
    }

    public static ExternalCommand.Result Ok(ExternalCommand.Result result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
