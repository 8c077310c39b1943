using Fjord.KubeLocal;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Resources;
using Fjord.KubeLocal.Semantics;
using Fjord.KubeLocal.Store;

KubeLocalOptions options;
try
{
    options = KubeLocalOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.Write($"kube-local: {ex.Message}\n{KubeLocalOptions.Usage}");
    return 2;
}

Directory.CreateDirectory(options.StateDirectory);
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.SetMinimumLevel(Environment.GetEnvironmentVariable("KUBE_LOCAL_VERBOSE") == "1" ? LogLevel.Debug : LogLevel.Warning);
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k =>
{
    k.Listen(options.Listen);
    k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
});
var store = new ObjectStore(options.WatchHistory);
var catalog = new ResourceCatalog(store);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(store);
builder.Services.AddSingleton(catalog);
builder.Services.AddSingleton(new ServiceIpAllocator());
builder.Services.AddSingleton<ObjectWriter>();
builder.Services.AddSingleton(sp => new ApiServer(sp.GetRequiredService<ObjectWriter>(), TimeProvider.System, options.StateDirectory, sp.GetRequiredService<ILogger<ApiServer>>()));
builder.Services.AddHostedService<GarbageCollector>();
var app = builder.Build();

var writer = app.Services.GetRequiredService<ObjectWriter>();
var namespaces = catalog.Find("", "v1", "namespaces")!;
foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
{
    writer.Create(namespaces, null, new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = ns } }, WriteOptions.Internal);
}

var api = app.Services.GetRequiredService<ApiServer>();
app.Run(api.HandleAsync);
await app.StartAsync();
var kubeconfig = Path.Combine(options.StateDirectory, "kubeconfig");
await File.WriteAllTextAsync(kubeconfig, options.Kubeconfig());
Console.WriteLine($"kube-local ready: http://{options.Listen} (KUBECONFIG={kubeconfig})");
await app.WaitForShutdownAsync();
return 0;
