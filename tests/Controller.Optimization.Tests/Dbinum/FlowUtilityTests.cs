using Controller.Optimization.Dbinum;

namespace Controller.Optimization.Tests.Dbinum;

public sealed class FlowUtilityTests
{
    public static TheoryData<FlowUtility, double> Utilities() => new()
    {
        { new QuadraticUtility(0.1), 7.5 },
        { new QuadraticUtility(3), 0.2 },
        { new SquareRootUtility(5, 0.4), 7.5 },
        { new SquareRootUtility(0.5, 0.2), -0.1 },
        { new LogUtility(4, 1), 7.5 },
        { new LogUtility(0.5, 2), -0.3 },
        { new AlphaFairFlowUtility(2), 3.0 },
        { new AlphaFairFlowUtility(1), 3.0 },
        { new SShapeUtility(0.8, 0.2), 7.5 },
        { new SShapeUtility(1.8, 2), 7.5 },
        { new SShapeUtility(0.8, 0.2), -0.5 },
        { new SShapeUtility(1.8, 2), -0.5 },
    };

    [Theory]
    [MemberData(nameof(Utilities))]
    public void Derivative_MatchesCentralDifferenceOfValue(FlowUtility utility, double rate)
    {
        const double H = 1e-6;

        var difference = (utility.Value(rate + H) - utility.Value(rate - H)) / (2 * H);

        Assert.Equal(difference, utility.Derivative(rate), 1e-6 * Math.Max(1, Math.Abs(difference)));
    }

    [Fact]
    public void Value_PaperFormsWithTheTyposRead_AtKnownPoints()
    {
        Assert.Equal(0.1 * 16, new QuadraticUtility(0.1).Value(4), 1e-12);
        // a (sqrt(x + b) - sqrt(b)): 0 at x = 0, rising.
        Assert.Equal(0, new SquareRootUtility(5, 0.4).Value(0), 1e-12);
        Assert.Equal(5 * (3 - 2), new SquareRootUtility(5, 4).Value(5), 1e-12);
        // a log(b x + 1).
        Assert.Equal(4 * Math.Log(3), new LogUtility(4, 1).Value(2), 1e-12);
        Assert.Equal(-1.0 / 4, new AlphaFairFlowUtility(2).Value(4), 1e-12);
        Assert.Equal(Math.Log(4), new AlphaFairFlowUtility(1).Value(4), 1e-12);
        // Tversky-Kahneman: gains x^a, losses -b (-x)^a.
        Assert.Equal(8, new SShapeUtility(1.5, 2).Value(4), 1e-12);
        Assert.Equal(-16, new SShapeUtility(1.5, 2).Value(-4), 1e-12);
    }

    [Fact]
    public void SShape_ExponentAboveOne_IsConvexInTheRate()
    {
        var utility = new SShapeUtility(1.8, 2);

        // Fig. 6's flow 4: marginal utility rises with the rate, which no alpha-fair surrogate can match.
        Assert.True(utility.Derivative(10) > utility.Derivative(1));
        Assert.True(new QuadraticUtility(3).Derivative(10) > new QuadraticUtility(3).Derivative(1));
        Assert.True(new SShapeUtility(0.8, 0.2).Derivative(10) < new SShapeUtility(0.8, 0.2).Derivative(1));
    }

    [Fact]
    public void GradientFeedback_AnswersTheDerivativeAndTheValue()
    {
        var utility = new LogUtility(4, 1);

        var feedback = utility.GradientFeedback();

        Assert.True(feedback.GivesGradient);
        Assert.Equal(utility.Derivative(3), feedback.Gradient(3));
        Assert.Equal(utility.Value(3), feedback.Value(3));
        Assert.False(utility.ValueFeedback(0.01).GivesGradient);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructors_ParameterNotPositiveAndFinite_Throw(double bad)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuadraticUtility(bad));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SquareRootUtility(1, bad));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogUtility(bad, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlphaFairFlowUtility(bad));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SShapeUtility(1, bad));
        Assert.Equal("LossWeight", error.ParamName);
    }
}
