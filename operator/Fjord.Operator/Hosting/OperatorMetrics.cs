using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Fjord.Operator.Hosting;

/// <summary>The operator's own metrics (meter <c>Fjord.Operator</c>), exported on /metrics. Thread-safe.</summary>
public sealed class OperatorMetrics : IDisposable
{
    public const string MeterName = "Fjord.Operator";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _reconciles;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;

    public OperatorMetrics(Func<int> queueDepth)
    {
        _reconciles = _meter.CreateCounter<long>("fjord_operator_reconciles", description: "reconciles run, by kind and result");
        _errors = _meter.CreateCounter<long>("fjord_operator_reconcile_errors", description: "reconciles that failed and were retried");
        _duration = _meter.CreateHistogram<double>("fjord_operator_reconcile_duration", "s", "time one reconcile took");
        _meter.CreateObservableGauge("fjord_operator_queue_depth", queueDepth, description: "keys waiting for a worker");
    }

    public void Reconciled(string kind, string result, TimeSpan elapsed)
    {
        var tags = new TagList { { "kind", kind }, { "result", result } };
        _reconciles.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, new TagList { { "kind", kind } });
        if (result == "error")
        {
            _errors.Add(1, new TagList { { "kind", kind } });
        }
    }

    public void Dispose() => _meter.Dispose();
}
