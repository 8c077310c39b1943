namespace Fjord.Integration.Tests.Harness;

/// <summary>Polls a condition until it holds or a deadline passes; the failure says what did not happen.</summary>
public static class Eventually
{
    public static void True(Func<bool> condition, TimeSpan timeout, string what) => True(condition, timeout, () => what);

    /// <summary>As above, with a message built only on failure, so it can show the last state polled.</summary>
    public static void True(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"within {timeout}: {what()}");
            }

            Thread.Sleep(50);
        }
    }
}
