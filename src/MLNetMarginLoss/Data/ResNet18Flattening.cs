using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNetMarginLoss;

/// <summary>Flattens ResNet-18's Vector&lt;Single, 1, 512, 1, 1&gt; output to Vector&lt;Single, 512&gt;; saved models find it by its contract name.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class ResNet18Flattening : CustomMappingFactory<ResNet18Flattening.Pooled, ResNet18Flattening.Flat>
{
    /// <summary>The name saved models know this mapping by.</summary>
    public const string ContractName = "MLNetMarginLoss.ResNet18Flattening";

    internal const string InputColumnName = "ResNet18Flattening.Input";
    internal const string OutputColumnName = "ResNet18Flattening.Output";

    /// <summary>The network's pooled output.</summary>
    public sealed class Pooled
    {
        /// <summary>1 × 512 × 1 × 1 values.</summary>
        [ColumnName(InputColumnName), VectorType(1, PretrainedBackbone.ResNet18FeatureSize, 1, 1)]
        public float[] Values { get; set; } = [];
    }

    /// <summary>The same values as a flat vector.</summary>
    public sealed class Flat
    {
        /// <summary>512 values.</summary>
        [ColumnName(OutputColumnName), VectorType(PretrainedBackbone.ResNet18FeatureSize)]
        public float[] Values { get; set; } = [];
    }

    /// <inheritdoc />
    public override Action<Pooled, Flat> GetMapping() => static (input, output) => output.Values = (float[])input.Values.Clone();
}
