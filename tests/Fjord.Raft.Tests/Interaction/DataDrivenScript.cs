using System.Text;

namespace Fjord.Raft.Tests.Interaction;

/// <summary>
/// Runs an etcd-style data-driven script: blocks of `command args`, a `----` line, and the expected
/// output (up to a blank line). With REWRITE=1 in the environment the expected outputs are regenerated
/// in place. Stateless; each call owns its environment.
/// </summary>
internal static class DataDrivenScript
{
    public sealed record Mismatch(int Line, string Command, string Expected, string Actual);

    public static (string Rewritten, List<Mismatch> Mismatches) Run(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var env = new InteractionEnv();
        var output = new StringBuilder();
        var mismatches = new List<Mismatch>();
        var i = 0;
        while (i < lines.Length)
        {
            var line = lines[i];
            if (line.Length == 0 || line.StartsWith('#'))
            {
                output.Append(line).Append('\n');
                i++;
                continue;
            }
            var commandLine = line;
            var lineNo = i + 1;
            i++;
            if (i >= lines.Length || lines[i] != "----") throw new FormatException($"line {lineNo}: expected ---- after '{commandLine}'");
            i++;
            var expected = new StringBuilder();
            while (i < lines.Length && lines[i].Length > 0) expected.Append(lines[i++]).Append('\n');
            var (command, args, positional) = Parse(commandLine);
            var actual = env.Execute(command, args, positional).Replace("\r\n", "\n");
            if (actual.Length == 0) actual = "ok\n";
            if (actual != expected.ToString()) mismatches.Add(new Mismatch(lineNo, commandLine, expected.ToString(), actual));
            output.Append(commandLine).Append('\n').Append("----\n").Append(actual);
        }
        var rewritten = output.ToString();
        while (rewritten.EndsWith("\n\n", StringComparison.Ordinal)) rewritten = rewritten[..^1];
        return (rewritten, mismatches);
    }

    private static (string, Dictionary<string, string>, List<string>) Parse(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var args = new Dictionary<string, string>();
        var positional = new List<string>();
        foreach (var p in parts.Skip(1))
        {
            var eq = p.IndexOf('=');
            if (eq > 0) args[p[..eq]] = p[(eq + 1)..];
            else positional.Add(p);
        }
        return (parts[0], args, positional);
    }
}
