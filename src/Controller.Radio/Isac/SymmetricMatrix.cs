namespace Controller.Radio.Isac;

/// <summary>Inversion of small symmetric positive definite matrices (Fisher information) through Cholesky.</summary>
internal static class SymmetricMatrix
{
    /// <summary>The inverse of <paramref name="matrix"/>, or null when it is not numerically positive definite.</summary>
    public static double[,]? Inverse(double[,] matrix)
    {
        var n = matrix.GetLength(0);
        var lower = new double[n, n];
        // Jacobi scaling first: position and reflection entries of a FIM differ by 10 orders of magnitude, and the
        // pivot test must judge each parameter against its own information, not against the largest one.
        var diagonalScale = new double[n];
        for (var i = 0; i < n; i++)
        {
            if (!(matrix[i, i] > 0) || !double.IsFinite(matrix[i, i]))
            {
                return null;
            }

            diagonalScale[i] = Math.Sqrt(matrix[i, i]);
        }

        const double Floor = 1e-12;
        for (var j = 0; j < n; j++)
        {
            var diagonal = 1.0;
            for (var k = 0; k < j; k++)
            {
                diagonal -= lower[j, k] * lower[j, k];
            }

            if (!(diagonal > Floor))
            {
                return null;
            }

            lower[j, j] = Math.Sqrt(diagonal);
            for (var i = j + 1; i < n; i++)
            {
                var sum = 0.5 * (matrix[i, j] + matrix[j, i]) / (diagonalScale[i] * diagonalScale[j]);
                for (var k = 0; k < j; k++)
                {
                    sum -= lower[i, k] * lower[j, k];
                }

                lower[i, j] = sum / lower[j, j];
            }
        }

        // inverse(L) by forward substitution, then A^-1 = L^-T L^-1.
        var inverseLower = new double[n, n];
        for (var c = 0; c < n; c++)
        {
            inverseLower[c, c] = 1 / lower[c, c];
            for (var r = c + 1; r < n; r++)
            {
                var sum = 0.0;
                for (var k = c; k < r; k++)
                {
                    sum -= lower[r, k] * inverseLower[k, c];
                }

                inverseLower[r, c] = sum / lower[r, r];
            }
        }

        var inverse = new double[n, n];
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c <= r; c++)
            {
                var sum = 0.0;
                for (var k = r; k < n; k++)
                {
                    sum += inverseLower[k, r] * inverseLower[k, c];
                }

                inverse[r, c] = sum / (diagonalScale[r] * diagonalScale[c]);
                inverse[c, r] = inverse[r, c];
            }
        }

        return inverse;
    }
}
