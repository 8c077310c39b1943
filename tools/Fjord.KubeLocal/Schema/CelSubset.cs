using System.Globalization;
using System.Text.Json.Nodes;

namespace Fjord.KubeLocal.Schema;

/// <summary>
/// A small subset of CEL for <c>x-kubernetes-validations</c> rules: <c>self</c>/<c>oldSelf</c> field and index
/// access, <c>has()</c>, <c>size()</c>, literals, arithmetic, comparisons, <c>in</c>, <c>!</c>, <c>&amp;&amp;</c>,
/// <c>||</c> and <c>?:</c>, with CEL's error semantics. <see cref="Evaluate"/> returns null when a rule uses
/// anything else or ends in an error (a missing field): such rules are skipped (not failed), so kube-local never rejects what a cluster would accept for that
/// reason. Transition rules (using oldSelf) are evaluated on updates only, as on a cluster. Pure.
/// </summary>
public sealed class CelSubset
{
    private readonly string _text;
    private readonly JsonNode? _self;
    private readonly JsonNode? _oldSelf;
    private readonly bool _hasOld;
    private int _at;

    private CelSubset(string text, JsonNode? self, JsonNode? oldSelf, bool hasOld)
    {
        _text = text;
        _self = self;
        _oldSelf = oldSelf;
        _hasOld = hasOld;
    }

    /// <summary>True or false for a rule it understands; null to skip it.</summary>
    public static bool? Evaluate(string rule, JsonNode? self, JsonNode? oldSelf, bool hasOld)
    {
        try
        {
            var parser = new CelSubset(rule, self, oldSelf, hasOld);
            var value = parser.Ternary();
            parser.Space();
            return parser._at == rule.Length && value is bool result ? result : null;
        }
        catch (Unsupported)
        {
            return null;
        }
    }

    private sealed class Unsupported : Exception;

    /// <summary>CEL's error value (a missing field, a type mismatch): it propagates, except that <c>true || error</c>
    /// is true and <c>false &amp;&amp; error</c> is false. A rule that ends in an error is skipped.</summary>
    private sealed class ErrorValue
    {
        public static readonly ErrorValue Instance = new();
    }

    private static readonly object Error = ErrorValue.Instance;

    private static bool AnyError(object? a, object? b) => a is ErrorValue || b is ErrorValue;

    private object? Ternary()
    {
        var condition = Or();
        if (!Eat("?"))
        {
            return condition;
        }

        var whenTrue = Ternary();
        Expect(":");
        var whenFalse = Ternary();
        return condition is bool b ? (b ? whenTrue : whenFalse) : Error;
    }

    private object? Or()
    {
        var left = And();
        while (Eat("||"))
        {
            var right = And();
            left = left is true || right is true ? true : left is bool && right is bool ? false : Error;
        }

        return left;
    }

    private object? And()
    {
        var left = Comparison();
        while (Eat("&&"))
        {
            var right = Comparison();
            left = left is false || right is false ? false : left is bool && right is bool ? true : Error;
        }

        return left;
    }

    private object? Comparison()
    {
        var left = Additive();
        foreach (var op in new[] { "==", "!=", "<=", ">=", "<", ">", "in " })
        {
            if (Eat(op))
            {
                var right = Additive();
                if (AnyError(left, right))
                {
                    return Error;
                }

                return op switch
                {
                    "==" => Equal(left, right),
                    "!=" => !Equal(left, right),
                    "in " => right switch
                    {
                        List<object?> list => list.Any(item => Equal(left, item)),
                        Dictionary<string, object?> map => left is string key && map.ContainsKey(key),
                        _ => Error,
                    },
                    _ => Compare(left, right) is int c ? op switch { "<" => c < 0, "<=" => c <= 0, ">" => c > 0, _ => c >= 0 } : Error,
                };
            }
        }

        return left;
    }

    private object? Additive()
    {
        var left = Multiplicative();
        while (true)
        {
            if (Eat("+"))
            {
                var right = Multiplicative();
                left = (left, right) switch
                {
                    (long a, long b) => a + b,
                    (string a, string b) => a + b,
                    _ => Arithmetic(left, right, (a, b) => a + b),
                };
            }
            else if (Eat("-"))
            {
                var right = Multiplicative();
                left = left is long a && right is long b ? a - b : Arithmetic(left, right, (x, y) => x - y);
            }
            else
            {
                return left;
            }
        }
    }

    private object? Multiplicative()
    {
        var left = Unary();
        while (true)
        {
            if (Eat("*"))
            {
                var right = Unary();
                left = left is long a && right is long b ? a * b : Arithmetic(left, right, (x, y) => x * y);
            }
            else if (Eat("/"))
            {
                var right = Unary();
                left = left is long a && right is long b ? (b == 0 ? Error : a / b) : Arithmetic(left, right, (x, y) => x / y);
            }
            else if (Eat("%"))
            {
                var right = Unary();
                left = left is long a && right is long b && b != 0 ? a % b : Error;
            }
            else
            {
                return left;
            }
        }
    }

    private object? Unary()
    {
        if (Eat("!"))
        {
            return Unary() is bool b ? !b : Error;
        }

        if (Eat("-"))
        {
            return Unary() switch { long l => -l, double d => -d, _ => Error };
        }

        return Postfix(Primary());
    }

    private object? Primary()
    {
        Space();
        if (Eat("("))
        {
            var inner = Ternary();
            Expect(")");
            return inner;
        }

        if (Eat("["))
        {
            var items = new List<object?>();
            if (!Eat("]"))
            {
                do
                {
                    items.Add(Ternary());
                }
                while (Eat(","));
                Expect("]");
            }

            return items;
        }

        if (_at < _text.Length && _text[_at] is '"' or '\'')
        {
            var quote = _text[_at++];
            var end = _text.IndexOf(quote, _at);
            if (end < 0 || _text.AsSpan(_at, end - _at).Contains('\\'))
            {
                throw new Unsupported();
            }

            var literal = _text[_at..end];
            _at = end + 1;
            return literal;
        }

        if (_at < _text.Length && char.IsDigit(_text[_at]))
        {
            var start = _at;
            while (_at < _text.Length && (char.IsDigit(_text[_at]) || _text[_at] == '.'))
            {
                _at++;
            }

            var number = _text[start.._at];
            // Typed as object so an integer literal stays a long (a conditional would widen it to double).
            return number.Contains('.') ? (object)double.Parse(number, CultureInfo.InvariantCulture) : long.Parse(number, CultureInfo.InvariantCulture);
        }

        var name = Identifier();
        switch (name)
        {
            case "true":
                return true;
            case "false":
                return false;
            case "null":
                return null;
            case "self":
                return ToValue(_self);
            case "oldSelf":
                return _hasOld ? ToValue(_oldSelf) : throw new Unsupported();
            case "size":
                Expect("(");
                var sized = Ternary();
                Expect(")");
                return Size(sized);
            case "has":
                {
                    Expect("(");
                    var target = Postfix(Primary(), stopBeforeLastField: true);
                    Expect(".");
                    var field = Identifier();
                    Expect(")");
                    return target is Dictionary<string, object?> map && map.ContainsKey(field);
                }

            default:
                throw new Unsupported();
        }
    }

    private object? Postfix(object? value, bool stopBeforeLastField = false)
    {
        while (true)
        {
            Space();
            if (_at < _text.Length && _text[_at] == '.')
            {
                var save = _at;
                _at++;
                var field = Identifier();
                Space();
                if (_at < _text.Length && _text[_at] == '(')
                {
                    _at++;
                    Expect(")");
                    value = field == "size" ? Size(value) : throw new Unsupported();
                    continue;
                }

                if (stopBeforeLastField && Peek(")"))
                {
                    _at = save;
                    return value;
                }

                value = value is Dictionary<string, object?> map && map.TryGetValue(field, out var child) ? child : Error;
            }
            else if (_at < _text.Length && _text[_at] == '[')
            {
                _at++;
                var index = Ternary();
                Expect("]");
                value = (value, index) switch
                {
                    (List<object?> list, long i) when i >= 0 && i < list.Count => list[(int)i],
                    (Dictionary<string, object?> map, string key) when map.TryGetValue(key, out var child) => child,
                    _ => Error,
                };
            }
            else
            {
                return value;
            }
        }
    }

    private static object? ToValue(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToValue(p.Value)),
        JsonArray array => array.Select(ToValue).ToList(),
        JsonValue value when value.TryGetValue<bool>(out var b) => b,
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        JsonValue value when long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        JsonValue value => double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture),
        _ => throw new Unsupported(),
    };

    private static object Size(object? value) => value switch
    {
        string s => (long)s.Length,
        List<object?> list => (long)list.Count,
        Dictionary<string, object?> map => (long)map.Count,
        _ => Error,
    };

    private static object Arithmetic(object? left, object? right, Func<double, double, double> op) =>
        Number(left) is double a && Number(right) is double b ? op(a, b) : Error;

    private static double? Number(object? value) => value switch
    {
        long l => l,
        double d => d,
        _ => null,
    };

    private static bool Equal(object? left, object? right) => (left, right) switch
    {
        (null, null) => true,
        (long a, double b) => a == b,
        (double a, long b) => a == b,
        (List<object?> a, List<object?> b) => a.Count == b.Count && a.Zip(b).All(p => Equal(p.First, p.Second)),
        (Dictionary<string, object?> a, Dictionary<string, object?> b) => a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && Equal(p.Value, v)),
        _ => Equals(left, right),
    };

    private static int? Compare(object? left, object? right) => (left, right) switch
    {
        (string a, string b) => string.CompareOrdinal(a, b),
        (long a, long b) => a.CompareTo(b),
        _ => Number(left) is double a && Number(right) is double b ? a.CompareTo(b) : null,
    };

    private string Identifier()
    {
        Space();
        var start = _at;
        while (_at < _text.Length && (char.IsLetterOrDigit(_text[_at]) || _text[_at] == '_'))
        {
            _at++;
        }

        return _at > start ? _text[start.._at] : throw new Unsupported();
    }

    private bool Peek(string token)
    {
        Space();
        return string.CompareOrdinal(_text, _at, token, 0, token.Length) == 0;
    }

    private bool Eat(string token)
    {
        if (!Peek(token))
        {
            return false;
        }

        // "in " must be a word: do not read "in" out of an identifier such as "index".
        _at += token.Length;
        return true;
    }

    private void Expect(string token)
    {
        if (!Eat(token))
        {
            throw new Unsupported();
        }
    }

    private void Space()
    {
        while (_at < _text.Length && char.IsWhiteSpace(_text[_at]))
        {
            _at++;
        }
    }
}
