namespace MLNetMarginLoss.Engine;

/// <summary>
/// A trainable array and its gradient. Layers write <see cref="Gradient"/> in <c>Backward</c>
/// (overwriting, not accumulating); optimizers read it and update <see cref="Value"/>.
/// </summary>
internal sealed class Parameter
{
    /// <summary>Creates a zero-initialised parameter with the given dimensions (PyTorch layout, e.g. [out, in]).</summary>
    public Parameter(string name, params int[] dims)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (dims.Length == 0 || dims.Any(d => d <= 0))
            throw new ArgumentException($"Parameter '{name}' needs positive dimensions, got [{string.Join(",", dims)}].");
        Name = name;
        Dims = dims;
        int n = 1;
        foreach (var d in dims) n = checked(n * d);
        Value = new float[n];
        Gradient = new float[n];
    }

    /// <summary>Local name inside its layer ("weight", "bias", …).</summary>
    public string Name { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public int[] Dims { get; }

    /// <summary>Number of elements.</summary>
    public int Length => Value.Length;

    /// <summary>The values.</summary>
    public float[] Value { get; }

    /// <summary>The gradient of the loss with respect to <see cref="Value"/>, written by the last backward pass.</summary>
    public float[] Gradient { get; }

    /// <summary>When true, optimizers leave this parameter unchanged (fine-tuning with frozen layers).</summary>
    public bool Frozen { get; set; }

    /// <summary>Exempt from weight decay (biases and normalisation parameters by convention).</summary>
    public bool NoWeightDecay { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}[{string.Join("×", Dims)}]";
}
