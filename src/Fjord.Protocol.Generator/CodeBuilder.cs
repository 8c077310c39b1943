using System.Text;

namespace Fjord.Protocol.Generator;

/// <summary>Accumulates C# source with four-space indentation and "\n" line endings. Not thread-safe.</summary>
internal sealed class CodeBuilder
{
    private readonly StringBuilder _text = new();
    private int _indent;
    private bool _afterBlock;

    public void Line(string line = "")
    {
        // A blank line after a closing brace, unless the block continues (else, next case) or closes too.
        if (_afterBlock && line.Length > 0 && !line.StartsWith('}') && !line.StartsWith("else", StringComparison.Ordinal)
            && !line.StartsWith("case ", StringComparison.Ordinal) && !line.StartsWith("default:", StringComparison.Ordinal)
            && !line.StartsWith(')'))
        {
            _text.Append('\n');
        }

        _afterBlock = false;
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4).Append(line);
        }

        _text.Append('\n');
    }

    /// <summary>Writes <paramref name="header"/> (if any) and an opening brace, then indents.</summary>
    public void Open(string? header = null)
    {
        if (header is not null)
        {
            Line(header);
        }

        Line("{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        _afterBlock = suffix.Length == 0;
    }

    public override string ToString() => _text.ToString();
}
