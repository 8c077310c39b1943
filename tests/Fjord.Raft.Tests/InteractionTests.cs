using System.Runtime.CompilerServices;
using Fjord.Raft.Tests.Interaction;

namespace Fjord.Raft.Tests;

/// <summary>Replays every testdata/*.txt script; REWRITE=1 regenerates the expected traces.</summary>
public sealed class InteractionTests
{
    // The source folder (so REWRITE=1 edits the checked-in files), else the copy next to the binaries
    // (when the build maps source paths away, e.g. ContinuousIntegrationBuild).
    private static string TestDataDir([CallerFilePath] string here = "")
    {
        var source = Path.Combine(Path.GetDirectoryName(here) ?? "", "testdata");
        return Directory.Exists(source) ? source : Path.Combine(AppContext.BaseDirectory, "testdata");
    }

    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(TestDataDir(), "*.txt").OrderBy(f => f, StringComparer.Ordinal))
            data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_WhenReplayed_ProducesTheRecordedTrace(string name)
    {
        var path = Path.Combine(TestDataDir(), name);
        var (rewritten, mismatches) = DataDrivenScript.Run(File.ReadAllText(path));
        if (Environment.GetEnvironmentVariable("REWRITE") == "1")
        {
            File.WriteAllText(path, rewritten);
            return;
        }
        Assert.True(mismatches.Count == 0, mismatches.Count == 0 ? "" :
            $"{name}:{mismatches[0].Line} `{mismatches[0].Command}`\n--- expected\n{mismatches[0].Expected}--- actual\n{mismatches[0].Actual}");
    }
}
