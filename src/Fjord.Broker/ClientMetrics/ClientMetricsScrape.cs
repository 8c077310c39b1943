using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Broker.ClientMetrics;

/// <summary>
/// Adds the pushed client metrics (<see cref="ClientMetricsSeries"/>) to the <c>/metrics</c> answer of the
/// OpenTelemetry Prometheus exporter. The series come and go with client instances and are named by the clients,
/// which OpenTelemetry instruments cannot express (an instrument lives as long as its meter, and so would the last
/// value of a client gone long ago), so they are written as text after the exporter's, before OpenMetrics' closing
/// <c># EOF</c>. Runs on the scrape's request thread; the series lock keeps it consistent.
/// </summary>
public static class ClientMetricsScrape
{
    private const string OpenMetricsEof = "# EOF\n";

    /// <summary>Middleware for the scrape endpoint's branched pipeline.</summary>
    public static void Use(IApplicationBuilder branch) => branch.Use(async (context, next) =>
    {
        var series = context.RequestServices.GetRequiredService<ClientMetricsSeries>();
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        var exported = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            await context.Response.WriteAsync(exported, context.RequestAborted);
            return;
        }
        var text = new StringBuilder(exported.Length + 4096);
        var openMetrics = exported.EndsWith(OpenMetricsEof, StringComparison.Ordinal);
        text.Append(exported, 0, openMetrics ? exported.Length - OpenMetricsEof.Length : exported.Length);
        series.WriteTo(text);
        if (openMetrics) text.Append(OpenMetricsEof);
        context.Response.ContentLength = null;
        await context.Response.WriteAsync(text.ToString(), context.RequestAborted);
    });
}
