using Microsoft.ML.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;

namespace Microsoft.ML;

/// <summary>
/// Evaluation of embeddings under the face-recognition protocols that split the data by who or what took each image:
/// closed-set identification against an enrolled gallery (k-shot recognition when the gallery holds k images per
/// class), open-set identification with a threshold set on known classes, and verification of pairs whose two images
/// come from different groups (cameras, sessions, typefaces). Labels are key columns, matched between views by their key
/// values (names); embeddings are known-size vectors of Single (need not be normalised). Similarity is the cosine.
/// </summary>
public static class IdentificationEvaluationCatalog
{
    /// <summary>
    /// Closed-set identification: every probe is matched against the gallery and its classes ranked by their most
    /// similar gallery image; returns the cumulative match characteristic (rank-1 accuracy = nearest-neighbour accuracy).
    /// A gallery of k images per class from some cameras (typefaces), probes from the others, is k-shot recognition.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="gallery">Enrolled rows: a label and an embedding column.</param>
    /// <param name="probes">Rows to identify, with the same columns; each probe's class (by name) must be in the gallery.</param>
    /// <param name="labelColumnName">The key label column of both views. Default "Label".</param>
    /// <param name="embeddingColumnName">The embedding column of both views. Default "Embedding".</param>
    /// <param name="maxRank">The largest rank of the CMC. Default 5.</param>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, a label is missing, the embedding sizes differ, or a probe's class has no gallery image.</exception>
    public static IdentificationMetrics EvaluateIdentification(this MulticlassClassificationCatalog catalog, IDataView gallery, IDataView probes,
        string labelColumnName = "Label", string embeddingColumnName = "Embedding", int maxRank = 5)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var (g, p) = ReadBoth(gallery, probes, labelColumnName, embeddingColumnName, "identification gallery", "identification probes");
        var probeLabels = MapByName(p, g.ClassNames, labelColumnName, mustExist: true);
        return IdentificationEvaluator.Evaluate(g.Features, g.Labels!, p.Features, probeLabels, g.RowSize, maxRank);
    }

    /// <summary>
    /// Open-set identification: known probes (classes in the gallery) and unknown probes (classes not in it) are matched
    /// to their most similar gallery image; the threshold on that similarity is set on half of the known probes (rows 0,
    /// 2, 4, …) to accept <paramref name="knownAcceptRate"/> of them, and the accept, identification and reject rates are
    /// measured on the other half and on the unknown probes.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="gallery">Enrolled rows of the known classes: a label and an embedding column.</param>
    /// <param name="knownProbes">Other rows of gallery classes (e.g. other cameras), same columns.</param>
    /// <param name="unknownProbes">Rows of classes the gallery does not hold, same columns.</param>
    /// <param name="knownAcceptRate">Share of known calibration probes the threshold accepts, in (0, 1]. Default 0.95.</param>
    /// <param name="labelColumnName">The key label column of every view. Default "Label".</param>
    /// <param name="embeddingColumnName">The embedding column of every view. Default "Embedding".</param>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, a label is missing, the embedding sizes differ, a known probe's class has no gallery image, an unknown probe's class has one, or fewer than 2 known or 1 unknown probes.</exception>
    public static OpenSetMetrics EvaluateOpenSet(this MulticlassClassificationCatalog catalog, IDataView gallery, IDataView knownProbes, IDataView unknownProbes,
        double knownAcceptRate = 0.95, string labelColumnName = "Label", string embeddingColumnName = "Embedding")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var (g, k) = ReadBoth(gallery, knownProbes, labelColumnName, embeddingColumnName, "open-set gallery", "known probes");
        var (_, u) = ReadBoth(gallery, unknownProbes, labelColumnName, embeddingColumnName, "open-set gallery", "unknown probes");
        var knownLabels = MapByName(k, g.ClassNames, labelColumnName, mustExist: true);
        MapByName(u, g.ClassNames, labelColumnName, mustExist: false);
        return OpenSetEvaluator.Evaluate(g.Features, g.Labels!, k.Features, knownLabels, u.Features, g.RowSize, knownAcceptRate);
    }

    /// <summary>
    /// Verification ("same class or not?") on <paramref name="pairs"/> balanced pairs whose two rows always come from
    /// different groups (a key or text column: camera, session, typeface), so that no pair is matched on its group's
    /// look: the ROC curve of their cosine similarities, AUC, EER, TAR at FAR 1e-1…1e-4 and the 10-fold LFW-protocol
    /// accuracy, as <see cref="MarginEvaluationCatalog.EvaluateVerification"/> gives for pairs drawn without groups.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="data">Rows with a label, a group and an embedding column.</param>
    /// <param name="groupColumnName">The group column, a key or text.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="embeddingColumnName">The embedding column. Default "Embedding".</param>
    /// <param name="pairs">Pairs to draw, a positive even number (half same-class, half different). Default 6000.</param>
    /// <param name="seed">Seed of the pair draw: the same seed draws the same pairs. Default 0.</param>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, a label is missing, no class has rows in two groups, or no two classes are in two groups.</exception>
    public static VerificationMetrics EvaluateVerificationAcrossGroups(this MulticlassClassificationCatalog catalog, IDataView data, string groupColumnName,
        string labelColumnName = "Label", string embeddingColumnName = "Embedding", int pairs = 6000, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var rows = LabelledEmbeddings.Read(data, labelColumnName, embeddingColumnName, "verification data");
        var groups = ReadGroups(data, groupColumnName, "verification data");
        var drawn = CrossGroupPairGenerator.Generate(rows.Labels!, groups, pairs, new SeededRandom(seed));
        return VerificationEvaluator.Evaluate(rows.Features, rows.RowSize, drawn);
    }

    private static (MLNetMarginLoss.Data.Dataset, MLNetMarginLoss.Data.Dataset) ReadBoth(IDataView a, IDataView b, string label, string embedding, string aSource, string bSource)
    {
        var first = LabelledEmbeddings.Read(a, label, embedding, aSource);
        var second = LabelledEmbeddings.Read(b, label, embedding, bSource);
        if (first.RowSize != second.RowSize)
            throw new ArgumentException($"The {bSource} have embeddings of {second.RowSize} values and the {aSource} of {first.RowSize}; embed both with the same model.");
        return (first, second);
    }

    /// <summary>
    /// The rows' labels as indices into <paramref name="classNames"/> (matched by name); with <paramref name="mustExist"/>
    /// false the check is the opposite (no row's class may be one of them) and the result holds no indices.
    /// </summary>
    private static int[] MapByName(MLNetMarginLoss.Data.Dataset rows, IReadOnlyList<string> classNames, string labelColumn, bool mustExist)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classNames.Count; i++) index.TryAdd(classNames[i], i);
        var labels = rows.Labels!;
        var result = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            string name = rows.ClassNames[labels[i]];
            bool found = index.TryGetValue(name, out result[i]);
            if (found != mustExist)
                throw new ArgumentException(mustExist
                    ? $"{rows.Source}: row {i + 1}, column '{labelColumn}': class '{name}' has no gallery image; enrol it or leave the row out."
                    : $"{rows.Source}: row {i + 1}, column '{labelColumn}': class '{name}' is in the gallery, so it is not unknown; pass it with the known probes.");
        }
        return result;
    }

    /// <summary>The group of every row: a key column's keys, or a text column's distinct values numbered in order of appearance.</summary>
    private static int[] ReadGroups(IDataView data, string groupColumn, string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupColumn);
        var column = data.Schema.GetColumnOrNull(groupColumn)
            ?? throw new ArgumentException($"{source}: there is no group column '{groupColumn}' (columns: {string.Join(", ", data.Schema.Where(c => !c.IsHidden).Select(c => c.Name))}).");
        var groups = new List<int>();
        using var cursor = data.GetRowCursor([column]);
        if (column.Type is KeyDataViewType { RawType: var raw } && raw == typeof(uint))
        {
            var get = cursor.GetGetter<uint>(column);
            uint key = 0;
            while (cursor.MoveNext()) { get(ref key); groups.Add((int)key); }
        }
        else if (column.Type is TextDataViewType)
        {
            var get = cursor.GetGetter<ReadOnlyMemory<char>>(column);
            var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
            ReadOnlyMemory<char> text = default;
            while (cursor.MoveNext())
            {
                get(ref text);
                string value = text.ToString();
                if (!numbers.TryGetValue(value, out int g)) numbers[value] = g = numbers.Count;
                groups.Add(g);
            }
        }
        else
            throw new ArgumentException($"{source}: group column '{groupColumn}' is {column.Type}, expected a key or text column.");
        return [.. groups];
    }
}
