using System.Globalization;
using Fjord.Broker.ClientMetrics.Otlp;
using Fjord.Protocol.Records;
using Google.Protobuf;

namespace Fjord.Broker.ClientMetrics;

/// <summary>
/// Turns a PushTelemetry payload (OTLP <c>MetricsData</c>, compressed with one of the record-batch codecs) into
/// number points. Gauges and sums are read; histograms and summaries are skipped (librdkafka pushes none).
/// Bad input is a <see cref="InvalidDataException"/> that the handler answers with INVALID_REQUEST.
/// Stateless; safe on any thread.
/// </summary>
public static class OtlpMetricsDecoder
{
    /// <summary>Decodes <paramref name="payload"/>; decompression stops at <paramref name="maxDecompressedBytes"/>.</summary>
    public static IReadOnlyList<ClientMetricPoint> Decode(CompressionType compression, byte[] payload, int maxDecompressedBytes)
    {
        MetricsData data;
        try
        {
            data = MetricsData.Parser.ParseFrom(Decompress(compression, payload, maxDecompressedBytes));
        }
        catch (RecordBatchException ex)
        {
            throw new InvalidDataException($"The telemetry payload does not decompress as {compression}: {ex.Message}", ex);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"The telemetry payload is not an OTLP MetricsData message: {ex.Message}", ex);
        }

        var points = new List<ClientMetricPoint>();
        foreach (var resource in data.ResourceMetrics)
        {
            foreach (var scope in resource.ScopeMetrics)
            {
                foreach (var metric in scope.Metrics)
                {
                    switch (metric.DataCase)
                    {
                        case Metric.DataOneofCase.Gauge:
                            Add(points, metric.Name, metric.Gauge.DataPoints, isDelta: false);
                            break;
                        case Metric.DataOneofCase.Sum:
                            Add(points, metric.Name, metric.Sum.DataPoints, metric.Sum.AggregationTemporality == AggregationTemporality.Delta);
                            break;
                    }
                }
            }
        }
        return points;
    }

    private static byte[] Decompress(CompressionType compression, byte[] payload, int maxDecompressedBytes)
    {
        if (compression == CompressionType.None) return payload;
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        CompressionCodecs.Decompress(compression, payload, output, maxDecompressedBytes);
        return output.WrittenSpan.ToArray();
    }

    private static void Add(List<ClientMetricPoint> points, string name, IEnumerable<NumberDataPoint> dataPoints, bool isDelta)
    {
        foreach (var point in dataPoints)
        {
            var value = point.ValueCase switch
            {
                NumberDataPoint.ValueOneofCase.AsDouble => point.AsDouble,
                NumberDataPoint.ValueOneofCase.AsInt => point.AsInt,
                _ => double.NaN,
            };
            if (double.IsNaN(value)) continue;
            var attributes = point.Attributes
                .Select(a => new KeyValuePair<string, string>(a.Key, Text(a.Value)))
                .OrderBy(a => a.Key, StringComparer.Ordinal)
                .ToList();
            points.Add(new(name, attributes, value, isDelta));
        }
    }

    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        _ => "",
    };
}
