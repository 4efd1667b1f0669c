using System.Text;
using System.Text.Json;

namespace Datom.Node.Repl;

/// <summary>
/// Line editing for a terminal: left/right, Home/End (and Ctrl-A/Ctrl-E), Backspace/Delete,
/// Ctrl-K (kill to end), Ctrl-U (kill to start), Up/Down through the history, Ctrl-C (drop the
/// line), Ctrl-D (end, on an empty line). The history is kept in a file, one JSON string per entry
/// (so that a multi-line form is one entry), the last <see cref="MaxHistory"/> of them.
/// </summary>
internal sealed class LineEditor(string historyFile)
{
    public const int MaxHistory = 1000;

    private readonly List<string> _history = Load(historyFile);

    /// <summary>A line, without its newline; null at end of input (Ctrl-D on an empty line); "" after Ctrl-C drops it.</summary>
    public string? ReadLine(string prompt)
    {
        Console.Write(prompt);
        var line = new StringBuilder();
        var cursor = 0;
        var browsing = _history.Count;
        var shown = 0;

        void Redraw()
        {
            // Back to the start of the input, rewrite it, blank what the old text had beyond it.
            var sb = new StringBuilder();
            sb.Append('\r').Append(prompt).Append(line);
            var extra = Math.Max(0, shown - line.Length);
            sb.Append(' ', extra).Append('\b', extra);
            sb.Append('\b', line.Length - cursor);
            Console.Write(sb.ToString());
            shown = line.Length;
        }

        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            var ctrl = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    return line.ToString();
                case ConsoleKey.Backspace:
                    if (cursor > 0)
                    {
                        line.Remove(--cursor, 1);
                        Redraw();
                    }
                    continue;
                case ConsoleKey.Delete:
                    if (cursor < line.Length)
                    {
                        line.Remove(cursor, 1);
                        Redraw();
                    }
                    continue;
                case ConsoleKey.LeftArrow:
                    cursor = Math.Max(0, cursor - 1);
                    Redraw();
                    continue;
                case ConsoleKey.RightArrow:
                    cursor = Math.Min(line.Length, cursor + 1);
                    Redraw();
                    continue;
                case ConsoleKey.Home:
                    cursor = 0;
                    Redraw();
                    continue;
                case ConsoleKey.End:
                    cursor = line.Length;
                    Redraw();
                    continue;
                case ConsoleKey.UpArrow or ConsoleKey.DownArrow:
                {
                    var next = browsing + (key.Key == ConsoleKey.UpArrow ? -1 : 1);
                    if (next < 0 || next > _history.Count)
                        continue;
                    browsing = next;
                    line.Clear().Append(browsing == _history.Count ? "" : _history[browsing].Replace('\n', ' '));
                    cursor = line.Length;
                    Redraw();
                    continue;
                }
                default:
                    break;
            }
            if (ctrl)
            {
                switch (key.Key)
                {
                    case ConsoleKey.A:
                        cursor = 0;
                        break;
                    case ConsoleKey.E:
                        cursor = line.Length;
                        break;
                    case ConsoleKey.K:
                        line.Remove(cursor, line.Length - cursor);
                        break;
                    case ConsoleKey.U:
                        line.Remove(0, cursor);
                        cursor = 0;
                        break;
                    case ConsoleKey.C:
                        Console.WriteLine("^C");
                        return "";
                    case ConsoleKey.D when line.Length == 0:
                        Console.WriteLine();
                        return null;
                    default:
                        continue;
                }
                Redraw();
                continue;
            }
            if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar))
            {
                line.Insert(cursor++, key.KeyChar);
                Redraw();
            }
        }
    }

    /// <summary>Adds an entry (a whole form, lines and all) to the history and its file.</summary>
    public void Remember(string entry)
    {
        if (string.IsNullOrWhiteSpace(entry) || (_history.Count > 0 && _history[^1] == entry))
            return;
        _history.Add(entry);
        if (_history.Count > MaxHistory)
            _history.RemoveRange(0, _history.Count - MaxHistory);
        try
        {
            File.WriteAllLines(historyFile, _history.Select(h => JsonSerializer.Serialize(h)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A history that cannot be saved is not worth stopping the REPL for.
        }
    }

    private static List<string> Load(string file)
    {
        try
        {
            if (!File.Exists(file))
                return [];
            var entries = new List<string>();
            foreach (var line in File.ReadLines(file))
            {
                try
                {
                    if (JsonSerializer.Deserialize<string>(line) is { } entry)
                        entries.Add(entry);
                }
                catch (JsonException)
                {
                    // A line not written by this editor: skip it.
                }
            }
            return entries.Count > MaxHistory ? entries[^MaxHistory..] : entries;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
