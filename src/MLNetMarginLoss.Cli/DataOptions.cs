using System.CommandLine;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Cli;

/// <summary>The data options several commands share: --data, --format, --limit, --label-column.</summary>
internal sealed class DataOptions
{
    public Option<string> Data { get; } = new("--data") { Description = "fashion-mnist, fashion-mnist:test, a CSV file, an IDX images file, or an image folder (one sub-folder per class).", Required = true };
    public Option<string?> Format { get; } = new("--format") { Description = "idx | csv | images (default: guessed from --data)." };
    public Option<int?> Limit { get; } = new("--limit") { Description = "Use only the first N rows." };
    public Option<string> LabelColumn { get; } = new("--label-column") { Description = "CSV: the label column's name.", DefaultValueFactory = _ => "Label" };

    public void AddTo(Command command)
    {
        command.Add(Data);
        command.Add(Format);
        command.Add(Limit);
        command.Add(LabelColumn);
    }

    public Dataset Load(ParseResult result, bool requireLabels = true) => Load(result, result.GetValue(Data)!, requireLabels);

    public Dataset Load(ParseResult result, string source, bool requireLabels = true)
    {
        int? limit = result.GetValue(Limit);
        if (limit is <= 0) throw new ArgumentException($"--limit must be a positive number of rows, got {limit}.");
        return DataSources.Load(source, result.GetValue(Format), limit, result.GetValue(LabelColumn), requireLabels);
    }
}
