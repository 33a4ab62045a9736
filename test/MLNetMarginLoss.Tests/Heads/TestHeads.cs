using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Tests.Heads;

/// <summary>The heads as the tests build them (centres Xavier-initialised from seed 0) and access to their parts.</summary>
internal static class TestHeads
{
    public static CosineMarginHead Cosine(HeadKind kind, int e, int c, HeadOptions? options = null)
    {
        var head = (CosineMarginHead)HeadFactory.Create(kind, e, c, options);
        head.Initialize(new SeededRandom(0));
        return head;
    }

    public static CosineMarginHead NormSoftmax(int e, int c, HeadOptions? o = null) => Cosine(HeadKind.NormSoftmax, e, c, o);
    public static CosineMarginHead CosFace(int e, int c, HeadOptions? o = null) => Cosine(HeadKind.CosFace, e, c, o);
    public static CosineMarginHead ArcFace(int e, int c, HeadOptions? o = null) => Cosine(HeadKind.ArcFace, e, c, o);
    public static CosineMarginHead SubCenter(int e, int c, HeadOptions? o = null) => Cosine(HeadKind.SubCenter, e, c, o);
    public static CosineMarginHead Combined(int e, int c, HeadOptions? o = null) => Cosine(HeadKind.Combined, e, c, o);
    public static CosineMarginHead SphereFace(int e, int c, HeadOptions? o = null) => Cosine(HeadKind.SphereFace, e, c, o);
    public static CosineMarginHead AdaCos(int e, int c, HeadOptions? o = null) => Cosine(HeadKind.AdaCos, e, c, o);
    public static CosineMarginHead Curricular(int e, int c, HeadOptions? o = null) => Cosine(HeadKind.Curricular, e, c, o);
    public static CosineMarginHead MagFace(int e, int c, HeadOptions? o = null) => Cosine(HeadKind.MagFace, e, c, o);
    public static CosineMarginHead AdaFace(int e, int c, HeadOptions? o = null) => Cosine(HeadKind.AdaFace, e, c, o);
    public static CosineMarginHead ElasticFace(int e, int c, HeadOptions? o = null) => Cosine(HeadKind.ElasticFace, e, c, o);

    /// <summary>The margin function, typed.</summary>
    public static T MarginAs<T>(this MarginHead head) where T : MarginFunction => (T)((CosineMarginHead)head).Margin;

    /// <summary>The centres' values [C·K·E] (one page in the tests).</summary>
    public static float[] WeightValues(this MarginHead head) => ((CosineMarginHead)head).Centers.Weight.Page(0);

    /// <summary>The centres' gradient from the last backward pass, as a dense [C·K·E] array (zero for rows the pass did not cover).</summary>
    public static float[] WeightGradient(this MarginHead head)
    {
        var centres = ((CosineMarginHead)head).Centers;
        int e = centres.EmbeddingSize;
        var dense = new float[centres.RowCount * e];
        var rows = centres.GradientRows;
        for (int i = 0; i < rows.Length; i++) centres.GradientRow(i).CopyTo(dense.AsSpan((int)rows[i] * e, e));
        return dense;
    }
}
