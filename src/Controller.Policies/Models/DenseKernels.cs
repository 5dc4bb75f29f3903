using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Controller.Policies.Models;

/// <summary>
/// The one matrix product of the models, register-blocked on <see cref="Vector{T}"/>: four rows of the
/// left matrix against two vectors of columns keep eight accumulators in registers, so each loaded column
/// vector feeds four fused multiply-adds. <see cref="System.Numerics.Tensors.TensorPrimitives"/> works on
/// one span at a time and would reload and store the output row once per inner index.
/// </summary>
internal static class DenseKernels
{
    /// <summary>
    /// <c>c = a b</c> with row-major <paramref name="a"/> (rows x inner), <paramref name="b"/> (inner x cols)
    /// and <paramref name="c"/> (rows x cols), all contiguous. Sums run in ascending inner index.
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int rows, int inner, int cols)
    {
        if (a.Length < rows * inner || b.Length < inner * cols || c.Length < rows * cols)
        {
            throw new ArgumentException("Matrix spans are shorter than their dimensions.", nameof(c));
        }

        if (rows == 0 || cols == 0)
        {
            return;
        }

        ref var a0 = ref MemoryMarshal.GetReference(a);
        ref var b0 = ref MemoryMarshal.GetReference(b);
        ref var c0 = ref MemoryMarshal.GetReference(c);
        var width = Vector<float>.Count;
        var r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            ref var aRow = ref Unsafe.Add(ref a0, r * inner);
            ref var cRow = ref Unsafe.Add(ref c0, r * cols);
            var col = 0;
            for (; col + (2 * width) <= cols; col += 2 * width)
            {
                Block4x2(ref aRow, ref Unsafe.Add(ref b0, col), ref Unsafe.Add(ref cRow, col), inner, cols);
            }

            for (; col + width <= cols; col += width)
            {
                Block4x1(ref aRow, ref Unsafe.Add(ref b0, col), ref Unsafe.Add(ref cRow, col), inner, cols);
            }

            for (; col < cols; col++)
            {
                for (var i = 0; i < 4; i++)
                {
                    Unsafe.Add(ref cRow, (i * cols) + col) = Scalar(ref Unsafe.Add(ref aRow, i * inner), ref Unsafe.Add(ref b0, col), inner, cols);
                }
            }
        }

        for (; r < rows; r++)
        {
            ref var aRow = ref Unsafe.Add(ref a0, r * inner);
            ref var cRow = ref Unsafe.Add(ref c0, r * cols);
            var col = 0;
            for (; col + width <= cols; col += width)
            {
                var sum = Vector<float>.Zero;
                for (var k = 0; k < inner; k++)
                {
                    sum = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref aRow, k)), Vector.LoadUnsafe(ref b0, (nuint)((k * cols) + col)), sum);
                }

                sum.StoreUnsafe(ref cRow, (nuint)col);
            }

            for (; col < cols; col++)
            {
                Unsafe.Add(ref cRow, col) = Scalar(ref aRow, ref Unsafe.Add(ref b0, col), inner, cols);
            }
        }
    }

    private static void Block4x2(ref float a, ref float b, ref float c, int inner, int cols)
    {
        var width = (nuint)Vector<float>.Count;
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (var k = 0; k < inner; k++)
        {
            var offset = (nuint)(k * cols);
            var b0 = Vector.LoadUnsafe(ref b, offset);
            var b1 = Vector.LoadUnsafe(ref b, offset + width);
            var a0 = new Vector<float>(Unsafe.Add(ref a, k));
            var a1 = new Vector<float>(Unsafe.Add(ref a, inner + k));
            var a2 = new Vector<float>(Unsafe.Add(ref a, (2 * inner) + k));
            var a3 = new Vector<float>(Unsafe.Add(ref a, (3 * inner) + k));
            c00 = Vector.MultiplyAddEstimate(a0, b0, c00);
            c01 = Vector.MultiplyAddEstimate(a0, b1, c01);
            c10 = Vector.MultiplyAddEstimate(a1, b0, c10);
            c11 = Vector.MultiplyAddEstimate(a1, b1, c11);
            c20 = Vector.MultiplyAddEstimate(a2, b0, c20);
            c21 = Vector.MultiplyAddEstimate(a2, b1, c21);
            c30 = Vector.MultiplyAddEstimate(a3, b0, c30);
            c31 = Vector.MultiplyAddEstimate(a3, b1, c31);
        }

        var stride = (nuint)cols;
        c00.StoreUnsafe(ref c, 0);
        c01.StoreUnsafe(ref c, width);
        c10.StoreUnsafe(ref c, stride);
        c11.StoreUnsafe(ref c, stride + width);
        c20.StoreUnsafe(ref c, 2 * stride);
        c21.StoreUnsafe(ref c, (2 * stride) + width);
        c30.StoreUnsafe(ref c, 3 * stride);
        c31.StoreUnsafe(ref c, (3 * stride) + width);
    }

    private static void Block4x1(ref float a, ref float b, ref float c, int inner, int cols)
    {
        Vector<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (var k = 0; k < inner; k++)
        {
            var b0 = Vector.LoadUnsafe(ref b, (nuint)(k * cols));
            c0 = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref a, k)), b0, c0);
            c1 = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref a, inner + k)), b0, c1);
            c2 = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref a, (2 * inner) + k)), b0, c2);
            c3 = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref a, (3 * inner) + k)), b0, c3);
        }

        var stride = (nuint)cols;
        c0.StoreUnsafe(ref c, 0);
        c1.StoreUnsafe(ref c, stride);
        c2.StoreUnsafe(ref c, 2 * stride);
        c3.StoreUnsafe(ref c, 3 * stride);
    }

    private static float Scalar(ref float aRow, ref float bColumn, int inner, int cols)
    {
        var sum = 0f;
        for (var k = 0; k < inner; k++)
        {
            sum = float.MultiplyAddEstimate(Unsafe.Add(ref aRow, k), Unsafe.Add(ref bColumn, k * cols), sum);
        }

        return sum;
    }
}
