using System.Diagnostics;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

public class ContinuationTests
{
    private const string Work = """
        (ns work)

        (defn fib [n]
          (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))

        (defn total [n]
          (reduce (fn [acc i] (+ acc (fib (mod i 18)))) 0 (range n)))

        (defn main [n]
          {:n n :total (total n) :label (str "sum of fibs below " n)})
        """;

    private const string Conversation = """
        (ns talk)
        (defn ask [question] (suspend question))
        (defn main []
          (let [a (ask :first)
                b (ask :second)]
            (+ a b)))
        """;

    [Fact]
    public async Task Suspend_stops_the_program_and_resume_gives_suspend_its_value()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Conversation, "talk.clj");
        using var vm = await t.VmAsync();
        var first = vm.Run("talk/main", []);
        Assert.Equal(RunStatus.Suspended, first.Status);
        Assert.Equal(":first", first.Value);
        Assert.Equal(2, first.Continuation!.Depth);
        var second = vm.Resume(first.Continuation, 40L);
        Assert.Equal(":second", second.Value);
        var done = vm.Resume(second.Continuation!, 2L);
        Assert.Equal("42", done.Value);
    }

    [Fact]
    public async Task A_stored_continuation_resumes_from_its_datoms()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Work, "work.clj");
        using var vm = await t.VmAsync();
        var expected = vm.Run("work/main", [300L]).Value;
        var paused = vm.Run("work/main", [300L], new RunOptions { PauseAfterSteps = 20_000 });
        Assert.Equal(RunStatus.Paused, paused.Status);
        Assert.True(paused.Continuation!.Depth > 3, "paused inside the recursion");
        var id = await vm.SaveAsync(paused.Continuation);

        using var other = await t.VmAsync();
        var loaded = other.LoadContinuation(id);
        Assert.Equal(paused.Continuation.Depth, loaded.Depth);
        var resumed = other.Resume(loaded);
        Assert.Equal(RunStatus.Finished, resumed.Status);
        Assert.Equal(expected, resumed.Value);
        Assert.Equal(paused.Steps + resumed.Steps, vm.Run("work/main", [300L]).Steps);
    }

    [Fact]
    public async Task A_continuation_captured_mid_computation_resumes_in_another_process_with_the_same_result()
    {
        using var dir = new TempDirectory();
        string expected;
        string id;
        using (var t = TestDb.OnDisk(dir.Path))
        {
            await t.LoadAsync(Work, "work.clj");
            using var vm = await t.VmAsync();
            expected = vm.Run("work/main", [500L]).Value;
            var paused = vm.Run("work/main", [500L], new RunOptions { PauseAfterSteps = 50_000 });
            Assert.Equal(RunStatus.Paused, paused.Status);
            id = (await vm.SaveAsync(paused.Continuation!)).ToString();
        }

        var (exit, stdout, stderr) = await RunChildAsync("--data", dir.Path, "--resume", id);
        Assert.True(exit == 0, $"child exited {exit}: {stderr}");
        Assert.Equal(expected, stdout.Trim());
    }

    [Fact]
    public async Task A_suspended_continuation_resumes_in_another_process_with_a_value()
    {
        using var dir = new TempDirectory();
        string id;
        using (var t = TestDb.OnDisk(dir.Path))
        {
            await t.LoadAsync(Conversation, "talk.clj");
            using var vm = await t.VmAsync();
            var first = vm.Run("talk/main", []);
            var second = vm.Resume(first.Continuation!, 40L);
            id = (await vm.SaveAsync(second.Continuation!)).ToString();
        }
        var (exit, stdout, stderr) = await RunChildAsync("--data", dir.Path, "--resume", id, "--value", "2");
        Assert.True(exit == 0, $"child exited {exit}: {stderr}");
        Assert.Equal("42", stdout.Trim());
    }

    [Fact]
    public async Task A_continuation_finishes_in_the_code_it_was_captured_in()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Conversation, "talk.clj");
        using var vm = await t.VmAsync();
        var first = vm.Run("talk/main", []);
        var id = await vm.SaveAsync(first.Continuation!);
        await Task.Delay(20);
        // main now multiplies; the stored frames were running the version that adds.
        await t.LoadAsync(Conversation.Replace("(+ a b)", "(* a b)", StringComparison.Ordinal), "talk.clj");
        using var later = await t.VmAsync();
        var k = later.LoadContinuation(id);
        var second = later.Resume(k, 40L);
        Assert.Equal("42", later.Resume(second.Continuation!, 2L).Value);
        // A fresh run uses the new code.
        var fresh = later.Run("talk/main", []);
        Assert.Equal("80", later.Resume(later.Resume(fresh.Continuation!, 40L).Continuation!, 2L).Value);
    }

    [Fact]
    public async Task Closures_records_and_collections_survive_storage()
    {
        const string Source = """
            (ns keep)
            (defrecord Box [v])
            (defn main []
              (let [k 10
                    add (fn [x] (+ x k))
                    b (->Box {:xs [1 2] :s #{:a} :q (quote sym)})
                    r (suspend :wait)]
                [(add r) b (map add [1 2]) (seq [7 8])]))
            """;
        using var t = TestDb.InMemory();
        await t.LoadAsync(Source, "keep.clj");
        using var vm = await t.VmAsync();
        var expected = vm.Resume(vm.Run("keep/main", []).Continuation!, 5L).Value;
        var id = await vm.SaveAsync(vm.Run("keep/main", []).Continuation!);
        using var other = await t.VmAsync();
        Assert.Equal(expected, other.Resume(other.LoadContinuation(id), 5L).Value);
        Assert.Equal("[15 #keep.Box{:v {:xs [1 2], :s #{:a}, :q sym}} (11 12) (7 8)]", expected);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunChildAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Datom.Vm.Child.dll");
        Assert.True(File.Exists(dll), "the child is not in the test output folder");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
