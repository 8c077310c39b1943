using System.Globalization;

namespace Fjord.Chaos.Workload;

/// <summary>
/// The value of one record of the transactional workload, naming its transaction: producer slot, the slot's transaction
/// number (counted across re-initialisations, so it orders the slot's transactions), the record's index in the
/// transaction and the transaction's record count, as <c>p{producer}-t{txn}-{index}of{count}</c>. Every value is
/// unique in a run. Immutable.
/// </summary>
public readonly record struct TransactionalValue(int Producer, long Transaction, int Index, int Count)
{
    /// <summary>The transaction's name, shared by its records: <c>p{producer}-t{txn}</c>.</summary>
    public string TransactionId => TransactionIdOf(Producer, Transaction);

    public static string TransactionIdOf(int producer, long transaction) => string.Create(CultureInfo.InvariantCulture, $"p{producer}-t{transaction}");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"p{Producer}-t{Transaction}-{Index}of{Count}");

    /// <summary>Parses what <see cref="ToString"/> wrote; false for anything else (a value the workload never wrote).</summary>
    public static bool TryParse(string? text, out TransactionalValue value)
    {
        value = default;
        var parts = text?.Split('-');
        if (parts is not { Length: 3 } || parts[0].Length < 2 || parts[0][0] != 'p' || parts[1].Length < 2 || parts[1][0] != 't') return false;
        var of = parts[2].Split("of");
        if (of.Length != 2) return false;
        const NumberStyles digits = NumberStyles.None;
        if (!int.TryParse(parts[0].AsSpan(1), digits, CultureInfo.InvariantCulture, out var producer)
            || !long.TryParse(parts[1].AsSpan(1), digits, CultureInfo.InvariantCulture, out var transaction)
            || !int.TryParse(of[0], digits, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(of[1], digits, CultureInfo.InvariantCulture, out var count)
            || index >= count)
            return false;
        value = new TransactionalValue(producer, transaction, index, count);
        return true;
    }
}
