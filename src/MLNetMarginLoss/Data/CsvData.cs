using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss;

/// <summary>
/// Loads a CSV file with a header row through ML.NET's <see cref="TextLoader"/>, checked as strictly as a
/// hand-written loader: the label column is chosen by name and every other column is a numeric feature.
/// </summary>
/// <remarks>
/// <para>Columns of the view: <c>Features</c>, a <c>Vector&lt;Single, n&gt;</c> of the n other columns in file
/// order, with the header names as slot names; and <c>Label</c>, text (the label field as written).
/// <c>MapValueToKey("Label")</c> numbers the classes in order of first appearance, or in sorted order with
/// <c>keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue</c>; <c>MapKeyToValue</c> returns the label text.</para>
/// <para><see cref="TextLoader"/> turns what it cannot read into NaN without a word, so <see cref="Load"/> reads the
/// file once through a cursor before returning and fails on the first problem with a
/// <see cref="DataFormatException"/> whose message is one line naming the file, the line number in the file
/// (1-based, counting the header and any blank lines) and the column: a row with too few or too many fields,
/// a field that is not a number or is NaN or infinite, an empty label, an empty or header-only file, fewer than
/// two classes, a missing label column (naming a column that matches except for case, if any).</para>
/// <para>The file format is TextLoader's: fields separated by <c>separator</c>, optionally double-quoted (with
/// <c>""</c> for a quote inside), surrounding spaces trimmed, numbers in the invariant culture. Empty lines and lines
/// starting with <c>//</c> are skipped; before the header, lines starting with <c>#</c> are skipped too.</para>
/// </remarks>
public static class CsvData
{
    /// <summary>The name of the feature column of the loaded view.</summary>
    public const string FeatureColumnName = "Features";

    /// <summary>The name of the label column of the loaded view, whatever the file calls it.</summary>
    public const string LabelColumnName = "Label";

    private const string TailColumnName = "__FieldCount";

    /// <summary>Loads and checks a CSV file.</summary>
    /// <param name="mlContext">The ML.NET context that makes the loader.</param>
    /// <param name="path">The CSV file; its first line (after leading comments) is the header.</param>
    /// <param name="labelColumn">The header name of the label column (case-sensitive).</param>
    /// <param name="separator">The field separator.</param>
    /// <returns>A view with <c>Features</c> and <c>Label</c>, read lazily from the file by a <see cref="TextLoader"/>.</returns>
    /// <exception cref="DataFormatException">The file is missing, empty, header-only, ragged, has a non-numeric or non-finite feature, an empty label, a single class, or no label column.</exception>
    public static IDataView Load(MLContext mlContext, string path, string labelColumn = "label", char separator = ',')
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(labelColumn);
        if (separator is '"' or '\n' or '\r') throw new ArgumentException($"'{separator}' cannot separate fields.", nameof(separator));
        if (!File.Exists(path)) throw new DataFormatException(path, "CSV file not found.");

        var (headerLine, header) = ReadHeader(path, separator);
        int labelIndex = Array.IndexOf(header, labelColumn);
        if (labelIndex < 0)
        {
            int similar = Array.FindIndex(header, h => string.Equals(h, labelColumn, StringComparison.OrdinalIgnoreCase));
            throw new DataFormatException(path, similar >= 0
                ? $"header (line {headerLine}): no label column '{labelColumn}'; column names are case-sensitive and column {similar + 1} is '{header[similar]}'."
                : $"header (line {headerLine}): no label column '{labelColumn}'; the columns are {Describe(header)}.");
        }
        int[] featureIndices = [.. Enumerable.Range(0, header.Length).Where(c => c != labelIndex)];
        if (featureIndices.Length == 0)
            throw new DataFormatException(path, $"header (line {headerLine}): no feature columns; the only column is the label '{labelColumn}'.");

        var source = new MultiFileSource(path);
        var checking = mlContext.Data.CreateTextLoader(Options(separator, header.Length, featureIndices, labelIndex, withTail: true), source).Load(source);
        Validate(checking, path, separator, header, headerLine, featureIndices, labelIndex);
        return mlContext.Data.CreateTextLoader(Options(separator, header.Length, featureIndices, labelIndex, withTail: false), source).Load(source);
    }

    private static TextLoader.Options Options(char separator, int fieldCount, int[] featureIndices, int labelIndex, bool withTail)
    {
        var columns = new List<TextLoader.Column>
        {
            new(FeatureColumnName, DataKind.Single, Ranges(featureIndices)),
            new(LabelColumnName, DataKind.String, labelIndex),
        };
        // The last header field and the one after it, as text: a row of the right length has exactly the first
        // (possibly empty), a short row neither, a long row both. Numbers alone cannot tell, as missing fields read as NaN.
        if (withTail) columns.Add(new(TailColumnName, DataKind.String, [new TextLoader.Range(fieldCount - 1, fieldCount) { ForceVector = true }]));
        return new TextLoader.Options
        {
            Separators = [separator],
            HasHeader = true,
            AllowQuoting = true,
            AllowSparse = false,
            TrimWhitespace = true,
            MissingRealsAsNaNs = true,
            Columns = [.. columns],
        };
    }

    private static TextLoader.Range[] Ranges(int[] indices)
    {
        var ranges = new List<TextLoader.Range>();
        int start = indices[0], end = indices[0];
        foreach (int i in indices.Skip(1))
        {
            if (i == end + 1) { end = i; continue; }
            ranges.Add(new TextLoader.Range(start, end));
            start = end = i;
        }
        ranges.Add(new TextLoader.Range(start, end));
        return [.. ranges];
    }

    private static void Validate(IDataView view, string path, char separator, string[] header, int headerLine, int[] featureIndices, int labelIndex)
    {
        var schema = view.Schema;
        using var cursor = view.GetRowCursor(schema);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(schema[FeatureColumnName]);
        var getLabel = cursor.GetGetter<ReadOnlyMemory<char>>(schema[LabelColumnName]);
        var getTail = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(schema[TailColumnName]);
        VBuffer<float> features = default;
        VBuffer<ReadOnlyMemory<char>> tail = default;
        ReadOnlyMemory<char> label = default;
        string? firstLabel = null;
        bool twoClasses = false;
        long rows = 0;
        while (cursor.MoveNext())
        {
            rows++;
            getTail(ref tail);
            bool rightLength = !tail.IsDense && tail.GetValues().Length == 1 && tail.GetIndices()[0] == 0;
            if (!rightLength) throw RowError(path, separator, header, cursor.Position, featureIndices, labelIndex, badFeature: -1);
            getFeatures(ref features);
            var values = features.GetValues();
            if (!features.IsDense || values.Length != featureIndices.Length)
                throw RowError(path, separator, header, cursor.Position, featureIndices, labelIndex, badFeature: -1);
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i]))
                    throw RowError(path, separator, header, cursor.Position, featureIndices, labelIndex, badFeature: i);
            getLabel(ref label);
            if (label.IsEmpty) throw RowError(path, separator, header, cursor.Position, featureIndices, labelIndex, badFeature: -1);
            if (!twoClasses)
            {
                if (firstLabel is null) firstLabel = label.ToString();
                else twoClasses = !label.Span.SequenceEqual(firstLabel);
            }
        }
        if (rows == 0) throw new DataFormatException(path, $"has a header (line {headerLine}) but no data rows.");
        if (!twoClasses)
            throw new DataFormatException(path, $"column '{header[labelIndex]}': every one of the {rows} rows has the label '{firstLabel}'; training needs at least 2 classes.");
    }

    /// <summary>Words the problem of data row <paramref name="row"/> (0-based) from its raw line.</summary>
    private static DataFormatException RowError(string path, char separator, string[] header, long row, int[] featureIndices, int labelIndex, int badFeature)
    {
        var (lineNumber, line) = FindDataLine(path, row);
        var fields = Split(line, separator);
        string where = $"line {lineNumber}";
        if (fields.Count < header.Length)
            return new DataFormatException(path, $"{where}, column '{header[fields.Count]}': the row ends early; expected {header.Length} fields as in the header, found {fields.Count}.");
        if (fields.Count > header.Length)
            return new DataFormatException(path, $"{where}, after column '{header[^1]}': expected {header.Length} fields as in the header, found {fields.Count}.");
        if (badFeature >= 0)
        {
            int c = featureIndices[badFeature];
            string text = fields[c];
            if (text.Length == 0)
                return new DataFormatException(path, $"{where}, column '{header[c]}': expected a number, found an empty field.");
            bool parsed = float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value);
            return new DataFormatException(path, parsed && !float.IsFinite(value)
                ? $"{where}, column '{header[c]}': expected a finite number, found '{Clip(text)}'."
                : $"{where}, column '{header[c]}': expected a number, found '{Clip(text)}'.");
        }
        if (fields[labelIndex].Length == 0)
            return new DataFormatException(path, $"{where}, column '{header[labelIndex]}': expected a label, found an empty field.");
        return new DataFormatException(path, $"{where}: the row could not be read as {header.Length} fields ({Describe(header)}).");
    }

    /// <summary>
    /// The header's line number and names. The header is the first line that <see cref="TextLoader"/> does not skip:
    /// not empty and not starting with '#' or "//".
    /// </summary>
    private static (int LineNumber, string[] Names) ReadHeader(string path, char separator)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (!SkippedBeforeHeader(line)) break;
        }
        if (line is null) throw new DataFormatException(path, "the file is empty; expected a header row with column names.");
        string[] names = [.. Split(line, separator)];
        for (int c = 0; c < names.Length; c++)
        {
            if (names[c].Length == 0) throw new DataFormatException(path, $"header (line {lineNumber}): column {c + 1} has no name.");
            int first = Array.IndexOf(names, names[c]);
            if (first != c) throw new DataFormatException(path, $"header (line {lineNumber}): column name '{names[c]}' appears twice (columns {first + 1} and {c + 1}).");
        }
        return (lineNumber, names);
    }

    /// <summary>The line number and text of data row <paramref name="row"/> (0-based), skipping lines as <see cref="TextLoader"/> does.</summary>
    private static (int LineNumber, string Text) FindDataLine(string path, long row)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (!SkippedBeforeHeader(line)) break;
        }
        long seen = -1;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;
            if (++seen == row) return (lineNumber, line);
        }
        throw new InvalidOperationException($"{path}: data row {row + 1} is not in the file.");
    }

    private static bool SkippedBeforeHeader(string line) =>
        line.Length == 0 || line[0] == '#' || line.StartsWith("//", StringComparison.Ordinal);

    /// <summary>Splits a line into trimmed fields, honouring double quotes ("" is a quote inside a quoted field).</summary>
    private static List<string> Split(string line, char separator)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int p = 0;
        while (true)
        {
            field.Clear();
            while (p < line.Length && line[p] is ' ' or '\t' && line[p] != separator) p++;
            if (p < line.Length && line[p] == '"')
            {
                p++;
                while (p < line.Length)
                {
                    if (line[p] == '"')
                    {
                        if (p + 1 < line.Length && line[p + 1] == '"') { field.Append('"'); p += 2; continue; }
                        p++;
                        break;
                    }
                    field.Append(line[p++]);
                }
                while (p < line.Length && line[p] != separator) p++;
                fields.Add(field.ToString());
            }
            else
            {
                int start = p;
                while (p < line.Length && line[p] != separator) p++;
                fields.Add(line[start..p].Trim());
            }
            if (p >= line.Length) return fields;
            p++;
        }
    }

    private static string Describe(string[] header) =>
        header.Length <= 12 ? string.Join(", ", header.Select(h => $"'{h}'")) : string.Join(", ", header.Take(12).Select(h => $"'{h}'")) + $", … ({header.Length} columns)";

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
