namespace Fjord.Storage.Tests;

/// <summary>A settable clock for tests (a minimal FakeTimeProvider: no timers needed here).</summary>
internal sealed class ManualClock(long nowMs) : TimeProvider
{
    public long NowMs { get; set; } = nowMs;

    public void Advance(long ms) => NowMs += ms;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);
}
