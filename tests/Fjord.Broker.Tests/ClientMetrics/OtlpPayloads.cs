using System.Buffers;
using Fjord.Broker.ClientMetrics.Otlp;
using Fjord.Protocol.Records;
using Google.Protobuf;

namespace Fjord.Broker.Tests.ClientMetrics;

/// <summary>OTLP MetricsData payloads shaped like librdkafka's pushes, for the client metrics tests.</summary>
internal static class OtlpPayloads
{
    public static byte[] ProducerMetrics(double latencyAvg, long connectionsTotal, CompressionType compression = CompressionType.None)
    {
        var scope = new ScopeMetrics();
        var latency = new Metric { Name = "org.apache.kafka.producer.node.request.latency.avg", Gauge = new Gauge() };
        latency.Gauge.DataPoints.Add(Point(latencyAvg, ("node.id", "1")));
        var connections = new Metric
        {
            Name = "org.apache.kafka.producer.connection.creation.total",
            Sum = new Sum { AggregationTemporality = AggregationTemporality.Cumulative, IsMonotonic = true },
        };
        connections.Sum.DataPoints.Add(new NumberDataPoint { AsInt = connectionsTotal });
        var other = new Metric { Name = "org.apache.kafka.consumer.poll.idle.ratio.avg", Gauge = new Gauge() };
        other.Gauge.DataPoints.Add(Point(0.5));
        scope.Metrics.Add(latency);
        scope.Metrics.Add(connections);
        scope.Metrics.Add(other);
        var resource = new ResourceMetrics();
        resource.ScopeMetrics.Add(scope);
        var data = new MetricsData();
        data.ResourceMetrics.Add(resource);
        return Compress(data.ToByteArray(), compression);
    }

    public static byte[] Compress(byte[] payload, CompressionType compression)
    {
        var output = new ArrayBufferWriter<byte>();
        CompressionCodecs.Compress(compression, payload, output);
        return output.WrittenSpan.ToArray();
    }

    private static NumberDataPoint Point(double value, params (string Key, string Value)[] attributes)
    {
        var point = new NumberDataPoint { AsDouble = value };
        foreach (var (key, text) in attributes) point.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = text } });
        return point;
    }
}
