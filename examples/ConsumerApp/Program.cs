// An application that only loads a trained model.zip and uses it: classify, embed and compare samples.
// It needs no training options, no labels and no data set: just the model file and feature vectors.
//   dotnet run -c Release --project src/MLNetMarginLoss.Cli -- train --data fashion-mnist --epochs 3 --out model.zip
//   dotnet run -c Release --project examples/ConsumerApp -- model.zip
using MLNetMarginLoss;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Embeddings;

string path = args.Length > 0 ? args[0] : "model.zip";
var ctx = new MarginContext();
var model = ctx.Model.Load(path);
Console.WriteLine($"loaded {path}: {model.Head.Kind} head, {model.ClassNames.Count} classes, {model.EmbeddingSize}-d embeddings, input {model.InputShape}");

// A few images from the test split stand in for the application's own inputs; their labels are dropped.
var inputs = DataSources.LoadFashionMnist(test: true, limit: 5).WithoutLabels();
var predictions = model.Transform(inputs);
for (int i = 0; i < predictions.Count; i++)
{
    var score = predictions.ScoreRow(i);
    Console.WriteLine($"sample {i}: {predictions.PredictedClassName(i),-12} p={score[predictions.PredictedLabel[i]]:F3}");
}

var extractor = ctx.Embeddings.CreateExtractor(model);
float[] a = extractor.Embed(inputs.Row(0)), b = extractor.Embed(inputs.Row(1));
var (similarity, same) = KnnModel.Verify(a, b, threshold: 0.5f);
Console.WriteLine($"sample 0 vs sample 1: cosine {similarity:F3} -> {(same ? "same class" : "different classes")} at threshold 0.5");
