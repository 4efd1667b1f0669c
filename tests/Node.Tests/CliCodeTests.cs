using System.Text.Json;
using Xunit;

namespace Datom.Node.Tests;

/// <summary>datom code load, show, run (with --time) and resume, as a user runs them.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class CliCodeTests
{
    private const string Source = """
        (ns core)

        (defrecord User [^String name ^Long age])

        (defn ^String greet [^User user]
          (str "Hello, " (:name user) "!"))

        (defn fib [n]
          (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))

        (defn ask []
          (* 2 (suspend :need-x)))

        (defn spin [] (loop [] (recur)))
        """;

    [Fact]
    public void Load_show_run_time_and_resume()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);
        var file = Path.Combine(dir.Path, "core.clj");
        File.WriteAllText(file, Source);

        var load = DatomProcess.Run(null, "code", "load", "--data", data, "-m", "first version", file);
        Assert.True(load.ExitCode == 0, load.Stderr);
        Assert.StartsWith("core: ", load.Stdout, StringComparison.Ordinal);
        Assert.Contains("changed: core core/User core/ask core/fib core/greet core/spin", load.Stdout, StringComparison.Ordinal);
        var again = DatomProcess.Run(null, "code", "load", "--data", data, file);
        Assert.Equal("core: unchanged; nothing transacted", again.Stdout.Trim());

        var show = DatomProcess.Run(null, "code", "show", "--data", data, "core/greet");
        Assert.Equal("(defn ^String greet [^User user]\n  (str \"Hello, \" (:name user) \"!\"))\n", show.Stdout);

        Assert.Equal("6765", DatomProcess.Run(null, "code", "run", "--data", data, "core/fib", "20").Stdout.Trim());

        var timed = DatomProcess.Run(null, "code", "run", "--data", data, "core/fib", "15", "--time", "5");
        Assert.True(timed.ExitCode == 0, timed.Stderr);
        using var json = JsonDocument.Parse(timed.Stdout);
        Assert.Equal(5, json.RootElement.GetProperty("runs").GetInt32());
        Assert.True(json.RootElement.GetProperty("median_ms").GetDouble() >= json.RootElement.GetProperty("min_ms").GetDouble());
        Assert.Equal("610", json.RootElement.GetProperty("result").GetString());

        var asked = DatomProcess.Run(null, "code", "run", "--data", data, "core/ask");
        Assert.Equal(":need-x", asked.Stdout.Trim());
        var id = asked.Stderr.Split("code resume ")[1].Split(' ')[0];
        Assert.Equal("42", DatomProcess.Run(null, "code", "resume", "--data", data, id, "21").Stdout.Trim());
    }

    [Fact]
    public void Bad_input_gets_a_clear_error()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        DatomProcess.Run(null, "init", "--data", data);
        var file = Path.Combine(dir.Path, "core.clj");
        File.WriteAllText(file, Source);
        DatomProcess.Run(null, "code", "load", "--data", data, file);

        var bad = Path.Combine(dir.Path, "bad.clj");
        File.WriteAllText(bad, "(ns bad)\n(defn f [x]\n  (+ x 1)\n");
        var syntax = DatomProcess.Run(null, "code", "load", "--data", data, bad);
        Assert.Equal(1, syntax.ExitCode);
        Assert.StartsWith("datom: bad.clj:2:1: syntax error: unterminated list", syntax.Stderr, StringComparison.Ordinal);

        var unknown = DatomProcess.Run(null, "code", "run", "--data", data, "core/nope");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown function core/nope", unknown.Stderr, StringComparison.Ordinal);

        var arity = DatomProcess.Run(null, "code", "run", "--data", data, "core/fib", "1", "2");
        Assert.Contains("core.clj:8: wrong number of arguments: core/fib takes 1, called with 2 [:error/arity]", arity.Stderr, StringComparison.Ordinal);

        var type = DatomProcess.Run(null, "code", "run", "--data", data, "core/fib", "\"x\"");
        Assert.Contains("[:error/type]", type.Stderr, StringComparison.Ordinal);
        Assert.Contains("at core/fib (core.clj:9)", type.Stderr, StringComparison.Ordinal);

        var fuel = DatomProcess.Run(null, "code", "run", "--data", data, "core/spin", "--fuel", "100000");
        Assert.Equal(1, fuel.ExitCode);
        Assert.Contains("fuel limit: the program ran more than 100000 steps [:limit/fuel]", fuel.Stderr, StringComparison.Ordinal);
    }
}
