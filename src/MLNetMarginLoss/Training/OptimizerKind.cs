namespace MLNetMarginLoss;

/// <summary>The optimizers a trainer can use.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (L2 weight decay added to the gradient, as PyTorch's Adam).</summary>
    Adam,
    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
    /// <summary>SGD with optional momentum and Nesterov.</summary>
    Sgd,
    /// <summary>Adadelta (the seed tutorial's optimizer; learning rate 1.0 is usual).</summary>
    Adadelta,
}
