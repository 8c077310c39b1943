using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Fjord.Cli.Output;

/// <summary>
/// Where command results go: Spectre tables for people, JSON (snake_case, indented) for scripts.
/// Errors and progress go to stderr so stdout stays parseable. Not thread-safe; one per process.
/// </summary>
public static class Printer
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions JsonLineOptions = new(JsonOptions) { WriteIndented = false };

    private static IAnsiConsole? _out;

    /// <summary>Stdout as a Spectre console; wide and colourless when redirected, so tables do not wrap in pipes.</summary>
    public static IAnsiConsole Out
    {
        get
        {
            if (_out is null)
            {
                var redirected = Console.IsOutputRedirected;
                _out = AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Out = new AnsiConsoleOutput(Console.Out),
                    Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
                    ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
                    Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
                });
                if (redirected)
                {
                    _out.Profile.Width = 250;
                }
            }

            return _out;
        }
    }

    public static bool IsJson(string? format) => string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);

    public static void Json(object value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    public static void JsonLine(object value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, JsonLineOptions));

    public static void Render(IRenderable renderable) => Out.Write(renderable);

    public static void Line(string text) => Console.Out.WriteLine(text);

    public static void Info(string text) => Console.Error.WriteLine(text);

    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(column)).NoWrap());
        }

        return table;
    }

    public static void AddRow(Table table, params object?[] cells)
    {
        var texts = new string[cells.Length];
        for (var i = 0; i < cells.Length; i++)
        {
            texts[i] = Markup.Escape(cells[i]?.ToString() ?? "-");
        }

        table.AddRow(texts);
    }
}
