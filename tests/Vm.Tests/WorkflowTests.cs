using Datom.Vm.Printing;
using Datom.Vm.Reading;
using Datom.Vm.Tests.Support;
using Datom.Vm.Workflow;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>
/// The code workflow (history, versions, edit, diff, blame, conflicts, revert, pick, git export and
/// import) on <see cref="ScriptedHistory"/>: three authors and a concurrent edit.
/// </summary>
public class WorkflowTests
{
    private static CodeHistory History(ScriptedHistory h) => CodeHistory.Load(h.Alice.Db, h.Alice.Log);

    [Fact]
    public async Task History_lists_every_version_of_a_function_with_author_time_and_reason()
    {
        using var h = await ScriptedHistory.CreateAsync();
        var history = History(h);
        var greet = history.Touching("core/greet");
        Assert.Equal([h.First.Hash, h.Hi.Hash, h.Hey.Hash, h.Howdy.Hash], greet.Select(t => t.Hash));
        Assert.Equal([h.Alice.Id, h.Bob.Id, h.Bob.Id, h.Carol.Id], greet.Select(t => t.Author.ToString()));
        Assert.Equal(["first version", "friendlier greeting", "bob: hey", "carol: howdy"], greet.Select(t => t.Reason));
        Assert.Equal([1000L, 2000, 4000, 4100], greet.Select(t => t.Time.UnixMilliseconds));
        Assert.Equal([h.First.Hash, h.Louder.Hash], history.Touching("core/shout").Select(t => t.Hash));
        Assert.Equal(5, history.Touching("core").Count);

        // The two last versions of greet are concurrent; the earlier ones are not.
        Assert.Equal([h.Howdy.Hash], CodeHistory.ConcurrentWith(h.Alice.Log, greet[2], greet).Select(t => t.Hash));
        Assert.Empty(CodeHistory.ConcurrentWith(h.Alice.Log, greet[1], greet));
    }

    [Fact]
    public async Task Each_version_prints_as_its_author_made_it_and_the_winner_is_current()
    {
        using var h = await ScriptedHistory.CreateAsync();
        var history = History(h);
        var greet = history.Touching("core/greet");
        string Body(int i) => LineDiff.Lines(CodeHistory.Print(history.AsOfEntry(greet[i]), "core/greet"))[1];
        Assert.Equal("  (str \"Hello, \" name))", Body(0));
        Assert.Equal("  (str \"Hi, \" name))", Body(1));
        Assert.Equal("  (str \"Hey, \" name))", Body(2));
        Assert.Equal("  (str \"Howdy, \" name))", Body(3));
        Assert.Equal(ScriptedHistory.HowdyGreet, AstPrinter.Print(h.Alice.Db.Current(), "core/greet"));
        // Every node agrees, and the VM runs the winner.
        Assert.Equal(ScriptedHistory.HowdyGreet, AstPrinter.Print(h.Bob.Db.Current(), "core/greet"));
        using var vm = await YinVm.OpenAsync(h.Alice.Db);
        Assert.Equal("\"Howdy, Ann!!\"", vm.Run("core/shout", ["Ann"]).Value);
    }

    [Fact]
    public async Task Editing_one_definition_transacts_only_what_changed()
    {
        using var h = await ScriptedHistory.CreateAsync();
        var loader = h.Alice.Loader;
        var unchanged = await loader.LoadDefinitionAsync(ScriptedHistory.LouderShout, "core/shout", "nothing");
        Assert.False(unchanged.Transacted);

        var edited = await loader.LoadDefinitionAsync("(defn shout [name]\n  (str (greet name)\n    \"?!\"))\n", "core/shout", "question");
        Assert.True(edited.Transacted);
        Assert.Equal(["core/shout"], edited.Changed);
        Assert.Equal(1, edited.Asserted); // the literal's new value; the old one is retracted
        Assert.Equal(1, edited.Retracted);
        Assert.Contains("(defn greet [name]", AstPrinter.Print(h.Alice.Db.Current(), "core"), StringComparison.Ordinal);

        // Errors name the line in the edited text, and nothing is transacted.
        var before = h.Alice.Log.Count;
        var syntax = await Assert.ThrowsAsync<CodeException>(() => loader.LoadDefinitionAsync("(defn shout [name]\n  (str name\n", "core/shout"));
        Assert.Equal(2, syntax.Line);
        var unknown = await Assert.ThrowsAsync<CodeException>(() => loader.LoadDefinitionAsync("(defn shout [name]\n\n  (gret name))\n", "core/shout"));
        Assert.Equal(3, unknown.Line);
        Assert.Contains("gret", unknown.Message, StringComparison.Ordinal);
        var renamed = await Assert.ThrowsAsync<CodeException>(() => loader.LoadDefinitionAsync("(defn yell [name] name)", "core/shout"));
        Assert.Contains("not core/shout", renamed.Message, StringComparison.Ordinal);
        var two = await Assert.ThrowsAsync<CodeException>(() => loader.LoadDefinitionAsync("(defn shout [name] name)\n(defn x [] 1)", "core/shout"));
        Assert.Equal(2, two.Line);
        Assert.Equal(before, h.Alice.Log.Count);
    }

    [Fact]
    public async Task A_definition_that_grew_pushes_the_next_one_down_when_the_namespace_is_printed()
    {
        using var h = await ScriptedHistory.CreateAsync();
        await h.Alice.EditAsync("core/greet", "(defn greet [name]\n  (str \"Hello, \"\n    name\n    \".\"))\n", "longer", 5000);
        var (text, ranges) = AstPrinter.PrintNamespaceWithRanges(h.Alice.Db.Current(), "core");
        Assert.Equal("""
            (ns core)

            (defn greet [name]
              (str "Hello, "
                name
                "."))

            (defn shout [name]
              (str (greet name)
                "!!"))

            """, text);
        Assert.Equal((3, 6), ranges["core/greet"]);
        Assert.Equal((8, 10), ranges["core/shout"]);
        // Reading the printout back makes the same definitions (only shout's lines move).
        var reload = await h.Alice.Loader.LoadAsync(text, "core.clj");
        Assert.Equal(["core/shout"], reload.Changed);
    }

    [Fact]
    public async Task The_semantic_diff_names_the_changed_facts_and_shows_them_on_the_source()
    {
        using var h = await ScriptedHistory.CreateAsync();
        var db = h.Alice.Db;
        var diff = SemanticDiff.Compare(db.AsOf([h.First.Hash]), db.AsOf([h.Hi.Hash]), "core/greet");
        Assert.Equal(["core/greet#b0.a0 :literal/string \"Hello, \""], diff.Removed);
        Assert.Equal(["core/greet#b0.a0 :literal/string \"Hi, \""], diff.Added);
        Assert.Equal(["@@ -2,1 +2,1 @@", "-  (str \"Hello, \" name))", "+  (str \"Hi, \" name))"], diff.Source);

        // Between branches: Bob's and Carol's concurrent versions.
        var branches = SemanticDiff.Compare(db.Branch(h.Hey.Hash), db.Branch(h.Howdy.Hash), "core/greet");
        Assert.Equal(["core/greet#b0.a0 :literal/string \"Hey, \""], branches.Removed);
        Assert.Equal(["core/greet#b0.a0 :literal/string \"Howdy, \""], branches.Added);

        // Between times: shout grew a line at t=3000.
        var times = SemanticDiff.Compare(db.AsOf(DateTimeOffset.FromUnixTimeMilliseconds(2500)), db.Current(), "core/shout");
        Assert.Contains("core/shout#b0.a1 :ast/line 8", times.Added); // lines count in the namespace
        Assert.Equal(["@@ -2,1 +2,2 @@", "-  (str (greet name) \"!\"))", "+  (str (greet name)", "+    \"!!\"))"], times.Source);

        Assert.True(SemanticDiff.Compare(db.Current(), db.Current(), "core/greet").IsEmpty);
        var created = SemanticDiff.Compare(db.AsOf(DateTimeOffset.FromUnixTimeMilliseconds(10)), db.Current(), "core/greet");
        Assert.False(created.ExistsBefore);
        Assert.Empty(created.Removed);
    }

    [Fact]
    public async Task Blame_gives_each_line_the_transaction_that_produced_it()
    {
        using var h = await ScriptedHistory.CreateAsync();
        var history = History(h);
        var greet = CodeBlame.Blame(history, "core/greet");
        Assert.Equal(["(defn greet [name]", "  (str \"Howdy, \" name))"], greet.Select(l => l.Text));
        Assert.Equal([h.First.Hash, h.Howdy.Hash], greet.Select(l => l.Origin.Hash));
        var shout = CodeBlame.Blame(history, "core/shout");
        Assert.Equal([h.First.Hash, h.Louder.Hash, h.Louder.Hash], shout.Select(l => l.Origin.Hash));
        Assert.Equal("louder", shout[1].Origin.Reason);
        Assert.Equal(h.Carol.Id, shout[1].Origin.Author.ToString());
        var ns = CodeBlame.Blame(history, "core");
        Assert.Equal(8, ns.Count);
        Assert.Throws<KeyNotFoundException>(() => CodeBlame.Blame(history, "core/nope"));
        Assert.Throws<KeyNotFoundException>(() => CodeBlame.Blame(history, "nope"));
    }

    [Fact]
    public async Task Concurrent_edits_are_conflicts_the_winner_runs_and_a_pick_resolves_them()
    {
        using var h = await ScriptedHistory.CreateAsync();
        var conflicts = CodeConflicts.Find(h.Alice.Db, History(h));
        var conflict = Assert.Single(conflicts);
        Assert.Equal("core/greet", conflict.Definition);
        Assert.Equal([h.Howdy.Hash, h.Hey.Hash], conflict.Versions.Select(v => v.Tx.Hash));
        Assert.Equal([true, false], conflict.Versions.Select(v => v.Winner));
        Assert.Equal(ScriptedHistory.HeyGreet, conflict.Versions[1].Source);

        // Pick Bob's: it becomes current, on every node that receives the pick, and the conflict is gone.
        h.Alice.Clock.UnixMilliseconds = 5000;
        var picked = await CodeRestore.RestoreAsync(h.Alice.Loader, History(h).AsOfEntry(conflict.Versions[1].Tx), "core/greet", "pick bob's");
        Assert.True(picked.Transacted);
        Assert.Equal(ScriptedHistory.HeyGreet, AstPrinter.Print(h.Alice.Db.Current(), "core/greet"));
        Assert.Empty(CodeConflicts.Find(h.Alice.Db, History(h)));
        await h.Carol.ReceiveAsync(h.Alice);
        Assert.Equal(ScriptedHistory.HeyGreet, AstPrinter.Print(h.Carol.Db.Current(), "core/greet"));
        Assert.Empty(CodeConflicts.Find(h.Carol.Db, CodeHistory.Load(h.Carol.Db, h.Carol.Log)));
        using var vm = await YinVm.OpenAsync(h.Alice.Db);
        Assert.Equal("\"Hey, Ann\"", vm.Run("core/greet", ["Ann"]).Value);
    }

    [Fact]
    public async Task Revert_restores_an_old_version_and_ends_the_conflict()
    {
        using var h = await ScriptedHistory.CreateAsync();
        h.Alice.Clock.UnixMilliseconds = 6000;
        var reverted = await CodeRestore.RestoreAsync(h.Alice.Loader, h.Alice.Db.AsOf([h.First.Hash]), "core/greet", "back to hello");
        Assert.Equal(ScriptedHistory.V1.Split('\n')[2] + "\n" + ScriptedHistory.V1.Split('\n')[3] + "\n", AstPrinter.Print(h.Alice.Db.Current(), "core/greet"));
        Assert.Equal("back to hello", History(h).Touching("core/greet")[^1].Reason);
        Assert.Equal(reverted.Entry!.Hash, History(h).Touching("core/greet")[^1].Hash);
        Assert.Empty(CodeConflicts.Find(h.Alice.Db, History(h)));
        // Shout, which the reverted version predates, is untouched.
        Assert.Equal(ScriptedHistory.LouderShout, AstPrinter.Print(h.Alice.Db.Current(), "core/shout"));
        await Assert.ThrowsAsync<KeyNotFoundException>(() =>
            CodeRestore.RestoreAsync(h.Alice.Loader, h.Alice.Db.AsOf(DateTimeOffset.FromUnixTimeMilliseconds(10)), "core/greet", "too early"));
    }

    [Fact]
    public void Line_diff_slides_added_lines_down_as_git_does()
    {
        string[] a = ["x", "", "y"];
        string[] b = ["x", "", "new", "", "y"];
        Assert.Equal([0, 1, -1, -1, 2], LineDiff.Match(a, b));
        Assert.Equal([0, -1, 1], LineDiff.Match(["a", "c"], ["a", "b", "c"]));
        Assert.Equal(["@@ -2,1 +1,0 @@", "-b"], LineDiff.Hunks(["a", "b"], ["a"]));
        Assert.Equal(["@@ -1,1 +1,1 @@", "-a", "+b"], LineDiff.Hunks(["a"], ["b"]));
        Assert.Equal(["x", "y"], LineDiff.Lines("x\ny\n"));
    }

    [Fact]
    public async Task Git_export_has_one_commit_per_transaction_and_git_blame_agrees_line_by_line()
    {
        if (!StockGit.IsAvailable())
            return;
        using var h = await ScriptedHistory.CreateAsync();
        using var dir = new TempDirectory();
        var repo = Path.Combine(dir.Path, "repo");
        var history = History(h);
        var result = await GitBridge.ExportAsync(history, repo);
        Assert.Equal(5, result.Commits);

        var log = StockGit.Run(repo, "log", "--reverse", "--format=%an|%ae|%at|%s");
        Assert.Equal(
        [
            $"{h.Alice.Id[..12]}|{h.Alice.Id}@datom|1|first version",
            $"{h.Bob.Id[..12]}|{h.Bob.Id}@datom|2|friendlier greeting",
            $"{h.Carol.Id[..12]}|{h.Carol.Id}@datom|3|louder",
            $"{h.Bob.Id[..12]}|{h.Bob.Id}@datom|4|bob: hey",
            $"{h.Carol.Id[..12]}|{h.Carol.Id}@datom|4|carol: howdy",
        ], LineDiff.Lines(log));
        Assert.Equal(AstPrinter.Print(h.Alice.Db.Current(), "core"), File.ReadAllText(Path.Combine(repo, "core.yin")));

        // git blame, line by line, names the same entries as datom's blame.
        var entryOf = LineDiff.Lines(StockGit.Run(repo, "log", "--format=%H %(trailers:key=Datom-Entry,valueonly,separator=)"))
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
        var gitBlame = GitBlame(repo, "core.yin");
        var datomBlame = CodeBlame.Blame(history, "core");
        Assert.Equal(datomBlame.Count, gitBlame.Count);
        for (var i = 0; i < gitBlame.Count; i++)
        {
            Assert.Equal(datomBlame[i].Text, gitBlame[i].Text);
            Assert.Equal(datomBlame[i].Origin.Hash.ToString(), entryOf[gitBlame[i].Commit]);
        }

        // The same history exports to the same commits.
        using var dir2 = new TempDirectory();
        var again = await GitBridge.ExportAsync(history, Path.Combine(dir2.Path, "repo"));
        Assert.Equal(result.Head, again.Head);
        await Assert.ThrowsAsync<GitException>(() => GitBridge.ExportAsync(history, dir.Path));
    }

    [Fact]
    public async Task Import_brings_the_newest_commit_in_and_an_export_imports_as_nothing()
    {
        if (!StockGit.IsAvailable())
            return;
        using var h = await ScriptedHistory.CreateAsync();
        using var dir = new TempDirectory();
        var repo = Path.Combine(dir.Path, "repo");
        await GitBridge.ExportAsync(History(h), repo);
        var (_, same) = await GitBridge.ImportAsync(h.Alice.Db, h.Alice.Loader, repo);
        Assert.False(Assert.Single(same).Transacted);

        File.WriteAllText(Path.Combine(repo, "core.yin"), File.ReadAllText(Path.Combine(repo, "core.yin")).Replace("Howdy, ", "Hello again, ", StringComparison.Ordinal));
        StockGit.Run(repo, "-c", "user.name=Dana", "-c", "user.email=dana@example.org", "commit", "-q", "-am", "warmer");
        var (commit, loads) = await GitBridge.ImportAsync(h.Alice.Db, h.Alice.Loader, repo);
        Assert.Equal("warmer", commit.Subject);
        Assert.Equal(["core/greet"], Assert.Single(loads).Changed);
        Assert.Equal("warmer", History(h).Touching("core/greet")[^1].Reason);
        Assert.Contains("Hello again, ", AstPrinter.Print(h.Alice.Db.Current(), "core/greet"), StringComparison.Ordinal);
        await Assert.ThrowsAsync<GitException>(() => GitBridge.ImportAsync(h.Alice.Db, h.Alice.Loader, dir.Path + "/missing"));
    }

    private sealed record GitBlameLine(string Commit, string Text);

    /// <summary>git blame --porcelain, one record per line of the file.</summary>
    private static List<GitBlameLine> GitBlame(string repo, string file)
    {
        var lines = new List<GitBlameLine>();
        string? commit = null;
        foreach (var line in StockGit.Run(repo, "blame", "--porcelain", file).Split('\n'))
        {
            if (line.StartsWith('\t'))
                lines.Add(new GitBlameLine(commit!, line[1..]));
            else if (line.Length >= 40 && line[..40].All(Uri.IsHexDigit) && line.Split(' ').Length >= 3)
                commit = line[..40];
        }
        return lines;
    }
}
