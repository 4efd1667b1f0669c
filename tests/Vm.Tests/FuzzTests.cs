using Datom.Log.Edn;
using Datom.Vm.Ast;
using Datom.Vm.Loading;
using Datom.Vm.Printing;
using Datom.Vm.Reading;
using Datom.Vm.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>Random input for the reader, analyzer and printer, and random values for the continuation codec.</summary>
public class FuzzTests
{
    /// <summary>Whatever the text, reading and analyzing it either succeeds or fails with a <see cref="CodeException"/> that has a line.</summary>
    [Property(Arbitrary = [typeof(Seeds)], MaxTest = 1000)]
    public void Any_text_is_loaded_or_refused_with_a_line(int seed)
    {
        var text = Generators.Noise(new Random(seed));
        try
        {
            var forms = SourceReader.Read(text, "fuzz.clj");
            var unit = Analyzer.Analyze(forms, "fuzz.clj", EmptyCatalog.Instance);
            // What was accepted prints and reads back to the same nodes.
            var view = new MemoryDatomView(unit.Nodes);
            var printed = AstPrinter.Print(view, unit.Namespace);
            var again = Analyzer.Analyze(SourceReader.Read(printed, "fuzz.clj"), "fuzz.clj", EmptyCatalog.Instance);
            Assert.Equal(unit.Nodes.Select(n => n.Key).Order(StringComparer.Ordinal), again.Nodes.Select(n => n.Key).Order(StringComparer.Ordinal));
        }
        catch (CodeException e)
        {
            Assert.True(e.Line >= 1, $"seed {seed}: {e.Message}");
            Assert.StartsWith("fuzz.clj:", e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A value suspended with, stored as datoms and read back, is the same value.</summary>
    [Property(Arbitrary = [typeof(Seeds)], MaxTest = 150)]
    public async Task Stored_values_come_back_equal(int seed)
    {
        var text = Generators.EdnValue(new Random(seed), 3);
        using var t = TestDb.InMemory();
        await t.LoadAsync("(ns k)\n(defn main [v] (let [w (suspend v)] [v w]))", "k.clj");
        using var vm = await t.VmAsync();
        var value = EdnReader.ReadOne(text);
        var suspended = vm.Run("k/main", [value]);
        Assert.Equal(RunStatus.Suspended, suspended.Status);
        var id = await vm.SaveAsync(suspended.Continuation!);
        var loaded = vm.LoadContinuation(id);
        Assert.Equal(suspended.Value, loaded.SuspendedWith);
        var resumed = vm.Resume(loaded, value);
        Assert.Equal($"[{suspended.Value} {suspended.Value}]", resumed.Value);
    }
}
