using System.CommandLine;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Persistence;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary>
/// <c>embed</c>: writes the L2-normalised embeddings of a data set as CSV (a Label column when the data has labels, then
/// e0…eN): the model's Embedding column, through mlContext.Model.Load; with <c>--flip-tta</c>, through
/// <c>mlContext.Transforms.ExtractEmbeddings</c> with flip test-time augmentation.
/// </summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new Option<string>("--model") { Description = "A model .zip saved by train.", Required = true };
        var output = new Option<string>("--out") { Description = "CSV file to write.", DefaultValueFactory = _ => "embeddings.csv" };
        var flip = new Option<bool>("--flip-tta") { Description = "Images: also embed the mirrored image and average." };
        var command = new Command("embed", "Write the embeddings of a data set as CSV.") { model, output, flip };
        data.AddTo(command);
        command.SetAction(result => CliErrors.Run(() =>
        {
            string path = result.GetValue(output)!, modelPath = result.GetValue(model)!;
            AtomicFile.CheckDestination(path);
            data.Validate(result);
            var ml = new MLContext(seed: 0);
            var raw = data.Load(ml, result);
            bool labelled = raw.Schema.GetColumnOrNull(LabelKeys.Label) is not null;
            if (result.GetValue(flip) && raw.Schema.GetColumnOrNull("Features") is null)
                throw new ArgumentException("--flip-tta works on data with a Features column (IDX or CSV images), not on an image folder.");
            using var embedder = result.GetValue(flip)
                ? new TransformerChain<ITransformer>(ml.Transforms.ExtractEmbeddings(modelPath, flipTestTimeAugmentation: true).Fit(raw))
                : SavedModel.Load(ml, modelPath);
            var scored = embedder.Transform(raw);
            var vectors = scored.GetColumn<float[]>("Embedding").ToArray();
            var labels = labelled ? LabelKeys.AsText(ml, raw).GetColumn<string>(LabelKeys.Label).ToArray() : null;
            int dimension = vectors.Length > 0 ? vectors[0].Length : 0;
            AtomicFile.Write(path, stream =>
            {
                using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
                var header = new List<string>();
                if (labels is not null) header.Add("Label");
                header.AddRange(Enumerable.Range(0, dimension).Select(i => "e" + i.ToString(CultureInfo.InvariantCulture)));
                writer.WriteLine(string.Join(",", header));
                var line = new StringBuilder();
                for (int i = 0; i < vectors.Length; i++)
                {
                    line.Clear();
                    if (labels is not null) line.Append(Quote(labels[i])).Append(',');
                    var row = vectors[i];
                    for (int j = 0; j < row.Length; j++)
                    {
                        if (j > 0) line.Append(',');
                        line.Append(row[j].ToString("R", CultureInfo.InvariantCulture));
                    }
                    writer.WriteLine(line);
                }
            });
            Console.WriteLine($"wrote {vectors.Length} embeddings of {dimension} dimensions to {Path.GetFullPath(path)}");
            return 0;
        }));
        return command;
    }

    private static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
