using Fjord.Broker.Configuration;
using Fjord.Broker.Hosting;
using Microsoft.AspNetCore.Builder;

if (args is ["--help"] or ["-h"])
{
    Console.Write(BrokerSettingsLoader.Usage());
    return 0;
}

BrokerConfig config;
try
{
    var environment = Environment.GetEnvironmentVariables()
        .Cast<System.Collections.DictionaryEntry>()
        .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
    config = BrokerConfig.Create(BrokerSettingsLoader.Load(args, environment));
}
catch (ConfigException ex)
{
    Console.Error.WriteLine($"fjord-broker: {ex.Message}");
    return 2;
}

WebApplication app;
try
{
    app = BrokerHost.Build(config);
    BrokerHost.LoadState(app);
}
catch (ConfigException ex)
{
    Console.Error.WriteLine($"fjord-broker: {ex.Message}");
    return 2;
}

try
{
    await app.StartAsync();
}
catch (Exception e) when (BrokerHost.IsBindFailure(e))
{
    // One line instead of a stack trace: the operator's fix is another port or stopping whoever holds it.
    Console.Error.WriteLine($"fjord-broker: cannot listen: {e.Message}");
    await BrokerHost.AbandonAsync(app);
    return 3;
}

await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;
