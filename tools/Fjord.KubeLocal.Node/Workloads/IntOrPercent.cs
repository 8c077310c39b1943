using System.Globalization;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Workloads;

/// <summary>
/// Resolves an <c>IntOrString</c> such as maxSurge "25%" against a total, as apimachinery's
/// <c>GetScaledValueFromIntOrPercent</c> does. Pure; any thread.
/// </summary>
internal static class IntOrPercent
{
    public static int Resolve(IntOrString? value, int total, bool roundUp, int fallback)
    {
        if (value is null || string.IsNullOrEmpty(value.Value))
        {
            return fallback;
        }
        var text = value.Value;
        if (text.EndsWith('%'))
        {
            var percent = int.Parse(text.AsSpan(0, text.Length - 1), CultureInfo.InvariantCulture);
            var scaled = percent * (long)total;
            return (int)(roundUp ? (scaled + 99) / 100 : scaled / 100);
        }
        return int.Parse(text, CultureInfo.InvariantCulture);
    }
}
