using System.Text.Json;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Node.Tests;

/// <summary>
/// datom code history, show --as-of, diff, blame, conflicts, pick, revert, edit, export --git and
/// import --git, run as a user runs them, on a data directory that holds <see cref="ScriptedHistory"/>:
/// three authors and a concurrent edit.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class CliCodeWorkflowTests
{
    /// <summary>Alice's node, in a data directory, after the scripted history; the hashes and ids of its entries and authors.</summary>
    private sealed record Scripted(string Data, string First, string Hi, string Louder, string Hey, string Howdy, string Alice, string Bob, string Carol);

    private static Scripted Script(TempDirectory dir)
    {
        var data = dir.Sub("node");
        Directory.CreateDirectory(data);
        using var h = ScriptedHistory.CreateAsync(data).GetAwaiter().GetResult();
        return new Scripted(data, h.First.Hash.ToString(), h.Hi.Hash.ToString(), h.Louder.Hash.ToString(), h.Hey.Hash.ToString(), h.Howdy.Hash.ToString(),
            h.Alice.Id, h.Bob.Id, h.Carol.Id);
    }

    private static DatomProcess.Result Ok(DatomProcess.Result result)
    {
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");
        return result;
    }

    [Fact]
    public void History_show_as_of_diff_and_blame()
    {
        using var dir = new TempDirectory();
        var s = Script(dir);

        var history = Ok(DatomProcess.Run(null, "code", "history", "--data", s.Data, "core/greet")).Lines;
        Assert.Equal(4, history.Length);
        Assert.Equal([s.First, s.Hi, s.Hey, s.Howdy], history.Select(l => l.Split("  ")[0]));
        Assert.EndsWith(s.Alice[..12] + "  first version", history[0], StringComparison.Ordinal);
        Assert.Contains(s.Bob[..12] + "  friendlier greeting", history[1], StringComparison.Ordinal);
        Assert.Contains("1970-01-01T00:00:02.000Z", history[1], StringComparison.Ordinal);
        Assert.EndsWith($"bob: hey  (concurrent with {s.Howdy[..12]})", history[2], StringComparison.Ordinal);
        Assert.EndsWith($"carol: howdy  (concurrent with {s.Hey[..12]})", history[3], StringComparison.Ordinal);
        Assert.Equal(1, DatomProcess.Run(null, "code", "history", "--data", s.Data, "core/nope").ExitCode);

        Assert.Equal(ScriptedHistory.HeyGreet, Ok(DatomProcess.Run(null, "code", "show", "--data", s.Data, "core/greet", "--as-of", s.Hey)).Stdout);
        Assert.Equal(ScriptedHistory.HowdyGreet, Ok(DatomProcess.Run(null, "code", "show", "--data", s.Data, "core/greet")).Stdout);
        Assert.Contains("\"Hi, \"", Ok(DatomProcess.Run(null, "code", "show", "--data", s.Data, "core/greet", "--as-of", "1970-01-01T00:00:03Z")).Stdout, StringComparison.Ordinal);
        var badAsOf = DatomProcess.Run(null, "code", "show", "--data", s.Data, "core/greet", "--as-of", "yesterday");
        Assert.Equal(2, badAsOf.ExitCode);
        Assert.Contains("--as-of: 'yesterday' is neither an ISO-8601 time nor an entry hash", badAsOf.Stderr, StringComparison.Ordinal);

        var diff = Ok(DatomProcess.Run(null, "code", "diff", "--data", s.Data, "core/greet", "--from", s.First, "--to", s.Hi)).Stdout;
        Assert.Equal($"""
            --- core/greet ({s.First})
            +++ core/greet ({s.Hi})
            facts:
            - core/greet#b0.a0 :literal/string "Hello, "
            + core/greet#b0.a0 :literal/string "Hi, "
            source:
            @@ -2,1 +2,1 @@
            -  (str "Hello, " name))
            +  (str "Hi, " name))

            """, diff);
        // Between the two concurrent branches; and by default, the last change.
        Assert.Contains("+ core/greet#b0.a0 :literal/string \"Howdy, \"", Ok(DatomProcess.Run(null, "code", "diff", "--data", s.Data, "core/greet", "--from", s.Hey, "--to", s.Howdy)).Stdout, StringComparison.Ordinal);
        var last = Ok(DatomProcess.Run(null, "code", "diff", "--data", s.Data, "core/greet")).Stdout;
        Assert.Contains($"--- core/greet ({s.Hey})", last, StringComparison.Ordinal);
        Assert.Contains("+  (str \"Howdy, \" name))", last, StringComparison.Ordinal);
        Assert.Equal(2, DatomProcess.Run(null, "code", "diff", "--data", s.Data, "core/greet", "--from", "nope").ExitCode);

        var blame = Ok(DatomProcess.Run(null, "code", "blame", "--data", s.Data, "core/shout", "--format", "json")).Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([s.First, s.Louder, s.Louder], blame.Select(b => b.GetProperty("entry").GetString()));
        Assert.Equal([s.Alice, s.Carol, s.Carol], blame.Select(b => b.GetProperty("author").GetString()));
        Assert.Equal(["first version", "louder", "louder"], blame.Select(b => b.GetProperty("reason").GetString()));
        Assert.Equal("  (str (greet name)", blame[1].GetProperty("text").GetString());
        var text = Ok(DatomProcess.Run(null, "code", "blame", "--data", s.Data, "core/greet")).Lines;
        Assert.Equal($"{s.Howdy[..12]} {s.Carol[..12]} 1970-01-01T00:00:04.100Z carol: howdy            2)   (str \"Howdy, \" name))", text[1]);
        var unknown = DatomProcess.Run(null, "code", "blame", "--data", s.Data, "core/nope");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no function or record core/nope", unknown.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Conflicts_show_both_versions_the_winner_runs_and_pick_and_revert_restore()
    {
        using var dir = new TempDirectory();
        var s = Script(dir);

        var conflicts = Ok(DatomProcess.Run(null, "code", "conflicts", "--data", s.Data)).Lines;
        Assert.StartsWith("core/greet: 2 concurrent versions", conflicts[0], StringComparison.Ordinal);
        Assert.StartsWith("* " + s.Howdy, conflicts[1], StringComparison.Ordinal);
        Assert.Equal("      (str \"Howdy, \" name))", conflicts[3]);
        Assert.StartsWith("  " + s.Hey, conflicts[4], StringComparison.Ordinal);
        Assert.Equal("      (str \"Hey, \" name))", conflicts[6]);
        Assert.Equal("\"Howdy, Ann\"", Ok(DatomProcess.Run(null, "code", "run", "--data", s.Data, "core/greet", "\"Ann\"")).Stdout.Trim());

        Assert.Equal(2, DatomProcess.Run(null, "code", "pick", "--data", s.Data, "core/greet").ExitCode);
        Assert.Equal(1, DatomProcess.Run(null, "code", "pick", "--data", s.Data, "core/shout", "--author", s.Bob[..6]).ExitCode);
        Assert.Equal(1, DatomProcess.Run(null, "code", "pick", "--data", s.Data, "core/greet", "--author", s.Alice).ExitCode);
        Ok(DatomProcess.Run(null, "code", "pick", "--data", s.Data, "core/greet", "--author", s.Bob[..8]));
        Assert.Equal("\"Hey, Ann\"", Ok(DatomProcess.Run(null, "code", "run", "--data", s.Data, "core/greet", "\"Ann\"")).Stdout.Trim());
        Assert.Equal("no conflicts", Ok(DatomProcess.Run(null, "code", "conflicts", "--data", s.Data)).Stdout.Trim());

        Ok(DatomProcess.Run(null, "code", "revert", "--data", s.Data, "core/greet", "--to", s.First));
        Assert.Equal("\"Hello, Ann\"", Ok(DatomProcess.Run(null, "code", "run", "--data", s.Data, "core/greet", "\"Ann\"")).Stdout.Trim());
        var history = Ok(DatomProcess.Run(null, "code", "history", "--data", s.Data, "core/greet")).Lines;
        Assert.Equal(6, history.Length);
        Assert.EndsWith($"revert core/greet to {s.First}", history[^1], StringComparison.Ordinal);
        Assert.Contains("pick ", history[^2], StringComparison.Ordinal);
        Assert.Contains("already as of", Ok(DatomProcess.Run(null, "code", "revert", "--data", s.Data, "core/greet", "--to", s.First)).Stdout, StringComparison.Ordinal);
        var early = DatomProcess.Run(null, "code", "revert", "--data", s.Data, "core/greet", "--to", "1970-01-01T00:00:00.5Z");
        Assert.Equal(1, early.ExitCode);
        Assert.Contains("does not exist in that version", early.Stderr, StringComparison.Ordinal);
        var unknownEntry = DatomProcess.Run(null, "code", "revert", "--data", s.Data, "core/greet", "--to", new string('a', 64));
        Assert.Equal(1, unknownEntry.ExitCode);
        Assert.Contains("not held by this node", unknownEntry.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Edit_opens_the_editor_and_transacts_only_what_changed()
    {
        using var dir = new TempDirectory();
        var s = Script(dir);
        string Editor(string name, string body)
        {
            var path = dir.Sub(name);
            File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return path;
        }
        DatomProcess.Result Edit(string? editor, params string[] extra) =>
            DatomProcess.RunWith(new Dictionary<string, string?> { ["EDITOR"] = editor, ["VISUAL"] = null }, ["code", "edit", "--data", s.Data, .. extra]);

        var edited = Ok(Edit(Editor("greetings.sh", "sed -i 's/Howdy/Greetings/' \"$1\""), "core/greet", "-m", "more formal"));
        Assert.Matches(@"^core/greet: 1 datoms asserted, 2 retracted \(entry \d+, [0-9a-f]{64}\)\n$", edited.Stdout);
        Assert.Equal("\"Greetings, Ann\"", Ok(DatomProcess.Run(null, "code", "run", "--data", s.Data, "core/greet", "\"Ann\"")).Stdout.Trim());
        Assert.EndsWith("more formal", Ok(DatomProcess.Run(null, "code", "history", "--data", s.Data, "core/greet")).Lines[^1], StringComparison.Ordinal);
        // The edit stated the contested literal: the conflict is resolved.
        Assert.Equal("no conflicts", Ok(DatomProcess.Run(null, "code", "conflicts", "--data", s.Data)).Stdout.Trim());

        Assert.Equal("core/greet: unchanged; nothing transacted", Ok(Edit("true", "core/greet")).Stdout.Trim());

        var wrong = Edit(Editor("typo.sh", "sed -i 's/(str /(strr /' \"$1\""), "core/greet");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("core/greet: line 2: unknown function strr", wrong.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing transacted (your text is kept in ", wrong.Stderr, StringComparison.Ordinal);
        var syntax = Edit(Editor("syntax.sh", "printf '(defn greet [name]\\n  (str \"x\" name)))\\n' > \"$1\""), "core/greet");
        Assert.Equal(1, syntax.ExitCode);
        Assert.Contains("core/greet: line 2: syntax error", syntax.Stderr, StringComparison.Ordinal);

        var failing = Edit("false", "core/greet");
        Assert.Equal(1, failing.ExitCode);
        Assert.Contains("the editor (false) exited with 1; nothing transacted", failing.Stderr, StringComparison.Ordinal);
        var none = Edit(null, "core/greet");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("set $EDITOR", none.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, Edit("true", "core/nope").ExitCode);
        Assert.Equal(2, Edit("true", "greet").ExitCode);
        Assert.Equal("\"Greetings, Ann\"", Ok(DatomProcess.Run(null, "code", "run", "--data", s.Data, "core/greet", "\"Ann\"")).Stdout.Trim());
    }

    [Fact]
    public void Export_opens_in_git_log_and_git_blame_agrees_with_datom_blame_and_import_brings_a_commit_in()
    {
        using var dir = new TempDirectory();
        var s = Script(dir);
        var repo = dir.Sub("repo");
        Assert.Contains(": 5 commits on branch datom", Ok(DatomProcess.Run(null, "code", "export", "--data", s.Data, "--git", repo)).Stdout, StringComparison.Ordinal);

        Assert.Equal(["first version", "friendlier greeting", "louder", "bob: hey", "carol: howdy"], StockGit.Run(repo, "log", "--reverse", "--format=%s").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"{s.Carol}@datom 4", StockGit.Run(repo, "log", "-1", "--format=%ae %at").Trim());
        var entryOf = StockGit.Run(repo, "log", "--format=%H %(trailers:key=Datom-Entry,valueonly,separator=)").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);

        foreach (var (name, lines) in new[] { ("core", ""), ("core/greet", "3,4"), ("core/shout", "6,8") })
        {
            var datom = Ok(DatomProcess.Run(null, "code", "blame", "--data", s.Data, name, "--format", "json")).Lines
                .Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var git = GitBlame(repo, lines);
            Assert.Equal(datom.Count, git.Count);
            for (var i = 0; i < git.Count; i++)
            {
                Assert.Equal(datom[i].GetProperty("text").GetString(), git[i].Text);
                Assert.Equal(datom[i].GetProperty("entry").GetString(), entryOf[git[i].Commit]);
                Assert.Equal(datom[i].GetProperty("author").GetString() + "@datom", git[i].Mail);
            }
        }

        Assert.Equal("core: unchanged; nothing transacted", Ok(DatomProcess.Run(null, "code", "import", "--data", s.Data, "--git", repo)).Lines[0]);
        File.WriteAllText(Path.Combine(repo, "core.yin"), File.ReadAllText(Path.Combine(repo, "core.yin")).Replace("\"!!\"", "\"!!!\"", StringComparison.Ordinal));
        StockGit.Run(repo, "-c", "user.name=Dana", "-c", "user.email=dana@example.org", "commit", "-q", "-am", "even louder");
        var import = Ok(DatomProcess.Run(null, "code", "import", "--data", s.Data, "--git", repo)).Lines;
        Assert.EndsWith("changed: core/shout", import[0], StringComparison.Ordinal);
        Assert.EndsWith(": even louder", import[1], StringComparison.Ordinal);
        Assert.EndsWith("even louder", Ok(DatomProcess.Run(null, "code", "history", "--data", s.Data, "core/shout")).Lines[^1], StringComparison.Ordinal);

        var notEmpty = DatomProcess.Run(null, "code", "export", "--data", s.Data, "--git", dir.Path);
        Assert.Equal(1, notEmpty.ExitCode);
        Assert.Contains("is neither empty nor a git repository", notEmpty.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, DatomProcess.Run(null, "code", "import", "--data", s.Data, "--git", dir.Sub("missing")).ExitCode);
    }

    private sealed record GitBlameLine(string Commit, string Mail, string Text);

    private static List<GitBlameLine> GitBlame(string repo, string lines)
    {
        string[] args = lines.Length == 0 ? ["blame", "--porcelain", "core.yin"] : ["blame", "--porcelain", "-L", lines, "core.yin"];
        var result = new List<GitBlameLine>();
        var mails = new Dictionary<string, string>();
        string? commit = null;
        foreach (var line in StockGit.Run(repo, args).Split('\n'))
        {
            if (line.StartsWith('\t'))
                result.Add(new GitBlameLine(commit!, "", line[1..]));
            else if (line.StartsWith("author-mail ", StringComparison.Ordinal))
                mails[commit!] = line["author-mail ".Length..].Trim('<', '>');
            else if (line.Length >= 40 && line[..40].All(Uri.IsHexDigit) && line.Split(' ').Length >= 3)
                commit = line[..40];
        }
        return [.. result.Select(r => r with { Mail = mails[r.Commit] })];
    }
}
