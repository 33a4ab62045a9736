using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace MLNetMarginLoss;

/// <summary>
/// Pretrained image backbones as ML.NET pipelines that turn image files into fixed feature vectors, for training a
/// margin head on top of a frozen network.
/// </summary>
public static class PretrainedBackbone
{
    /// <summary>The length of the <see cref="ResNet18"/> feature vector.</summary>
    public const int ResNet18FeatureSize = 512;

    /// <summary>The image side the ResNet-18 featurizer takes.</summary>
    public const int ResNet18ImageSize = 224;

    /// <summary>
    /// Where the featurizer looks for its two ONNX models: <c>DnnImageModels</c> beside the
    /// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> assembly, where that package's build step copies them (the app folder).
    /// </summary>
    public static string ResNet18ModelFolder
    {
        get
        {
            string assembly = typeof(ResNet18Extension).Assembly.Location;
            string folder = assembly.Length > 0 ? Path.GetDirectoryName(assembly)! : AppContext.BaseDirectory;
            return Path.Combine(folder, "DnnImageModels");
        }
    }

    /// <summary>Columns the featurizer's chain adds under its ONNX graphs' own names, dropped from the output.</summary>
    private static readonly string[] ResNet18InternalColumns = ["OriginalInput", "PreprocessedInput", "Input247", "Pooling395_Output_0"];

    /// <summary>
    /// The pipeline <c>LoadImages → ResizeImages(224, 224) → ExtractPixels → DnnFeaturizeImage(ResNet18)</c>: an
    /// ImageNet-trained ResNet-18 (from the <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> package, offline) maps
    /// each image to <paramref name="outputColumnName"/>, a <c>Vector&lt;Single, 512&gt;</c> of its global-average-pooled
    /// last convolutional features (non-negative, after ReLU). Intermediate columns are dropped; the featurizer
    /// itself names some of them (<c>OriginalInput</c>, <c>PreprocessedInput</c>, <c>Input247</c>,
    /// <c>Pooling395_Output_0</c>), so input columns of those names are lost.
    /// </summary>
    /// <remarks>
    /// <para>The pixels are extracted as the featurizer's own preprocessing model expects them, which is ML.NET's default:
    /// planar (<c>interleavePixelColors: false</c>), R, G, B planes, unscaled 0–255 values (no <c>scaleImage</c>, no offset).
    /// That model reorders the planes to B, G, R and subtracts its ImageNet mean image. Grey images are read as three
    /// equal planes. Images are resized with ML.NET's default <c>IsoCrop</c> (centre crop to the aspect ratio).</para>
    /// <para>The network's output is <c>Vector&lt;Single, 1, 512, 1, 1&gt;</c>; a custom mapping
    /// (<see cref="ResNet18Flattening"/>) flattens it. A fitted pipeline saves and loads with <c>mlContext.Model</c>,
    /// ML.NET finding that mapping again by its contract name.</para>
    /// </remarks>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="inputColumnName">The column of image paths (as <see cref="ImageFolder.Load"/> gives).</param>
    /// <param name="outputColumnName">The feature column to produce.</param>
    /// <param name="imageFolder">A folder the paths are relative to; null when they are full paths.</param>
    /// <exception cref="FileNotFoundException">The package's model files are not beside the app.</exception>
    public static EstimatorChain<ITransformer> ResNet18(MLContext mlContext, string inputColumnName = ImageFolder.ImagePathColumnName,
        string outputColumnName = InMemoryDataView.DefaultFeatureColumnName, string? imageFolder = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        foreach (var model in new[] { Path.Combine("ResNet18Onnx", "ResNet18.onnx"), Path.Combine("ResNetPrepOnnx", "ResNetPreprocess.onnx") })
        {
            string path = Path.Combine(ResNet18ModelFolder, model);
            if (!File.Exists(path))
                throw new FileNotFoundException(
                    $"{path}: ResNet-18 model file not found; the Microsoft.ML.DnnImageFeaturizer.ResNet18 package copies it beside the app when the app references MLNetMarginLoss.", path);
        }
        string image = outputColumnName + "Image", pixels = outputColumnName + "Pixels", pooled = outputColumnName + "Pooled";
        return new EstimatorChain<ITransformer>()
            .Append<ITransformer>(mlContext.Transforms.LoadImages(image, imageFolder, inputColumnName))
            .Append<ITransformer>(mlContext.Transforms.ResizeImages(image, ResNet18ImageSize, ResNet18ImageSize))
            .Append<ITransformer>(mlContext.Transforms.ExtractPixels(pixels, image,
                colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Rgb, orderOfExtraction: ImagePixelExtractingEstimator.ColorsOrder.ARGB,
                interleavePixelColors: false, offsetImage: 0f, scaleImage: 1f))
            .Append<ITransformer>(mlContext.Transforms.DnnFeaturizeImage(pooled,
                m => m.ModelSelector.ResNet18(mlContext, m.OutputColumn, m.InputColumn), pixels))
            // The network's output is Vector<Single, 1, 512, 1, 1>; ML.NET has no public reshape, so a custom mapping
            // flattens it to Vector<Single, 512> (Concatenate and type conversion both keep the dimensions of one column).
            .Append<ITransformer>(mlContext.Transforms.CopyColumns(ResNet18Flattening.InputColumnName, pooled))
            .Append<ITransformer>(mlContext.Transforms.CustomMapping(new ResNet18Flattening().GetMapping(), ResNet18Flattening.ContractName))
            .Append<ITransformer>(mlContext.Transforms.CopyColumns(outputColumnName, ResNet18Flattening.OutputColumnName))
            .Append<ITransformer>(mlContext.Transforms.DropColumns(
                [image, pixels, pooled, ResNet18Flattening.InputColumnName, ResNet18Flattening.OutputColumnName, .. ResNet18InternalColumns]));
    }
}
