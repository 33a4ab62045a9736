using MLNetMarginLoss.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Optimizers;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Training;

/// <summary>
/// What a backend does for the one training loop (<see cref="TrainingLoop"/>): run a training step on a batch of rows,
/// report the batches' losses, evaluate, embed, and move the weights and optimizer state to and from the engine
/// objects that hold them between steps (<see cref="Encoder"/> and <see cref="Head"/>, which the loop built and
/// initialised). Everything else — epochs, shuffles, warm-up, schedule, validation, early stopping, checkpoints, outlier
/// dropping, progress, divergence checks — is the loop's, the same for every backend.
/// </summary>
internal abstract class TrainingSession : IDisposable
{
    /// <summary>A session over the loop's engine objects.</summary>
    protected TrainingSession(TrainingSetup setup) => Setup = setup;

    /// <summary>The run's settings, data and engine objects.</summary>
    public TrainingSetup Setup { get; }

    /// <summary>The engine encoder (the weights after <see cref="PushToEngine"/>).</summary>
    public Encoder Encoder => Setup.Encoder;

    /// <summary>The engine head (the weights after <see cref="PushToEngine"/>).</summary>
    public MarginHead Head => Setup.Head;

    /// <summary>Batches between reads of the losses for the divergence check when nothing else reads them (1: every batch).</summary>
    public virtual int DivergenceCheckInterval => 1;

    /// <summary>Prepares an epoch of <paramref name="batches"/> batches: seeds dropout, the head and augmentation from <paramref name="random"/> (in that order) and switches the margin on or off.</summary>
    public abstract void BeginEpoch(int epoch, int batches, SeededRandom random, bool marginActive);

    /// <summary>
    /// One step: forward, loss (cross-entropy with the margin, plus the head's auxiliary loss), backward and an optimizer
    /// update at <paramref name="learningRate"/>, on the training rows <paramref name="rows"/> (with several processes,
    /// the global batch, of which the session takes its part). A step whose loss is not finite may skip its update;
    /// <see cref="Read"/> reports it.
    /// </summary>
    public abstract void Step(int batch, ReadOnlySpan<int> rows, float learningRate);

    /// <summary>The sums of the epoch's batches [<paramref name="from"/>, <paramref name="to"/>) (reading them may wait for a device).</summary>
    public abstract BatchTotals Read(int from, int to);

    /// <summary>Loss and accuracy of the inference path (s·cos θ, no margin) on <paramref name="data"/>.</summary>
    public abstract (double Loss, double Accuracy) Evaluate(Dataset data);

    /// <summary>The encoder's outputs (not normalised) for every row of <paramref name="data"/>, row-major.</summary>
    public abstract float[] Embed(Dataset data);

    /// <summary>Copies the backend's weights and buffers into <see cref="Encoder"/> and <see cref="Head"/> (nothing to do for the engine).</summary>
    public virtual void PushToEngine() { }

    /// <summary>Copies <see cref="Encoder"/>'s and <see cref="Head"/>'s weights and buffers to the backend (after a checkpoint was restored into them).</summary>
    public virtual void PullFromEngine() { }

    /// <summary>The optimizer's state in the engine's checkpoint format (dense parameters, then the class centres' rows under "centers.").</summary>
    public abstract OptimizerState GetOptimizerState();

    /// <summary>Restores <see cref="GetOptimizerState"/>'s format.</summary>
    public abstract void SetOptimizerState(OptimizerState state);

    /// <summary>The backend's entries for the run's description (backend, device or kernels, threads).</summary>
    public abstract Dictionary<string, string> Describe();

    /// <inheritdoc />
    public abstract void Dispose();
}

/// <summary>What a session is created over: the settings, the data and the engine objects the loop built.</summary>
/// <param name="Settings">Validated settings.</param>
/// <param name="Train">Training rows with labels.</param>
/// <param name="Validation">Validation rows, or null.</param>
/// <param name="Encoder">The initialised engine encoder (initial weights copied, layers frozen).</param>
/// <param name="Head">The initialised engine head (a cosine head carries its Partial FC sampler).</param>
/// <param name="Cancellation">Stops training between batches.</param>
/// <param name="Distributed">The processes training together, or null for this process alone (then <see cref="TrainingSession.Step"/>'s rows are all this process's).</param>
internal sealed record TrainingSetup(TrainingSettings Settings, Dataset Train, Dataset? Validation, Encoder Encoder, MarginHead Head, CancellationToken Cancellation,
    Distributed.DistributedRun? Distributed = null);

/// <summary>Sums over some batches of an epoch.</summary>
/// <param name="Seen">Samples.</param>
/// <param name="LossSum">Σ batch loss × batch size.</param>
/// <param name="LossWithoutMarginSum">Σ batch loss without margin × batch size.</param>
/// <param name="Correct">Rows whose arg-max margin logit is the label.</param>
/// <param name="CorrectWithoutMargin">Rows whose arg-max inference logit (s·cos θ) is the label.</param>
/// <param name="NonFiniteBatch">The first batch whose loss was not finite, or −1.</param>
/// <param name="NonFiniteLoss">That batch's loss.</param>
internal readonly record struct BatchTotals(long Seen, double LossSum, double LossWithoutMarginSum, long Correct, long CorrectWithoutMargin, int NonFiniteBatch = -1, double NonFiniteLoss = 0);
