namespace Fjord.Operator.Reconciling;

/// <summary>A balance the controller would run now (admin ProposeBalance): the brokers' loads and how many moves it plans.</summary>
public sealed record ProposedBalance(IReadOnlyList<BrokerLoad> Before, int Moves);
