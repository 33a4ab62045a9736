namespace MLNetMarginLoss;

/// <summary>
/// What the optimizer does with the class centres a Partial FC step did not sample (<see cref="ArcFaceTrainer.Options.SampleRate"/> &lt; 1).
/// </summary>
public enum SampledCentreUpdates
{
    /// <summary>
    /// Only the sampled centres are updated. An unsampled centre keeps its value and its optimizer state: no weight
    /// decay, no momentum carried forward (SGD), its moments (Adam, AdamW) and accumulators (Adadelta) frozen, its own
    /// step count (Adam's bias correction) not advanced — insightface's first Partial FC with its memory bank, TensorFlow's
    /// LazyAdam. Optimizer work per step ∝ the sampled rows. With Adam, learning lags the full head (a sampled row moves
    /// only when sampled): measured in the README.
    /// </summary>
    Lazy,

    /// <summary>
    /// Every centre is updated at every step, the unsampled ones with a zero gradient, as a dense optimizer over the
    /// whole weight does (insightface's partial_fc_v2 with SGD): momentum, Adam's moments and weight decay keep acting on
    /// them. Matches the full head's accuracy where lazy updates lag; optimizer work per step ∝ all C·K rows.
    /// </summary>
    Dense,
}
