namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// A differentiable building block with an explicit backward pass.
/// <para>
/// Contract: <see cref="Forward"/> caches only what <see cref="Backward"/> needs and returns a tensor the
/// layer owns (reused across calls, so callers must not keep it past the next call). <see cref="Backward"/>
/// receives the gradient of the loss with respect to the last forward output, overwrites every parameter's
/// <see cref="Parameter.Gradient"/>, and returns the gradient with respect to the last forward input
/// (skipped, returning an empty tensor, when <see cref="RequiresInputGradient"/> is false).
/// </para>
/// </summary>
internal abstract class Layer
{
    private ComputeContext _context = ComputeContext.Default;

    /// <summary>The kernels this layer runs on. Containers pass theirs to their children.</summary>
    public ComputeContext Context
    {
        get => _context;
        set { _context = value ?? throw new ArgumentNullException(nameof(value)); OnContextChanged(); }
    }

    /// <summary>
    /// When false, <see cref="Backward"/> need not compute the input gradient (the first layer of a
    /// network, or a frozen prefix) and returns an empty tensor. Parameter gradients are still computed.
    /// </summary>
    public bool RequiresInputGradient
    {
        get => _requiresInputGradient;
        set { _requiresInputGradient = value; OnRequiresInputGradientChanged(); }
    }

    private bool _requiresInputGradient = true;

    /// <summary>Called after <see cref="RequiresInputGradient"/> changes; containers update their children.</summary>
    protected virtual void OnRequiresInputGradientChanged() { }

    /// <summary>The output sample shape for a given input sample shape; throws when the input does not fit.</summary>
    public abstract TensorShape GetOutputShape(TensorShape input);

    /// <summary>Computes the output for a batch. <paramref name="training"/> enables dropout and batch statistics.</summary>
    public abstract Tensor Forward(Tensor input, bool training);

    /// <summary>Back-propagates <paramref name="outputGradient"/> through the last forward pass.</summary>
    public abstract Tensor Backward(Tensor outputGradient);

    /// <summary>Trainable parameters, in a stable order.</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Non-trainable state saved with the model (e.g. batch-norm running statistics), in a stable order.</summary>
    public virtual IReadOnlyList<Parameter> Buffers => [];

    /// <summary>Child layers with their names, for containers; empty for leaves.</summary>
    public virtual IReadOnlyList<(string Name, Layer Layer)> Children => [];

    /// <summary>Re-initialises parameters from <paramref name="random"/> (and seeds any internal randomness such as dropout masks).</summary>
    public virtual void Initialize(SeededRandom random) { }

    /// <summary>
    /// Re-seeds the layer's training-time randomness (dropout masks) without touching its parameters, so a trainer
    /// can derive it from (seed, epoch) and a resumed run continues exactly. The default forwards to the children.
    /// </summary>
    public virtual void SeedRandomness(SeededRandom random)
    {
        foreach (var (_, child) in Children) child.SeedRandomness(random);
    }

    /// <summary>Called after <see cref="Context"/> changes; containers forward it to children.</summary>
    protected virtual void OnContextChanged()
    {
        foreach (var (_, child) in Children) child.Context = _context;
    }

    /// <summary>
    /// Every parameter and buffer below this layer with its hierarchical name ("0.weight", "3.running_mean"),
    /// as in a PyTorch state dict. Used by persistence and by optimizers.
    /// </summary>
    public IEnumerable<(string Name, Parameter Parameter, bool IsBuffer)> NamedState(string prefix = "")
    {
        foreach (var p in Parameters) yield return (prefix + p.Name, p, false);
        foreach (var b in Buffers) yield return (prefix + b.Name, b, true);
        foreach (var (name, child) in Children)
            foreach (var item in child.NamedState(prefix + name + "."))
                yield return item;
    }

    /// <summary>All trainable parameters below this layer, children included.</summary>
    public IEnumerable<Parameter> AllParameters() => NamedState().Where(s => !s.IsBuffer).Select(s => s.Parameter);

    /// <summary>Throws a clear error when the input's sample shape is not the one this layer expects.</summary>
    protected static void ExpectShape(string layer, TensorShape expected, TensorShape actual)
    {
        if (expected != actual)
            throw new ArgumentException($"{layer} expects input samples of shape {expected}, got {actual}.");
    }

    /// <summary>Throws unless the gradient has the same batch size and shape as the last output.</summary>
    protected static void ExpectGradient(string layer, Tensor output, Tensor gradient)
    {
        if (gradient.Rows != output.Rows || gradient.Shape != output.Shape)
            throw new ArgumentException($"{layer}: output gradient {gradient} does not match the last output {output}.");
    }
}
