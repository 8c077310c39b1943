using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests;

/// <summary>The test harness's Prometheus text-format parser, on hand-written expositions.</summary>
public sealed class PrometheusTextTests
{
    [Fact]
    public void Parse_CountersGaugesAndHistograms_ReadsTypesLabelsAndValues()
    {
        const string text = """
            # TYPE fjord_requests_total counter
            # HELP fjord_requests_total Requests.
            fjord_requests_total{api="Produce",version="9"} 3
            fjord_requests_total{api="Fetch",version="12"} 4 1700000000000
            # TYPE fjord_connections gauge
            fjord_connections 2
            # TYPE fjord_request_duration_seconds histogram
            fjord_request_duration_seconds_bucket{api="Produce",le="0.1"} 1
            fjord_request_duration_seconds_bucket{api="Produce",le="+Inf"} 3
            fjord_request_duration_seconds_sum{api="Produce"} 0.5
            fjord_request_duration_seconds_count{api="Produce"} 3
            # EOF
            """;

        var scrape = PrometheusText.Parse(text);

        Assert.Equal("counter", scrape.Types["fjord_requests_total"]);
        Assert.Equal("histogram", scrape.Types["fjord_request_duration_seconds"]);
        Assert.Equal(7, scrape.Sum("fjord_requests_total"));
        Assert.Equal(3, scrape.Sum("fjord_requests_total", ("api", "Produce")));
        Assert.Equal(2, scrape.Sum("fjord_connections"));
        Assert.Equal(double.PositiveInfinity, double.Parse(scrape.Family("fjord_request_duration_seconds_bucket").Last().Label("le")!.Replace("+Inf", "Infinity"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("fjord_request_duration_seconds", PrometheusText.FamilyOf("fjord_request_duration_seconds_count", scrape.Types));
    }

    [Fact]
    public void Parse_EscapedLabelValues_AreUnescaped()
    {
        var scrape = PrometheusText.Parse("# TYPE m gauge\nm{dir=\"C:\\\\data\",q=\"say \\\"hi\\\"\",n=\"a\\nb\"} NaN\n");

        var sample = scrape.Samples.Single();
        Assert.Equal(@"C:\data", sample.Label("dir"));
        Assert.Equal("say \"hi\"", sample.Label("q"));
        Assert.Equal("a\nb", sample.Label("n"));
        Assert.True(double.IsNaN(sample.Value));
    }

    [Theory]
    [InlineData("m 1\n")] // no TYPE line
    [InlineData("# TYPE m gauge\nm{a=\"x} 1\n")] // unterminated label value
    [InlineData("# TYPE m gauge\nm{a=\"\\t\"} 1\n")] // unknown escape
    [InlineData("# TYPE m gauge\nm one\n")] // bad value
    [InlineData("# TYPE m gauge\n# TYPE m counter\nm 1\n")] // repeated family
    [InlineData("# TYPE 9m gauge\n")] // bad name
    public void Parse_MalformedExposition_Throws(string text)
    {
        Assert.Throws<FormatException>(() => PrometheusText.Parse(text));
    }
}
