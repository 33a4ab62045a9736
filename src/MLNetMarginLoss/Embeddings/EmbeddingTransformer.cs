using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.MLNet;
using MLNetMarginLoss.Onnx;

namespace MLNetMarginLoss;

/// <summary>
/// The transformer <see cref="EmbeddingExtractor"/> returns: a trained model's encoder alone. <see cref="Transform"/>
/// adds <see cref="OutputColumnName"/>, a Vector&lt;Single, <see cref="EmbeddingSize"/>&gt; of L2-normalised embeddings
/// of <see cref="InputColumnName"/> (with <see cref="FlipTestTimeAugmentation"/>: the normalised sum of the sample's and
/// its mirror image's unit embeddings). Other columns pass through.
/// <para>
/// Underneath it is a chain of ML.NET's own transformers (the encoder as an ONNX graph in an OnnxTransformer, plus a
/// copy and a drop when the output replaces the input column), so <c>mlContext.Model.Save</c> writes a standard ML.NET
/// model that an application referencing only Microsoft.ML, Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime
/// loads with <c>mlContext.Model.Load</c>, and <see cref="Transform"/> gives exactly what that loaded model gives.
/// </para>
/// <para>Dispose it to release the ONNX Runtime session and the temporary copy of its graph (see <see cref="ArcFaceTransformer"/>).</para>
/// </summary>
public sealed class EmbeddingTransformer : ITransformer, IDisposable
{
    private readonly ITransformer _chain;
    private readonly OnnxModelFile _onnxFile;

    private readonly bool _ownsModel;

    internal EmbeddingTransformer(ArcFaceTransformer model, string inputColumnName, string outputColumnName, bool flipTestTimeAugmentation, bool ownsModel = false)
    {
        _ownsModel = ownsModel;
        Model = model;
        InputColumnName = inputColumnName;
        OutputColumnName = outputColumnName;
        FlipTestTimeAugmentation = flipTestTimeAugmentation;
        var network = model.Network;
        // ONNX names a graph's input and output apart: an in-place extractor writes a helper column, then copies it over the input.
        string graphOutput = inputColumnName == outputColumnName ? outputColumnName + ".Embedding" : outputColumnName;
        var metadata = new Dictionary<string, string>
        {
            ["mlnet-margin.component"] = nameof(EmbeddingExtractor),
            ["mlnet-margin.flip"] = flipTestTimeAugmentation ? "true" : "false",
        };
        _onnxFile = OnnxModelFile.Write(EmbeddingGraph.Build(network, inputColumnName, graphOutput, flipTestTimeAugmentation, metadata).ToByteArray());
        var ml = new MLContext(seed: 0);
        IEstimator<ITransformer> estimator = ml.Transforms.ApplyOnnxModel([graphOutput], [inputColumnName], _onnxFile.Path);
        if (graphOutput != outputColumnName)
            estimator = estimator.Append(ml.Transforms.CopyColumns(outputColumnName, graphOutput)).Append(ml.Transforms.DropColumns(graphOutput));
        _chain = estimator.Fit(PredictionChain.EmptyInput(ml, inputColumnName, network.InputShape.Size));
    }

    /// <summary>The temporary copy of the graph that the chain reads (deleted by <see cref="Dispose"/>).</summary>
    internal string OnnxFilePath => _onnxFile.Path;

    /// <summary>The trained model whose encoder this is.</summary>
    public ArcFaceTransformer Model { get; }

    /// <summary>The feature column read (a known-size vector of Single, as many values as the model's input).</summary>
    public string InputColumnName { get; }

    /// <summary>The embedding column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>Whether the mirror image of every sample is embedded too (summed with the sample's, then normalised).</summary>
    public bool FlipTestTimeAugmentation { get; }

    /// <summary>Dimension of the output column.</summary>
    public int EmbeddingSize => Model.EmbeddingSize;

    /// <inheritdoc />
    public bool IsRowToRowMapper => _chain.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        EmbeddingExtractor.CheckInput(inputSchema, InputColumnName, Model);
        return _chain.GetOutputSchema(inputSchema);
    }

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        EmbeddingExtractor.CheckInput(inputSchema, InputColumnName, Model);
        return _chain.GetRowToRowMapper(inputSchema);
    }

    /// <summary>Adds the embedding column to <paramref name="input"/> (lazily, as ML.NET transformers do).</summary>
    /// <exception cref="ArgumentException">The input column is missing, not a vector of Single, or of another size than the model's input.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        EmbeddingExtractor.CheckInput(input.Schema, InputColumnName, Model);
        return _chain.Transform(input);
    }

    /// <summary>Saves the transformer as ML.NET's built-in transformers (ONNX inside an OnnxTransformer).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => _chain.Save(ctx);

    /// <summary>
    /// Releases the ONNX Runtime session and deletes the temporary copy of the graph; also disposes <see cref="Model"/>
    /// when it was read from a file for this transformer (<c>ExtractEmbeddings(modelPath)</c>), not a model you passed in.
    /// </summary>
    public void Dispose()
    {
        (_chain as IDisposable)?.Dispose();
        _onnxFile.Dispose();
        if (_ownsModel) Model.Dispose();
    }
}
