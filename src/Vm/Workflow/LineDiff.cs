namespace Datom.Vm.Workflow;

/// <summary>
/// A line diff in the manner of git's (xdiff): a minimal edit script (longest common subsequence of
/// whole lines, after the common head and tail), then each run of added or removed lines slid as far
/// down as equal lines allow, as git's <c>xdl_change_compact</c> leaves a group when no heuristic
/// moves it. <see cref="CodeBlame"/> follows lines through versions with it, so that it blames the
/// same lines as <c>git blame</c> does on the exported history.
/// </summary>
public static class LineDiff
{
    /// <summary>Inputs with more middle lines than this on both sides are treated as wholly replaced (the LCS table is quadratic).</summary>
    public const int MaxTableCells = 16_000_000;

    /// <summary>For each line of <paramref name="b"/>: the index of the line of <paramref name="a"/> it is unchanged from, or -1 for a new line.</summary>
    public static int[] Match(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var changedA = new bool[a.Count];
        var changedB = new bool[b.Count];
        Mark(a, b, changedA, changedB);
        Compact(a, changedA);
        Compact(b, changedB);
        var result = new int[b.Count];
        var i = 0;
        for (var j = 0; j < b.Count; j++)
        {
            if (changedB[j])
            {
                result[j] = -1;
                continue;
            }
            while (i < a.Count && changedA[i])
                i++;
            result[j] = i < a.Count ? i++ : -1;
        }
        return result;
    }

    /// <summary>
    /// The changes from <paramref name="a"/> to <paramref name="b"/> as unified-diff hunks without
    /// context: <c>@@ -start,count +start,count @@</c>, then the removed lines (<c>-</c>) and the added ones (<c>+</c>).
    /// </summary>
    public static IReadOnlyList<string> Hunks(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var match = Match(a, b);
        var output = new List<string>();
        int i = 0, j = 0;
        while (i < a.Count || j < b.Count)
        {
            if (j < b.Count && match[j] == i && i < a.Count)
            {
                i++;
                j++;
                continue;
            }
            var (ai, bj) = (i, j);
            // Removed: lines of a up to the next one b keeps (or the end).
            var nextKept = j;
            while (nextKept < b.Count && match[nextKept] < 0)
                nextKept++;
            var aEnd = nextKept < b.Count ? match[nextKept] : a.Count;
            var removed = a.Skip(i).Take(aEnd - i).ToList();
            var added = b.Skip(j).Take(nextKept - j).ToList();
            output.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"@@ -{(removed.Count == 0 ? ai : ai + 1)},{removed.Count} +{(added.Count == 0 ? bj : bj + 1)},{added.Count} @@"));
            output.AddRange(removed.Select(l => "-" + l));
            output.AddRange(added.Select(l => "+" + l));
            i = aEnd;
            j = nextKept;
        }
        return output;
    }

    /// <summary>Splits text into lines as git counts them: a final newline ends the last line, it does not start another.</summary>
    public static string[] Lines(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return [];
        var lines = text.Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    private static void Mark(IReadOnlyList<string> a, IReadOnlyList<string> b, bool[] changedA, bool[] changedB)
    {
        var head = 0;
        while (head < a.Count && head < b.Count && a[head] == b[head])
            head++;
        var tail = 0;
        while (tail < a.Count - head && tail < b.Count - head && a[a.Count - 1 - tail] == b[b.Count - 1 - tail])
            tail++;
        int n = a.Count - head - tail, m = b.Count - head - tail;
        if ((long)n * m > MaxTableCells)
        {
            Array.Fill(changedA, true, head, n);
            Array.Fill(changedB, true, head, m);
            return;
        }
        // lcs[i, j]: the LCS length of a[head+i..] and b[head+j..] (suffixes), so the walk below goes forward.
        var lcs = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
                lcs[i, j] = a[head + i] == b[head + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        }
        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[head + x] == b[head + y])
            {
                x++;
                y++;
            }
            else if (y >= m || (x < n && lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                changedA[head + x++] = true;
            }
            else
            {
                changedB[head + y++] = true;
            }
        }
    }

    /// <summary>Slides every group of changed lines down while the line after it equals its first line (git's group_slide_down).</summary>
    private static void Compact(IReadOnlyList<string> lines, bool[] changed)
    {
        var start = 0;
        while (start < lines.Count)
        {
            if (!changed[start])
            {
                start++;
                continue;
            }
            var end = start;
            while (end < lines.Count && changed[end])
                end++;
            while (end < lines.Count && lines[start] == lines[end])
            {
                changed[start++] = false;
                changed[end++] = true;
                while (end < lines.Count && changed[end])
                    end++;
            }
            start = end;
        }
    }
}
