using System.Diagnostics;

namespace Fjord.Storage.Tests;

/// <summary>
/// A fact that needs to mount a small tmpfs (root, or CAP_SYS_ADMIN): a trial mount at discovery decides, and where
/// it fails the test is reported as skipped with the reason, never passed without running.
/// </summary>
public sealed class TmpfsMountFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_whyNot = new(Probe);

    public TmpfsMountFactAttribute()
    {
        if (s_whyNot.Value is { } why) Skip = why;
    }

    /// <summary>Mounts a tmpfs to fill (<paramref name="mountPoint"/> must exist); false with the error when that is not allowed here.</summary>
    public static bool TryMount(string mountPoint, string size, out string error) => Run("mount", $"-t tmpfs -o size={size} tmpfs {mountPoint}", out error);

    public static void Unmount(string mountPoint) => Run("umount", mountPoint, out _);

    private static string? Probe()
    {
        var mountPoint = Path.Combine(Path.GetTempPath(), "fjord-tmpfs-probe-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(mountPoint);
        try
        {
            if (!TryMount(mountPoint, "1m", out var why)) return $"cannot mount a tmpfs to fill ({why.Trim()}); run as root to exercise ENOSPC";
            Unmount(mountPoint);
            return null;
        }
        finally
        {
            Directory.Delete(mountPoint);
        }
    }

    private static bool Run(string file, string arguments, out string error)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            error = e.Message;
            return false;
        }
    }
}
