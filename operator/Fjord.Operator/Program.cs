using Fjord.Operator.CrdGeneration;
using Fjord.Operator.Hosting;
using k8s;
using OpenTelemetry.Metrics;

if (args.Length >= 1 && args[0] == "crds")
{
    var outIndex = Array.IndexOf(args, "--out");
    var directory = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : Path.Combine("deploy", "crds");
    return CrdWriter.Run(directory, Console.Out);
}

OperatorOptions options;
try
{
    options = OperatorOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("usage: fjord-operator [run] [--namespace NS|all] [--kubeconfig FILE] [--http-listen H:P] [--leader-elect true|false] [--lease-namespace NS] [--identity NAME]");
    Console.Error.WriteLine("       fjord-operator crds [--out DIR]");
    return 2;
}

var kubeConfig = options.KubeConfig is { } file
    ? KubernetesClientConfiguration.BuildConfigFromConfigFile(file)
    : KubernetesClientConfiguration.BuildDefaultConfig();

var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls($"http://{options.HttpListen}");
builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(15));
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(new Kubernetes(kubeConfig));
builder.Services.AddSingleton(sp => new WorkQueue(sp.GetRequiredService<TimeProvider>(), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)));
builder.Services.AddSingleton(sp => new OperatorMetrics(() => sp.GetRequiredService<WorkQueue>().Depth));
builder.Services.AddSingleton(sp => new FjordClusterController(sp.GetRequiredService<Kubernetes>(), options.Namespace,
    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<OperatorMetrics>(),
    sp.GetRequiredService<WorkQueue>()));
builder.Services.AddSingleton(sp => new FjordTopicController(sp.GetRequiredService<Kubernetes>(), options.Namespace,
    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<OperatorMetrics>()));
builder.Services.AddSingleton<OperatorService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<OperatorService>());
builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(OperatorMetrics.MeterName)
    // Reconciles take milliseconds to seconds; the default buckets are for milliseconds-as-seconds.
    .AddView("fjord_operator_reconcile_duration", new ExplicitBucketHistogramConfiguration { Boundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] })
    .AddPrometheusExporter());

var app = builder.Build();
app.MapPrometheusScrapingEndpoint("/metrics");
app.MapGet("/healthz", () => Results.Text("ok\n"));
// Ready when leading with synced caches, or standing by for the lease: a standby is healthy, just idle.
app.MapGet("/readyz", (OperatorService service, FjordClusterController controller, FjordTopicController topics) =>
    !service.Leading || (controller.Synced && topics.Synced) ? Results.Text("ok\n") : Results.Text("informers not synced\n", statusCode: 503));
app.Services.GetRequiredService<OperatorMetrics>();
await app.RunAsync();
return 0;
