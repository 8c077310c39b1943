namespace Fjord.KubeLocal.Tests.Harness;

/// <summary>
/// Where the pinned kubectl 1.31 and helm 3.17 live: <c>&lt;repo&gt;/.tools/bin</c>, installed by
/// <c>.ci/install-kube-tools.sh</c> (run here once when they are missing, as <c>make deps</c> would).
/// </summary>
public static class KubeTools
{
    private static readonly Lazy<string> s_bin = new(Install);

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Kubectl => Path.Combine(s_bin.Value, "kubectl");

    public static string Helm => Path.Combine(s_bin.Value, "helm");

    /// <summary>The built kube-local next to the other tools' outputs (same configuration as this test build).</summary>
    public static string KubeLocalDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            return Path.Combine(RepoRoot, "tools", "Fjord.KubeLocal", "bin", configuration, "net10.0", "kube-local.dll");
        }
    }

    public static string ChartPath(string name) => Path.Combine(AppContext.BaseDirectory, "charts", name);

    private static string Install()
    {
        var bin = Path.Combine(RepoRoot, ".tools", "bin");
        if (!File.Exists(Path.Combine(bin, "kubectl")) || !File.Exists(Path.Combine(bin, "helm")))
        {
            var result = ExternalCommand.Run("bash", [Path.Combine(RepoRoot, ".ci", "install-kube-tools.sh")], timeout: TimeSpan.FromMinutes(5));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"installing kubectl and helm failed: {result}");
            }
        }

        return bin;
    }

    private static string FindRepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Cluster.sln not found above " + AppContext.BaseDirectory);
    }
}
