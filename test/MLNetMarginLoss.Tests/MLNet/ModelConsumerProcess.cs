using System.Diagnostics;
using System.Text.Json;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>
/// Runs test/MLNetMarginLoss.ModelConsumer — an application that references only Microsoft.ML,
/// Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime — as a separate process over saved models, and returns
/// what it saw for each one.
/// </summary>
internal static class ModelConsumerProcess
{
    /// <summary>What the consumer read from one model.</summary>
    public sealed class Output(JsonElement root)
    {
        /// <summary>A Single-vector column, row by row.</summary>
        public float[][] Vectors(string column) => root.GetProperty(column).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

        /// <summary>A key or text column as text (null for key 0).</summary>
        public string?[] Texts(string column) => root.GetProperty(column).EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null : v.GetString()).ToArray();

        /// <summary>A key column's KeyValues.</summary>
        public string[] KeyValues(string column) => root.GetProperty(column + ".KeyValues").EnumerateArray().Select(v => v.GetString()!).ToArray();

        /// <summary>ML.NET's metric computed by the consumer (when it had labels).</summary>
        public double Metric(string name) => root.GetProperty("metrics").GetProperty(name).GetDouble();

        /// <summary>Assemblies of this library the consumer process had loaded (must be none).</summary>
        public string[] LibraryAssemblies => root.GetProperty("libraryAssemblies").EnumerateArray().Select(v => v.GetString()!).ToArray();
    }

    /// <summary>Path of the consumer's entry assembly (built beside the test project).</summary>
    public static string AssemblyPath
    {
        get
        {
            // test/MLNetMarginLoss.Tests/bin/<Configuration>/<tfm>/ → test/MLNetMarginLoss.ModelConsumer/bin/<Configuration>/<tfm>/
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string tfm = here.Name, configuration = here.Parent!.Name;
            var testRoot = here.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(testRoot, "MLNetMarginLoss.ModelConsumer", "bin", configuration, tfm, "MLNetMarginLoss.ModelConsumer.dll");
        }
    }

    /// <summary>Scores <paramref name="data"/>'s rows with every model in the consumer process.</summary>
    public static Output[] Run(Dataset data, bool withLabels, params string[] models)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mlnet-margin-consumer-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string input = Path.Combine(dir, "input.bin");
            using (var w = new BinaryWriter(File.Create(input)))
            {
                w.Write(data.Count);
                w.Write(data.RowSize);
                w.Write(withLabels ? 1 : 0);
                foreach (var f in data.Features) w.Write(f);
                if (withLabels)
                    foreach (var name in TestViews.LabelNames(data))
                    {
                        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
                        w.Write(bytes.Length);
                        w.Write(bytes);
                    }
            }
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(AssemblyPath);
            psi.ArgumentList.Add(input);
            var outputs = models.Select((m, i) => Path.Combine(dir, $"out{i}.json")).ToArray();
            for (int i = 0; i < models.Length; i++) { psi.ArgumentList.Add(models[i]); psi.ArgumentList.Add(outputs[i]); }
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            Assert.AreEqual(0, p.ExitCode, $"the consumer failed: {stderr.Result}{stdout.Result}");
            return outputs.Select(o => new Output(JsonDocument.Parse(File.ReadAllText(o)).RootElement.Clone())).ToArray();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
