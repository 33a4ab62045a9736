using System.Globalization;
using System.Text;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// A minimal SVG 1.1 writer: shapes and text appended in order, numbers written with the invariant culture
/// (at most 3 decimals), text and attribute values XML-escaped. <see cref="ToString"/> closes the document.
/// </summary>
public sealed class SvgWriter
{
    private readonly StringBuilder _body = new();
    private int _openGroups;

    /// <summary>Starts a document of the given size in pixels.</summary>
    public SvgWriter(double width, double height)
    {
        if (!(width > 0) || !(height > 0) || !double.IsFinite(width) || !double.IsFinite(height))
            throw new ArgumentOutOfRangeException(nameof(width), $"The SVG size must be positive and finite; got {width}×{height}.");
        Width = width;
        Height = height;
    }

    /// <summary>Document width in pixels.</summary>
    public double Width { get; }

    /// <summary>Document height in pixels.</summary>
    public double Height { get; }

    /// <summary>Formats a number for SVG: invariant culture, up to 3 decimals, no exponent.</summary>
    public static string Number(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"SVG coordinates must be finite; got {value}.", nameof(value));
        var s = Math.Round(value, 3).ToString("0.###", CultureInfo.InvariantCulture);
        return s == "-0" ? "0" : s;
    }

    /// <summary>Escapes the five XML special characters.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&apos;"); break;
                default:
                    // Characters XML 1.0 forbids are dropped.
                    if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Opens a &lt;g&gt; group with an optional CSS class and transform.</summary>
    public SvgWriter BeginGroup(string? cssClass = null, string? transform = null)
    {
        _body.Append("<g").Append(Attr("class", cssClass)).Append(Attr("transform", transform)).Append(">\n");
        _openGroups++;
        return this;
    }

    /// <summary>Closes the innermost open group.</summary>
    public SvgWriter EndGroup()
    {
        if (_openGroups == 0) throw new InvalidOperationException("EndGroup called with no open group.");
        _openGroups--;
        _body.Append("</g>\n");
        return this;
    }

    /// <summary>A rectangle.</summary>
    public SvgWriter Rect(double x, double y, double width, double height, string fill, string? stroke = null, string? cssClass = null)
    {
        _body.Append("<rect").Append(Attr("class", cssClass))
            .Append(" x=\"").Append(Number(x)).Append("\" y=\"").Append(Number(y))
            .Append("\" width=\"").Append(Number(width)).Append("\" height=\"").Append(Number(height)).Append('"')
            .Append(Attr("fill", fill)).Append(Attr("stroke", stroke)).Append("/>\n");
        return this;
    }

    /// <summary>A straight line.</summary>
    public SvgWriter Line(double x1, double y1, double x2, double y2, string stroke, double strokeWidth = 1, string? dash = null, string? cssClass = null)
    {
        _body.Append("<line").Append(Attr("class", cssClass))
            .Append(" x1=\"").Append(Number(x1)).Append("\" y1=\"").Append(Number(y1))
            .Append("\" x2=\"").Append(Number(x2)).Append("\" y2=\"").Append(Number(y2)).Append('"')
            .Append(Attr("stroke", stroke)).Append(" stroke-width=\"").Append(Number(strokeWidth)).Append('"')
            .Append(Attr("stroke-dasharray", dash)).Append("/>\n");
        return this;
    }

    /// <summary>A circle (filled unless <paramref name="fill"/> is "none").</summary>
    public SvgWriter Circle(double cx, double cy, double r, string fill, string? stroke = null, double strokeWidth = 1, string? cssClass = null, double? opacity = null)
    {
        _body.Append("<circle").Append(Attr("class", cssClass))
            .Append(" cx=\"").Append(Number(cx)).Append("\" cy=\"").Append(Number(cy)).Append("\" r=\"").Append(Number(r)).Append('"')
            .Append(Attr("fill", fill)).Append(Attr("stroke", stroke));
        if (stroke is not null) _body.Append(" stroke-width=\"").Append(Number(strokeWidth)).Append('"');
        if (opacity is { } o) _body.Append(" fill-opacity=\"").Append(Number(o)).Append('"');
        _body.Append("/>\n");
        return this;
    }

    /// <summary>An open polyline through the points.</summary>
    public SvgWriter Polyline(IEnumerable<(double X, double Y)> points, string stroke, double strokeWidth = 1.5, string? dash = null, string? cssClass = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        _body.Append("<polyline").Append(Attr("class", cssClass)).Append(" points=\"");
        bool first = true;
        foreach (var (x, y) in points)
        {
            if (!first) _body.Append(' ');
            _body.Append(Number(x)).Append(',').Append(Number(y));
            first = false;
        }
        _body.Append("\" fill=\"none\"").Append(Attr("stroke", stroke))
            .Append(" stroke-width=\"").Append(Number(strokeWidth)).Append('"').Append(Attr("stroke-dasharray", dash)).Append("/>\n");
        return this;
    }

    /// <summary>Text; <paramref name="anchor"/> is start, middle or end; <paramref name="rotate"/> in degrees about (x, y).</summary>
    public SvgWriter Text(double x, double y, string text, double fontSize = 12, string anchor = "start", string? cssClass = null, double rotate = 0, string fill = "#222")
    {
        _body.Append("<text").Append(Attr("class", cssClass))
            .Append(" x=\"").Append(Number(x)).Append("\" y=\"").Append(Number(y)).Append('"')
            .Append(" font-size=\"").Append(Number(fontSize)).Append('"')
            .Append(Attr("text-anchor", anchor)).Append(Attr("fill", fill));
        if (rotate != 0) _body.Append(" transform=\"rotate(").Append(Number(rotate)).Append(' ').Append(Number(x)).Append(' ').Append(Number(y)).Append(")\"");
        _body.Append('>').Append(Escape(text)).Append("</text>\n");
        return this;
    }

    /// <summary>The complete document (open groups are closed).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(_body.Length + 256);
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").Append(Number(Width))
          .Append("\" height=\"").Append(Number(Height)).Append("\" viewBox=\"0 0 ").Append(Number(Width)).Append(' ').Append(Number(Height))
          .Append("\" font-family=\"sans-serif\">\n");
        sb.Append(_body);
        for (int i = 0; i < _openGroups; i++) sb.Append("</g>\n");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Writes <paramref name="svg"/> to <paramref name="path"/> (UTF-8, via a temporary file then a rename), creating the folder.</summary>
    public static void Save(string svg, string path)
    {
        ArgumentNullException.ThrowIfNull(svg);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var temp = full + ".tmp";
        File.WriteAllText(temp, svg, new UTF8Encoding(false));
        File.Move(temp, full, overwrite: true);
    }

    private static string Attr(string name, string? value) => value is null ? "" : $" {name}=\"{Escape(value)}\"";
}
