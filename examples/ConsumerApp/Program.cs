// An application that only uses a trained model: it references Microsoft.ML, Microsoft.ML.OnnxTransformer and
// Microsoft.ML.OnnxRuntime, and nothing of MLNetMarginLoss. It loads the standard ML.NET model the command-line tool
// writes, predicts with a PredictionEngine and prints class names, confidences, and the cosine similarity of two
// images' embeddings (verification without the library: the Embedding column is L2-normalised, so it is a dot product).
//
//   dotnet run -c Release --project src/MLNetMarginLoss.Cli -- train --data fashion-mnist --limit 20000 --encoder cnn --epochs 3 --out artifacts/model.zip
//   dotnet run -c Release --project examples/ConsumerApp -- [--model artifacts/model.zip] [--count 1000] [--show 10]
//       [--images /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz] [--labels …/t10k-labels-idx1-ubyte.gz]
//
// The model's input is a Features column, Vector<Single, 1, 28, 28>, pixel values byte / 255; its outputs are Score
// (one probability per class, in class order), PredictedLabel (a key whose values are the class names) and
// Embedding. The app reads the first --count images of an IDX file (here the Fashion-MNIST test split), prints one line
// for each of the first --show (true class, predicted class, probability), the accuracy over all of them, and the cosine
// similarity of the first two images' embeddings.
using System.IO.Compression;
using Examples;
using Microsoft.ML;
using Microsoft.ML.Data;

var arguments = ExampleArgs.Parse(args, "ConsumerApp: loads a model.zip written by `mlnet-margin train --out` and predicts, without MLNetMarginLoss.",
    new("model", "artifacts/model.zip", "the model (.zip) to load"),
    new("images", "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "an IDX file of 28 × 28 images (raw or .gz)"),
    new("labels", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", "its IDX labels file (raw or .gz)"),
    new("count", "1000", "how many images to classify"),
    new("show", "10", "how many of them to print"));

var ml = new MLContext(seed: 0);
ITransformer model = ml.Model.Load(arguments.String("model"), out _);

// The class names travel with the model, as the key values of its PredictedLabel column (in the order of Score).
var schemaSource = ml.Data.LoadFromEnumerable(new List<ImageInput>());
var outputSchema = model.GetOutputSchema(schemaSource.Schema);
var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
outputSchema["PredictedLabel"].GetKeyValues(ref keyValues);
string[] classNames = [.. keyValues.DenseValues().Select(n => n.ToString())];
Console.WriteLine($"loaded {arguments.String("model")}: {classNames.Length} classes ({string.Join(", ", classNames)}), " +
    $"{((VectorDataViewType)outputSchema["Embedding"].Type).Size}-d embeddings");

// PredictedLabel is a key; ML.NET's MapKeyToValue turns it into the class name.
var toName = ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel").Fit(model.Transform(schemaSource));
var engine = ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(model.Append(toName));

var (images, labels) = ReadIdx(arguments.String("images"), arguments.String("labels"), arguments.Int("count"));
int correct = 0;
var embeddings = new List<float[]>();
for (int i = 0; i < images.Length; i++)
{
    var p = engine.Predict(images[i]);
    string truth = classNames[labels[i]];   // the tool keeps Fashion-MNIST's class order: label i is class i
    if (p.PredictedClass == truth) correct++;
    embeddings.Add(p.Embedding);
    if (i < arguments.Int("show"))
        Console.WriteLine($"image {i,3}: {truth,-12} predicted {p.PredictedClass,-12} p = {p.Score.Max():F3}{(p.PredictedClass == truth ? "" : "   ✗")}");
}
Console.WriteLine($"accuracy on these {images.Length} images: {correct / (double)images.Length:F3}");
if (embeddings.Count >= 2)
{
    float cosine = embeddings[0].Zip(embeddings[1]).Sum(t => t.First * t.Second);
    Console.WriteLine($"cosine similarity of images 0 and 1 ({classNames[labels[0]]}, {classNames[labels[1]]}): {cosine:F3}");
}

// The first `count` images (byte / 255) and labels of an IDX images file and its labels file.
static (ImageInput[] Images, int[] Labels) ReadIdx(string imagesPath, string labelsPath, int count)
{
    using var images = Open(imagesPath);
    using var labels = Open(labelsPath);
    int n = Math.Min(count, Header(images, 0x803, 3)[0]);
    if (Header(labels, 0x801, 1)[0] < n) throw new InvalidDataException($"{labelsPath} has fewer labels than {imagesPath} has images.");
    var result = new ImageInput[n];
    var labelValues = new int[n];
    var pixels = new byte[28 * 28];
    for (int i = 0; i < n; i++)
    {
        images.ReadExactly(pixels);
        result[i] = new ImageInput { Features = [.. pixels.Select(b => b / 255f)] };
        labelValues[i] = labels.ReadByte();
    }
    return (result, labelValues);

    static Stream Open(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
        ? new BufferedStream(new GZipStream(File.OpenRead(path), CompressionMode.Decompress)) : File.OpenRead(path);

    static int[] Header(Stream s, int magic, int dimensions)
    {
        var values = new int[dimensions + 1];
        var word = new byte[4];
        for (int i = 0; i < values.Length; i++)
        {
            s.ReadExactly(word);
            values[i] = word[0] << 24 | word[1] << 16 | word[2] << 8 | word[3];
        }
        if (values[0] != magic) throw new InvalidDataException($"not an IDX file of {dimensions} dimension(s) (magic 0x{values[0]:X}).");
        if (dimensions == 3 && (values[2] != 28 || values[3] != 28)) throw new InvalidDataException($"expected 28 × 28 images, found {values[2]} × {values[3]}.");
        return values[1..];
    }
}

/// <summary>The model's input: one grey 28 × 28 image, values in [0, 1].</summary>
internal sealed class ImageInput
{
    [VectorType(1, 28, 28)]
    public float[] Features { get; set; } = [];
}

/// <summary>What the app reads back: the class name, the per-class probabilities and the embedding.</summary>
internal sealed class ImagePrediction
{
    public string PredictedClass { get; set; } = "";
    public float[] Score { get; set; } = [];
    public float[] Embedding { get; set; } = [];
}
