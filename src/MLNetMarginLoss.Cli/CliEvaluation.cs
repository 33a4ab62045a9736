using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss.Cli;

/// <summary>
/// The metrics the train and evaluate commands print, computed through ML.NET on a model's scored output: ML.NET's
/// multiclass evaluator and this library's evaluators on IDataView (per-class report, k-NN against a gallery,
/// retrieval, verification, embedding angles). Returns the JSON line's values.
/// </summary>
internal static class CliEvaluation
{
    public static Dictionary<string, object?> Run(MLContext ml, ITransformer model, IDataView keyedData, IDataView? keyedGallery,
        int knnK, bool retrieval, int pairs, bool diagnostics)
    {
        var scored = ml.Data.Cache(model.Transform(keyedData));
        var values = new Dictionary<string, object?>();
        if (scored.Schema.GetColumnOrNull("Score") is null)
        {
            // An embedding model (its classifier did not fit in one ONNX graph): no Score to evaluate.
            Console.WriteLine("embedding model (no Score): k-NN and embedding metrics only");
            values["embeddingModel"] = true;
            values["chanceAccuracy"] = MajorityShare(scored);
        }
        else
        {
            var metrics = ml.MulticlassClassification.Evaluate(scored, labelColumnName: LabelKeys.Label);
            var report = ml.MulticlassClassification.ClassificationReport(scored, LabelKeys.Label);
            Console.WriteLine(report.ToText());
            Console.WriteLine($"MicroAccuracy: {metrics.MicroAccuracy:F4}, MacroAccuracy: {metrics.MacroAccuracy:F4}, LogLoss: {metrics.LogLoss:F4}, LogLossReduction: {metrics.LogLossReduction:F4}");
            values["accuracy"] = metrics.MicroAccuracy;
            values["macroAccuracy"] = metrics.MacroAccuracy;
            values["logLoss"] = metrics.LogLoss;
            values["logLossReduction"] = metrics.LogLossReduction;
            values["rows"] = report.TotalSupport;
            values["chanceAccuracy"] = ChanceAccuracy(metrics.ConfusionMatrix);
        }
        if (knnK > 0 && keyedGallery is null)
        {
            double accuracy = ml.MulticlassClassification.EvaluateKnnLeaveOneOut(scored, LabelKeys.Label, k: knnK);
            values["knnAccuracy"] = accuracy;
            values["knnK"] = knnK;
            Console.WriteLine($"k-NN accuracy (k={knnK}, leave-one-out): {accuracy:F4}");
        }
        else if (knnK > 0)
        {
            var gallery = ml.Data.Cache(model.Transform(keyedGallery));
            var knn = ml.MulticlassClassification.Trainers.KnnClassifier(LabelKeys.Label, "Embedding", knnK).Fit(gallery);
            var knnReport = ml.MulticlassClassification.EvaluateKnn(knn, scored, LabelKeys.Label);
            values["knnAccuracy"] = knnReport.Accuracy;
            values["knnK"] = knnK;
            Console.WriteLine($"k-NN accuracy (k={knnK}, gallery of {knn.GallerySize} rows): {knnReport.Accuracy:F4}");
        }
        if (retrieval)
        {
            var r = ml.MulticlassClassification.EvaluateRetrieval(scored, LabelKeys.Label);
            values["precisionAt1"] = r.PrecisionAt1;
            values["rPrecision"] = r.RPrecision;
            values["mapAtR"] = r.MapAtR;
            Console.WriteLine($"retrieval (leave-one-out): precision@1 {r.PrecisionAt1:F4}, R-precision {r.RPrecision:F4}, MAP@R {r.MapAtR:F4}");
        }
        if (pairs > 0)
        {
            var v = ml.MulticlassClassification.EvaluateVerification(scored, LabelKeys.Label, pairs: pairs);
            values["auc"] = v.Auc;
            values["eer"] = v.EqualErrorRate;
            values["verificationAccuracy"] = v.CrossValidation.MeanAccuracy;
            values["verificationAccuracyStd"] = v.CrossValidation.StandardDeviation;
            foreach (var (far, tar) in v.TrueAcceptRates) values[$"tarAtFar{far:0.####}"] = tar;
            Console.WriteLine($"verification ({v.PairCount} pairs): AUC {v.Auc:F4}, EER {v.EqualErrorRate:F4}, 10-fold accuracy {v.CrossValidation.MeanAccuracy:F4} ± {v.CrossValidation.StandardDeviation:F4}");
        }
        if (diagnostics)
        {
            var g = ml.MulticlassClassification.EvaluateEmbeddings(scored, LabelKeys.Label);
            values["meanIntraClassAngle"] = g.MeanIntraClassAngle;
            values["minInterClassCenterAngle"] = g.MinInterClassCenterAngle;
            Console.WriteLine($"embeddings: mean intra-class angle {g.MeanIntraClassAngle:F1}°, min angle between class centres {g.MinInterClassCenterAngle:F1}°");
        }
        return values;
    }

    /// <summary>The accuracy of always answering the most frequent true class (rows of ML.NET's confusion matrix): the chance level.</summary>
    /// <summary>The most frequent label's share of the rows: the accuracy of always guessing it.</summary>
    private static double MajorityShare(IDataView keyed)
    {
        var counts = new Dictionary<uint, long>();
        long total = 0;
        foreach (uint key in keyed.GetColumn<uint>(LabelKeys.Label))
        {
            counts[key] = counts.GetValueOrDefault(key) + 1;
            total++;
        }
        return total > 0 ? (double)counts.Values.Max() / total : 0;
    }

    private static double ChanceAccuracy(Microsoft.ML.Data.ConfusionMatrix matrix)
    {
        var rows = matrix.Counts.Select(row => row.Sum()).ToArray();
        double total = rows.Sum();
        return total > 0 ? rows.Max() / total : 0;
    }
}
