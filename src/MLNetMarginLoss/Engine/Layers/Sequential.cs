namespace MLNetMarginLoss.Engine.Layers;

/// <summary>Runs layers one after another; children are named "0", "1", … as in PyTorch.</summary>
internal sealed class Sequential : Layer
{
    private readonly List<Layer> _layers;
    private readonly (string, Layer)[] _children;

    /// <summary>Creates a container of <paramref name="layers"/>.</summary>
    public Sequential(params Layer[] layers) : this((IEnumerable<Layer>)layers) { }

    /// <summary>Creates a container of <paramref name="layers"/>.</summary>
    public Sequential(IEnumerable<Layer> layers)
    {
        _layers = layers.ToList();
        if (_layers.Count == 0) throw new ArgumentException("A Sequential needs at least one layer.");
        _children = _layers.Select((l, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), l)).ToArray();
        OnContextChanged();
        UpdateGradientFlags();
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, Layer Layer)> Children => _children;

    /// <inheritdoc />
    protected override void OnRequiresInputGradientChanged() => UpdateGradientFlags();

    // Only the first layer may skip its input gradient: later layers feed earlier layers' parameter gradients.
    private void UpdateGradientFlags()
    {
        if (_layers is null) return;
        for (int i = 0; i < _layers.Count; i++) _layers[i].RequiresInputGradient = i > 0 || RequiresInputGradient;
    }

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input)
    {
        foreach (var l in _layers) input = l.GetOutputShape(input);
        return input;
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        foreach (var l in _layers) input = l.Forward(input, training);
        return input;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        for (int i = _layers.Count - 1; i >= 0; i--) outputGradient = _layers[i].Backward(outputGradient);
        return outputGradient;
    }

    /// <inheritdoc />
    public override void Initialize(SeededRandom random)
    {
        foreach (var l in _layers) l.Initialize(random);
    }
}
