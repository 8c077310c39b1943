using Fjord.Broker.Configuration;
using Fjord.Broker.Hosting;

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

var app = BrokerHost.Build(config);
BrokerHost.LoadState(app);
await app.RunAsync();
return 0;
