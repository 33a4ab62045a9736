using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>
/// Runs test/MLNetMarginLoss.ModelConsumer — an application that references only Microsoft.ML,
/// Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime, from its own build folder, which holds no assembly of this
/// library — as a separate process over saved models, and returns what it saw for each one and its stderr.
/// </summary>
internal static class ModelConsumerProcess
{
    /// <summary>What the consumer read from one model.</summary>
    public sealed class Output(JsonElement root)
    {
        private JsonElement Column(string column) => root.GetProperty("columns").GetProperty(column);

        /// <summary>Whether the model's output has <paramref name="column"/>.</summary>
        public bool HasColumn(string column) => root.GetProperty("columns").TryGetProperty(column, out _);

        /// <summary>The output column's type as ML.NET prints it (e.g. "Vector&lt;Single, 10&gt;", "Key&lt;UInt32, 0-9&gt;").</summary>
        public string Type(string column) => Column(column).GetProperty("type").GetString()!;

        /// <summary>A Single-vector column, row by row.</summary>
        public float[][] Vectors(string column) => Values(column).Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

        /// <summary>A key column's key numbers (0 = missing).</summary>
        public uint[] Keys(string column) => Values(column).Select(v => v.GetUInt32()).ToArray();

        /// <summary>A scalar column's values as JSON (numbers, strings, booleans).</summary>
        public JsonElement[] Values(string column) => Column(column).GetProperty("values").EnumerateArray().ToArray();

        /// <summary>A key column's values as the text of its KeyValues, or a text column's values (null for key 0).</summary>
        public string?[] Texts(string column)
        {
            if (!Type(column).StartsWith("Key<", StringComparison.Ordinal)) return Values(column).Select(v => v.ToString()).ToArray();
            var names = KeyValues(column).Select(v => v.ToString()).ToArray();
            return Keys(column).Select(k => k == 0 ? null : names[k - 1]).ToArray();
        }

        /// <summary>A key column's KeyValues annotation, typed as JSON.</summary>
        public JsonElement[] KeyValues(string column) => Column(column).GetProperty("keyValues").GetProperty("values").EnumerateArray().ToArray();

        /// <summary>The type of a key column's KeyValues annotation (e.g. "Vector&lt;Single, 10&gt;").</summary>
        public string KeyValuesType(string column) => Column(column).GetProperty("keyValues").GetProperty("type").GetString()!;

        /// <summary>A vector column's SlotNames, or null when it has none.</summary>
        public string[]? SlotNames(string column) => Column(column).TryGetProperty("slotNames", out var s)
            ? s.GetProperty("values").EnumerateArray().Select(v => v.GetString()!).ToArray() : null;

        /// <summary>The names of the columns of the model's saved input schema.</summary>
        public string[] InputSchema => root.GetProperty("inputSchema").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();

        /// <summary>ML.NET's metric computed by the consumer (when it had labels).</summary>
        public double Metric(string name) => root.GetProperty("metrics").GetProperty(name).GetDouble();

        /// <summary>The PredictionEngine run <paramref name="name"/> ("withoutLabel", "withTextLabel"): its error, or its predictions.</summary>
        public (string? Error, string[] PredictedLabel, float[][] Score) Engine(string name)
        {
            var run = root.GetProperty("engine").GetProperty(name);
            if (run.TryGetProperty("error", out var error)) return (error.GetString(), [], []);
            return (null, run.GetProperty("PredictedLabel").EnumerateArray().Select(v => v.GetString()!).ToArray(),
                run.GetProperty("Score").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray());
        }

        /// <summary>Rows scored per second through the reloaded model (one cursor pass over every output column).</summary>
        public double RowsPerSecond => root.GetProperty("rowsPerSecond").GetDouble();

        /// <summary>Assemblies of this library the consumer process had loaded (must be none).</summary>
        public string[] LibraryAssemblies => root.GetProperty("libraryAssemblies").EnumerateArray().Select(v => v.GetString()!).ToArray();
    }

    /// <summary>The outputs, one per model, and everything the consumer wrote to stderr (ONNX Runtime's warnings go there).</summary>
    public sealed record Result(Output[] Outputs, string StdErr);

    /// <summary>Path of the consumer's entry assembly (built by the test project's build, in its own folder).</summary>
    public static string AssemblyPath
    {
        get
        {
            string dll = typeof(ModelConsumerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ModelConsumer").Value!;
            if (!File.Exists(dll)) throw new FileNotFoundException("The model consumer was not built next to the tests' project.", dll);
            if (File.Exists(Path.Combine(Path.GetDirectoryName(dll)!, "MLNetMarginLoss.dll")))
                throw new InvalidOperationException("The consumer's folder holds MLNetMarginLoss.dll; it must run without this library.");
            return dll;
        }
    }

    /// <summary>Scores <paramref name="data"/>'s rows (with their class names as a text Label when <paramref name="withLabels"/>) with every model.</summary>
    public static Output[] Run(Dataset data, bool withLabels, params string[] models) =>
        Run(Enumerable.Range(0, data.Count).Select(i => data.Row(i).ToArray()).ToArray(), withLabels ? TestViews.LabelNames(data) : null, new Options(), models).Outputs;

    /// <summary>The consumer's options.</summary>
    /// <param name="Features">The feature column's name (default: the saved input schema's vector of Single).</param>
    /// <param name="Label">The label column's name. Default "Label".</param>
    /// <param name="Engine">Also predict through the two PredictionEngines of the user report (no label, a string label).</param>
    public sealed record Options(string? Features = null, string Label = "Label", bool Engine = false);

    /// <summary>
    /// Scores <paramref name="rows"/> with every model; <paramref name="labels"/> is null (no label column), a
    /// <c>string[]</c> (a text Label) or a <c>float[]</c> (a Single Label).
    /// </summary>
    public static Result Run(IReadOnlyList<float[]> rows, Array? labels, Options options, params string[] models)
    {
        string dir = Directory.CreateTempSubdirectory("mlnet-margin-consumer-").FullName;
        try
        {
            string input = Path.Combine(dir, "input.bin");
            using (var w = new BinaryWriter(File.Create(input)))
            {
                w.Write(rows.Count);
                w.Write(rows.Count == 0 ? 0 : rows[0].Length);
                w.Write(labels switch { null => 0, string[] => 1, float[] => 2, _ => throw new ArgumentException("Labels are string[] or float[].", nameof(labels)) });
                foreach (var row in rows) foreach (var value in row) w.Write(value);
                if (labels is string[] text)
                    foreach (var name in text)
                    {
                        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
                        w.Write(bytes.Length);
                        w.Write(bytes);
                    }
                if (labels is float[] single) foreach (var v in single) w.Write(v);
            }
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(AssemblyPath);
            psi.ArgumentList.Add(input);
            if (options.Features is { } f) { psi.ArgumentList.Add("--features"); psi.ArgumentList.Add(f); }
            psi.ArgumentList.Add("--label");
            psi.ArgumentList.Add(options.Label);
            if (options.Engine) psi.ArgumentList.Add("--engine");
            var outputs = models.Select((m, i) => Path.Combine(dir, $"out{i}.json")).ToArray();
            for (int i = 0; i < models.Length; i++) { psi.ArgumentList.Add(models[i]); psi.ArgumentList.Add(outputs[i]); }
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            Assert.AreEqual(0, p.ExitCode, $"the consumer failed: {stderr.Result}{stdout.Result}");
            return new Result(outputs.Select(o => new Output(JsonDocument.Parse(File.ReadAllBytes(o)).RootElement.Clone())).ToArray(), stderr.Result);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
