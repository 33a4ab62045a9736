using System.Globalization;

namespace Examples;

/// <summary>A results table printed as Markdown (aligned, so it also reads well in a terminal).</summary>
internal sealed class ResultsTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    /// <summary>Adds a row; numbers are formatted by the caller (see <see cref="F"/>).</summary>
    public void Add(params string[] cells) => _rows.Add(cells);

    /// <summary>A number with <paramref name="digits"/> decimals in the invariant culture.</summary>
    public static string F(double value, int digits = 4) => value.ToString("F" + digits, CultureInfo.InvariantCulture);

    /// <summary>Writes the table to standard output.</summary>
    public void Print()
    {
        var widths = headers.Select((h, c) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => c < r.Length ? r[c].Length : 0))).ToArray();
        string Line(IReadOnlyList<string> cells) =>
            "| " + string.Join(" | ", widths.Select((w, c) => c == 0 ? (c < cells.Count ? cells[c] : "").PadRight(w) : (c < cells.Count ? cells[c] : "").PadLeft(w))) + " |";
        Console.WriteLine(Line(headers));
        Console.WriteLine("|" + string.Join("|", widths.Select((w, c) => c == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var row in _rows) Console.WriteLine(Line(row));
    }
}
