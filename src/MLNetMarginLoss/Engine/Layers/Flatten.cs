namespace MLNetMarginLoss.Engine.Layers;

/// <summary>Views each (C,H,W) sample as a flat vector of C·H·W floats. No data is copied.</summary>
internal sealed class Flatten : Layer
{
    private TensorShape _inputShape;
    private Tensor? _view;
    private Tensor? _gradView;

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input) => TensorShape.Vector(input.Size);

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        _inputShape = input.Shape;
        _view = View(_view, input.Data, input.Rows, GetOutputShape(input.Shape));
        return _view;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        _gradView = View(_gradView, outputGradient.Data, RequiresInputGradient ? outputGradient.Rows : 0, _inputShape);
        return _gradView;
    }

    private static Tensor View(Tensor? cached, float[] data, int rows, TensorShape shape)
    {
        if (cached is not null && ReferenceEquals(cached.Data, data)) { cached.Reshape(rows, shape); return cached; }
        return new Tensor(data, rows, shape);
    }
}
