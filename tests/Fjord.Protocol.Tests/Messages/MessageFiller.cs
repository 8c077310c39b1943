using System.Buffers;
using System.Collections;
using System.Reflection;

namespace Fjord.Protocol.Tests.Messages;

/// <summary>
/// Fills generated messages with random values for every field present in a version (reflection, tests
/// only) and compares messages field by field. Not thread-safe: owns its seeded <see cref="Random"/>.
/// </summary>
internal sealed class MessageFiller(int seed)
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._é日本語";
    private readonly Random _random = new(seed);

    public void Fill(object message, short version)
    {
        foreach (var (property, field) in Fields(message.GetType()))
        {
            if (!SpecVersions.IsPresent(field, version))
            {
                continue; // absent fields stay at their default
            }

            bool nullable = SpecVersions.Contains(field.NullableVersions, version);
            property.SetValue(message, nullable && _random.Next(5) == 0 ? null : RandomValue(property.PropertyType, version));
        }
    }

    public static IEnumerable<(PropertyInfo Property, ProtocolFieldAttribute Field)> Fields(Type type) =>
        type.GetProperties()
            .Select(p => (Property: p, Field: p.GetCustomAttribute<ProtocolFieldAttribute>()))
            .Where(x => x.Field is not null)
            .Select(x => (x.Property, x.Field!));

    private object RandomValue(Type type, short version)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(bool))
        {
            return _random.Next(2) == 0;
        }

        if (type == typeof(sbyte))
        {
            return (sbyte)_random.Next(sbyte.MinValue, sbyte.MaxValue + 1);
        }

        if (type == typeof(short))
        {
            return (short)_random.Next(short.MinValue, short.MaxValue + 1);
        }

        if (type == typeof(ushort))
        {
            return (ushort)_random.Next(ushort.MaxValue + 1);
        }

        if (type == typeof(int))
        {
            return _random.Next(int.MinValue, int.MaxValue);
        }

        if (type == typeof(uint))
        {
            return (uint)_random.NextInt64(uint.MaxValue + 1L);
        }

        if (type == typeof(long))
        {
            return _random.NextInt64(long.MinValue, long.MaxValue);
        }

        if (type == typeof(double))
        {
            return _random.NextDouble() * 1e6;
        }

        if (type == typeof(string))
        {
            var chars = new char[_random.Next(0, 10)];
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[_random.Next(Alphabet.Length)];
            }

            return new string(chars);
        }

        if (type == typeof(byte[]))
        {
            var bytes = new byte[_random.Next(0, 12)];
            _random.NextBytes(bytes);
            return bytes;
        }

        if (type == typeof(ReadOnlySequence<byte>))
        {
            var bytes = new byte[_random.Next(0, 40)];
            _random.NextBytes(bytes);
            // Records read back as slices; send them from a multi-segment sequence to exercise segment copying.
            return Segments.Split(bytes, _random.Next(1, 4));
        }

        if (type == typeof(Uuid))
        {
            return Uuid.NewRandom(_random);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var list = (IList)Activator.CreateInstance(type)!;
            int count = _random.Next(0, 4);
            for (int i = 0; i < count; i++)
            {
                list.Add(RandomValue(type.GetGenericArguments()[0], version));
            }

            return list;
        }

        if (type.IsClass && type.IsNested)
        {
            object nested = Activator.CreateInstance(type)!;
            Fill(nested, version);
            return nested;
        }

        throw new NotSupportedException(type.FullName);
    }

    /// <summary>Asserts two messages have equal fields, recursively; records compare by content.</summary>
    public static void AssertEqual(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {expected ?? "null"}, got {actual ?? "null"}");
            return;
        }

        switch (expected)
        {
            case ReadOnlySequence<byte> records:
                Assert.Equal(records.ToArray(), ((ReadOnlySequence<byte>)actual).ToArray());
                return;
            case byte[] bytes:
                Assert.Equal(bytes, (byte[])actual);
                return;
            case IList list:
                var other = (IList)actual;
                Assert.True(list.Count == other.Count, $"{path}: expected {list.Count} elements, got {other.Count}");
                for (int i = 0; i < list.Count; i++)
                {
                    AssertEqual(list[i], other[i], $"{path}[{i}]");
                }

                return;
        }

        var type = expected.GetType();
        if (type.IsClass && type != typeof(string))
        {
            foreach (var (property, _) in Fields(type))
            {
                AssertEqual(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
            }

            return;
        }

        Assert.True(Equals(expected, actual), $"{path}: expected {expected}, got {actual}");
    }
}
