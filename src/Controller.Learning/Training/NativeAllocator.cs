using System.Runtime.InteropServices;

namespace Controller.Learning.Training;

/// <summary>
/// Makes glibc keep the multi-megabyte blocks that libtorch frees, for reuse, instead of handing them back to the kernel.
/// </summary>
/// <remarks>
/// A training step allocates and frees the same temporaries (a [64, 50, 25, 25] float tensor is 8 MB) every iteration. By
/// default glibc serves blocks above 128 KB with mmap and unmaps them on free; its dynamic threshold that stops this in a
/// Python main thread does not take hold in .NET's worker threads, so every step there paid the kernel's page faults again
/// (measured: 100-200 minor faults and 2-3 ms per fresh 8 MB tensor, none once reused). <see cref="KeepFreedBlocks"/> sets
/// <c>M_MMAP_THRESHOLD</c> to glibc's largest (32 MB) and <c>M_TRIM_THRESHOLD</c> to 512 MB, once per process; it
/// changes only where glibc takes memory from, never a result. Elsewhere (not Linux, not glibc) it does nothing.
/// </remarks>
internal static class NativeAllocator
{
    private const int MallocTrimThreshold = -1;
    private const int MallocTopPad = -2;
    private const int MallocMmapThreshold = -3;
    private static int _done;

    /// <summary>Applies the two settings the first time it is called; true when glibc accepted them.</summary>
    public static bool KeepFreedBlocks()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1 || !OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return Mallopt(MallocMmapThreshold, 32 << 20) == 1 && Mallopt(MallocTrimThreshold, 512 << 20) == 1 && Mallopt(MallocTopPad, 64 << 20) == 1;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in this project for one int -> int call.
    private static extern int Mallopt(int parameter, int value);
#pragma warning restore SYSLIB1054
}
