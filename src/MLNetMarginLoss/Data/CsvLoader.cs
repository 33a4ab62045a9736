using System.Globalization;
using System.Text;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Data;

/// <summary>
/// Reads a CSV file with a header row into a <see cref="Dataset"/> of flat feature vectors. The label column
/// (by name, default "Label") may hold integers (kept as class indices, names "0", "1", …) or strings (mapped to
/// class indices in ordinal sort order of the names). Every other column, or a chosen subset, is a feature and must
/// hold finite numbers written in the invariant culture. Fields may be double-quoted (with "" for a quote).
/// Every problem raises <see cref="DataFormatException"/> naming the file, the data row (1-based) and line, the column,
/// and what was expected versus found.
/// </summary>
public static class CsvLoader
{
    /// <summary>Loads a CSV file.</summary>
    /// <exception cref="DataFormatException">The file is empty, ragged, has non-numeric or non-finite features, lacks the label column, or has one class.</exception>
    public static Dataset Load(string path, CsvLoaderOptions? options = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: CSV file not found.", path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Load(reader, path, options);
    }

    /// <summary>Loads CSV text from a reader; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="DataFormatException">See <see cref="Load(string, CsvLoaderOptions?)"/>.</exception>
    public static Dataset Load(TextReader reader, string source, CsvLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CsvLoaderOptions();
        if (options.Limit is < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Limit, "The row limit must not be negative.");
        char sep = options.Separator;
        var fields = new Fields();

        int lineNumber = 0;
        string? line;
        do
        {
            line = reader.ReadLine();
            lineNumber++;
        } while (line is not null && line.Trim().Length == 0);
        if (line is null) throw new DataFormatException(source, "the file is empty; expected a header row with column names.");
        Split(line, sep, fields, source, 0, lineNumber);
        string[] header = [.. Enumerable.Range(0, fields.Count).Select(i => fields.Get(line, i).Trim().ToString())];
        for (int c = 0; c < header.Length; c++)
        {
            if (header[c].Length == 0) throw new DataFormatException(source, $"header (line {lineNumber}): column #{c + 1} has no name.");
            int first = Array.IndexOf(header, header[c]);
            if (first != c) throw new DataFormatException(source, $"header (line {lineNumber}): column name '{header[c]}' appears twice (#{first + 1} and #{c + 1}).");
        }

        int labelIndex = options.LabelColumn is null ? -1 : Array.IndexOf(header, options.LabelColumn);
        if (labelIndex < 0 && options.LabelColumn is not null && options.RequireLabels)
            throw new DataFormatException(source, $"no label column '{options.LabelColumn}'; the header has {Describe(header)}.");

        int[] featureIndices;
        if (options.FeatureColumns is not null)
        {
            featureIndices = new int[options.FeatureColumns.Count];
            for (int i = 0; i < featureIndices.Length; i++)
            {
                featureIndices[i] = Array.IndexOf(header, options.FeatureColumns[i]);
                if (featureIndices[i] < 0)
                    throw new DataFormatException(source, $"no feature column '{options.FeatureColumns[i]}'; the header has {Describe(header)}.");
                if (featureIndices[i] == labelIndex)
                    throw new DataFormatException(source, $"column '{options.FeatureColumns[i]}' cannot be both the label and a feature.");
            }
        }
        else
        {
            foreach (var ignored in options.IgnoreColumns)
                if (Array.IndexOf(header, ignored) < 0)
                    throw new DataFormatException(source, $"no column '{ignored}' to ignore; the header has {Describe(header)}.");
            featureIndices = [.. Enumerable.Range(0, header.Length).Where(c => c != labelIndex && !options.IgnoreColumns.Contains(header[c]))];
        }
        if (featureIndices.Length == 0)
            throw new DataFormatException(source, $"no feature columns: the header has {Describe(header)}, and all are label or ignored.");

        int rowSize = featureIndices.Length;
        var features = new List<float>(rowSize * 1024);
        var labelText = labelIndex >= 0 ? new List<string>() : null;
        var labelLines = labelIndex >= 0 ? new List<int>() : null;
        int row = 0;
        int limit = options.Limit ?? int.MaxValue;
        while (row < limit && (line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            row++;
            Split(line, sep, fields, source, row, lineNumber);
            if (fields.Count != header.Length)
                throw new DataFormatException(source, $"data row {row} (line {lineNumber}): expected {header.Length} fields as in the header, found {fields.Count}.");
            foreach (int c in featureIndices)
            {
                var text = fields.Get(line, c).Trim();
                if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                    throw new DataFormatException(source, $"data row {row} (line {lineNumber}), column '{header[c]}' (#{c + 1}): expected a number, found '{Clip(text.ToString())}'.");
                if (!float.IsFinite(value))
                    throw new DataFormatException(source, $"data row {row} (line {lineNumber}), column '{header[c]}' (#{c + 1}): expected a finite number, found '{Clip(text.ToString())}' ({value}).");
                features.Add(value);
            }
            if (labelText is not null)
            {
                string label = fields.Get(line, labelIndex).Trim().ToString();
                if (label.Length == 0)
                    throw new DataFormatException(source, $"data row {row} (line {lineNumber}), column '{header[labelIndex]}' (#{labelIndex + 1}): expected a label, found an empty field.");
                labelText.Add(label);
                labelLines!.Add(lineNumber);
            }
        }
        if (row == 0) throw new DataFormatException(source, $"has a header (line 1) but no data rows.");

        int[]? labels = null;
        IReadOnlyList<string>? classNames = null;
        if (labelText is not null)
        {
            (labels, classNames) = MapLabels(labelText, labelLines!, source, header[labelIndex], labelIndex);
            if (options.RequireLabels && labels.Distinct().Count() < 2)
                throw new DataFormatException(source, $"the label column '{header[labelIndex]}' has only one class ('{labelText[0]}'); training needs at least 2.");
        }
        return new Dataset([.. features], TensorShape.Vector(rowSize), labels, classNames, source);
    }

    private static (int[] Labels, IReadOnlyList<string> ClassNames) MapLabels(List<string> text, List<int> lines, string source, string column, int columnIndex)
    {
        var labels = new int[text.Count];
        bool allIntegers = true;
        for (int i = 0; i < text.Count && allIntegers; i++)
            allIntegers = int.TryParse(text[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out labels[i]);
        if (allIntegers)
        {
            for (int i = 0; i < labels.Length; i++)
                if (labels[i] < 0)
                    throw new DataFormatException(source, $"data row {i + 1} (line {lines[i]}), column '{column}' (#{columnIndex + 1}): expected a class index ≥ 0, found {labels[i]}.");
            int classes = labels.Max() + 1;
            return (labels, [.. Enumerable.Range(0, classes).Select(c => c.ToString(CultureInfo.InvariantCulture))]);
        }
        string[] names = [.. text.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < names.Length; c++) index[names[c]] = c;
        for (int i = 0; i < labels.Length; i++) labels[i] = index[text[i]];
        return (labels, names);
    }

    /// <summary>The fields of one line: ranges into the line, or unquoted copies when the line uses quotes.</summary>
    private sealed class Fields
    {
        private readonly List<(int Start, int Length)> _ranges = [];
        private readonly List<string> _unquoted = [];
        private bool _quoted;

        public int Count => _quoted ? _unquoted.Count : _ranges.Count;

        public ReadOnlySpan<char> Get(string line, int i) => _quoted ? _unquoted[i].AsSpan() : line.AsSpan(_ranges[i].Start, _ranges[i].Length);

        public void Clear(bool quoted)
        {
            _ranges.Clear();
            _unquoted.Clear();
            _quoted = quoted;
        }

        public void AddRange(int start, int length) => _ranges.Add((start, length));

        public void AddText(string text) => _unquoted.Add(text);
    }

    /// <summary>Splits one line into fields (RFC 4180 quoting within the line).</summary>
    private static void Split(string line, char sep, Fields fields, string source, int row, int lineNumber)
    {
        if (line.IndexOf('"') < 0)
        {
            fields.Clear(quoted: false);
            int start = 0;
            var span = line.AsSpan();
            while (true)
            {
                int next = span[start..].IndexOf(sep);
                if (next < 0) { fields.AddRange(start, line.Length - start); return; }
                fields.AddRange(start, next);
                start += next + 1;
            }
        }
        fields.Clear(quoted: true);
        var sb = new StringBuilder();
        int p = 0;
        while (true)
        {
            sb.Clear();
            while (p < line.Length && line[p] == ' ') p++;
            if (p < line.Length && line[p] == '"')
            {
                p++;
                while (true)
                {
                    if (p >= line.Length)
                        throw new DataFormatException(source, $"{(row == 0 ? "header" : $"data row {row}")} (line {lineNumber}), field #{fields.Count + 1}: expected a closing quote, found the end of the line.");
                    if (line[p] == '"')
                    {
                        if (p + 1 < line.Length && line[p + 1] == '"') { sb.Append('"'); p += 2; continue; }
                        p++;
                        break;
                    }
                    sb.Append(line[p++]);
                }
                while (p < line.Length && line[p] != sep) p++; // text after the closing quote is ignored (spaces)
            }
            else
            {
                int start = p;
                while (p < line.Length && line[p] != sep) p++;
                sb.Append(line, start, p - start);
            }
            fields.AddText(sb.ToString());
            if (p >= line.Length) return;
            p++; // separator
        }
    }

    private static string Describe(string[] header) =>
        header.Length <= 12 ? string.Join(", ", header.Select(h => $"'{h}'")) : string.Join(", ", header.Take(12).Select(h => $"'{h}'")) + $", … ({header.Length} columns)";

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
