using System.Text;

namespace MlxMpi.Diag;

/// <summary>Columns padded to their widest cell, as ps prints them: readable, and easy to cut or grep.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> rows = [headers];

    public void Add(params string[] cells) => rows.Add(cells);

    public override string ToString()
    {
        var widths = Enumerable.Range(0, headers.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            // The last column is not padded, so long command lines do not leave trailing blanks.
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }
        return text.ToString();
    }
}
