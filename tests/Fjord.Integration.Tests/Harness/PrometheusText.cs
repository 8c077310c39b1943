using System.Globalization;
using System.Text;

namespace Fjord.Integration.Tests.Harness;

/// <summary>One sample line of the Prometheus text exposition format: name, labels and value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string? Label(string name) => Labels.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A parsed scrape in the Prometheus text format 0.0.4: the <c># TYPE</c> of each family and every
/// sample. Strict where a broken exporter would show (unknown line shapes, bad escapes, bad values
/// throw <see cref="FormatException"/>); timestamps are accepted and ignored. Immutable.
/// </summary>
public sealed class PrometheusText
{
    private static readonly string[] s_histogramSuffixes = ["_bucket", "_sum", "_count"];

    private PrometheusText(Dictionary<string, string> types, List<PrometheusSample> samples)
    {
        Types = types;
        Samples = samples;
    }

    /// <summary>Family name → counter, gauge, histogram, summary or untyped.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>Every sample name, histogram series (<c>_bucket</c>, <c>_sum</c>, <c>_count</c>) included.</summary>
    public IReadOnlySet<string> SampleNames => Samples.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    public IEnumerable<PrometheusSample> Family(string name) => Samples.Where(s => s.Name == name);

    /// <summary>Sum of the samples of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Name, string Value)[] labels) =>
        Family(name).Where(s => labels.All(l => s.Label(l.Name) == l.Value)).Sum(s => s.Value);

    public static PrometheusText Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<PrometheusSample>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line.Trim().Length == 0)
            {
                continue;
            }

            try
            {
                if (line.StartsWith('#'))
                {
                    ParseComment(line, types);
                }
                else
                {
                    samples.Add(ParseSample(line));
                }
            }
            catch (FormatException ex)
            {
                throw new FormatException($"line {lineNumber}: {ex.Message}: {line}", ex);
            }
        }

        foreach (var sample in samples)
        {
            if (FamilyOf(sample.Name, types) is null)
            {
                throw new FormatException($"sample {sample.Name} has no # TYPE line");
            }
        }

        return new PrometheusText(types, samples);
    }

    /// <summary>The family a sample name belongs to (a histogram's _bucket/_sum/_count map to it), or null.</summary>
    public static string? FamilyOf(string sampleName, IReadOnlyDictionary<string, string> types)
    {
        if (types.ContainsKey(sampleName))
        {
            return sampleName;
        }

        foreach (var suffix in s_histogramSuffixes)
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(sampleName[..^suffix.Length], out var type) && type is "histogram" or "summary")
            {
                return sampleName[..^suffix.Length];
            }
        }

        return null;
    }

    private static void ParseComment(string line, Dictionary<string, string> types)
    {
        var parts = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length >= 2 && parts[1] == "TYPE")
        {
            if (parts.Length != 4 || parts[3] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
            {
                throw new FormatException("bad TYPE line");
            }

            if (!IsMetricName(parts[2]) || !types.TryAdd(parts[2], parts[3]))
            {
                throw new FormatException($"bad or repeated family {parts[2]}");
            }
        }

        // HELP, EOF and free comments carry nothing the tests need.
    }

    private static PrometheusSample ParseSample(string line)
    {
        var position = 0;
        while (position < line.Length && line[position] is not ('{' or ' ' or '\t'))
        {
            position++;
        }

        var name = line[..position];
        if (!IsMetricName(name))
        {
            throw new FormatException($"bad metric name '{name}'");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (true)
            {
                SkipSpaces(line, ref position);
                if (position < line.Length && line[position] == '}')
                {
                    position++;
                    break;
                }

                var start = position;
                while (position < line.Length && line[position] != '=')
                {
                    position++;
                }

                var labelName = line[start..position].Trim();
                if (!IsLabelName(labelName) || position + 1 >= line.Length || line[position + 1] != '"')
                {
                    throw new FormatException($"bad label '{labelName}'");
                }

                position += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (position >= line.Length)
                    {
                        throw new FormatException("unterminated label value");
                    }

                    var c = line[position++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        var escaped = position < line.Length ? line[position++] : throw new FormatException("dangling escape");
                        value.Append(escaped switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"bad escape \\{escaped}"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!labels.TryAdd(labelName, value.ToString()))
                {
                    throw new FormatException($"repeated label {labelName}");
                }

                SkipSpaces(line, ref position);
                if (position < line.Length && line[position] == ',')
                {
                    position++;
                }
            }
        }

        var rest = line[position..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2)
        {
            throw new FormatException("expected a value and an optional timestamp");
        }

        return new PrometheusSample(name, labels, ParseValue(rest[0]));
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException($"bad value '{text}'"),
    };

    private static void SkipSpaces(string line, ref int position)
    {
        while (position < line.Length && line[position] is ' ' or '\t')
        {
            position++;
        }
    }

    private static bool IsMetricName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] is '_' or ':') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    private static bool IsLabelName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
