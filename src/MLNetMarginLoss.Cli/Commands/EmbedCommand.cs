using System.CommandLine;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.MLNet;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary>
/// <c>embed</c>: write L2-normalised embeddings as CSV (Label column when the data has labels, then e0…eN), computed by the
/// model's <see cref="EmbeddingExtractor"/> — the same values a saved extractor gives in any application.
/// </summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new Option<string>("--model") { Description = "A model .zip saved by train.", Required = true };
        var output = new Option<string>("--out") { Description = "CSV file to write.", DefaultValueFactory = _ => "embeddings.csv" };
        var flip = new Option<bool>("--flip-tta") { Description = "Images: also embed the mirrored image and average." };
        var command = new Command("embed", "Write the embeddings of a dataset as CSV.") { model, output, flip };
        data.AddTo(command);
        command.SetAction(result => CliErrors.Run(() =>
        {
            var m = ArcFaceTransformer.Load(result.GetValue(model)!);
            var input = data.Load(result, requireLabels: false);
            var ml = new MLContext(0);
            var view = input.ToDataView(ml, m.FeatureColumnName);
            const string column = "Embedding";
            var extractor = ml.Transforms.ExtractEmbeddings(m, m.FeatureColumnName, column, result.GetValue(flip)).Fit(view);
            var vectors = extractor.Transform(view).GetColumn<float[]>(column).ToArray();
            int dimension = extractor.EmbeddingSize;
            string path = result.GetValue(output)!;
            WriteAtomically(path, writer =>
            {
                var header = new List<string>();
                if (input.Labels is not null) header.Add("Label");
                header.AddRange(Enumerable.Range(0, dimension).Select(i => "e" + i.ToString(CultureInfo.InvariantCulture)));
                writer.WriteLine(string.Join(",", header));
                var line = new StringBuilder();
                for (int i = 0; i < vectors.Length; i++)
                {
                    line.Clear();
                    if (input.Labels is not null) line.Append(Quote(input.ClassNames[input.Labels[i]])).Append(',');
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

    /// <summary>Writes through a temporary file and renames it, so a failure never leaves a half-written file.</summary>
    internal static void WriteAtomically(string path, Action<TextWriter> write)
    {
        string full = Path.GetFullPath(path);
        string tmp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var writer = new StreamWriter(tmp, false, new UTF8Encoding(false))) write(writer);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
