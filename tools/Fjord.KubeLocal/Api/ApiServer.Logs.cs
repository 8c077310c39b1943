using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Fjord.KubeLocal.Api;

public sealed partial class ApiServer
{
    private static readonly TimeSpan FollowPoll = TimeSpan.FromMilliseconds(200);

    /// <summary>The file the process kubelet writes a container's output to.</summary>
    public static string LogPath(string stateDirectory, string ns, string pod, string container, bool previous) =>
        Path.Combine(stateDirectory, "pods", ns, pod, previous ? container + ".previous.log" : container + ".log");

    /// <summary>
    /// <c>pods/{name}/log</c>: the container's log file (<c>container</c>, <c>tailLines</c>, <c>limitBytes</c>,
    /// <c>previous</c>, <c>follow</c>; follow streams appended bytes until the pod is gone or the client leaves).
    /// </summary>
    private async Task PodLogsAsync(HttpContext context, string ns, string name)
    {
        var query = context.Request.Query;
        var pod = Get(Catalog.Find("", "v1", "pods")!, ns, name);
        var containers = (pod["spec"]?["containers"] as JsonArray ?? []).Select(c => c?["name"]?.GetValue<string>() ?? "").ToList();
        var initContainers = (pod["spec"]?["initContainers"] as JsonArray ?? []).Select(c => c?["name"]?.GetValue<string>() ?? "").ToList();
        var container = query["container"].ToString();
        if (container.Length == 0)
        {
            container = pod["metadata"]?["annotations"]?["kubectl.kubernetes.io/default-container"]?.GetValue<string>() ?? (containers.Count == 1 ? containers[0] : "");
            if (container.Length == 0)
            {
                throw KubeApiException.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers)}]");
            }
        }
        else if (!containers.Contains(container) && !initContainers.Contains(container))
        {
            throw KubeApiException.BadRequest($"container {container} is not valid for pod {name}");
        }

        var previous = IsTrue(query["previous"]);
        var file = LogPath(stateDirectory, ns, name, container, previous);
        if (!File.Exists(file))
        {
            throw KubeApiException.BadRequest(previous
                ? $"previous terminated container \"{container}\" in pod \"{name}\" not found"
                : $"container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating");
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var start = 0L;
        if (int.TryParse(query["tailLines"], out var tail) && tail >= 0)
        {
            start = TailStart(stream, tail);
        }

        stream.Position = start;
        var limit = long.TryParse(query["limitBytes"], out var bytes) && bytes > 0 ? bytes : long.MaxValue;
        var buffer = new byte[64 * 1024];
        var written = 0L;
        var follow = IsTrue(query["follow"]);
        while (written < limit)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - written)), context.RequestAborted);
            if (read > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                written += read;
                continue;
            }

            var live = writer.Store.Get("pods", ns, name);
            if (!follow || live is null || ApiObjects.UidOf(live) != ApiObjects.UidOf(pod))
            {
                break;
            }

            await Task.Delay(FollowPoll, time, context.RequestAborted);
        }
    }

    /// <summary>Offset of the start of the last <paramref name="lines"/> lines.</summary>
    private static long TailStart(FileStream stream, int lines)
    {
        var content = new byte[stream.Length];
        stream.Position = 0;
        stream.ReadExactly(content);
        var position = content.Length;
        if (position > 0 && content[position - 1] == '\n')
        {
            position--;
        }

        var found = 0;
        while (position > 0)
        {
            if (content[position - 1] == '\n' && ++found == lines)
            {
                return position;
            }

            position--;
        }

        return lines == 0 ? content.Length : 0;
    }

}
