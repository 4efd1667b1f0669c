using System.Numerics;
using System.Text;
using Datom.Fuzz.Engine;
using Datom.Log.Edn;

namespace Datom.Fuzz.Targets;

/// <summary>
/// The EDN reader (<see cref="EdnReader.ReadAll"/>, and <see cref="EdnReader.TryRead"/> on a stream).
/// Allowed error: <see cref="EdnException"/> with a line and column inside the text. Oracles:
/// <list type="bullet">
/// <item>a slow reference: the same text streamed through a <see cref="TextReader"/> that hands out
/// a few characters per read (one at a time for short texts) gives the same values, or the same
/// error at the same place — every buffer refill lands somewhere else;</item>
/// <item>the Clojure-source reader (<see cref="EdnReaderOptions.ClojureSyntax"/>: reader macros and
/// metadata) accepts what strict EDN accepts, with equal values;</item>
/// <item>every value read prints (<see cref="EdnWriter"/>) and reads back equal.</item>
/// </list>
/// </summary>
public sealed class EdnTarget : FuzzTarget
{
    private static readonly EdnReaderOptions Strict = new();
    // Clojure source (reader macros, metadata): what Yin's loader reads, and a superset of strict EDN.
    private static readonly EdnReaderOptions Clojure = new() { ClojureSyntax = true };

    private static readonly string[] Texts =
    [
        "[:db/add \"tempid\" :user/name \"Ada\"]",
        "[{:db/id \"u1\" :user/email \"a@b.c\" :user/age 36 :user/tags #{:x :y}} [:db/retract 17 :user/age 35] [:db/retractEntity [:user/email \"a@b.c\"]]]",
        "{:a 1, :b 2.5, :c 3N, :d 4.25M, :e -0.0, :f ##Inf, :g ##-Inf, :h ##NaN, :i nil, :j true, :k false}",
        "(defn ^:service main [] (loop [i 0] (when (< i 10) (print i) (recur (inc i)))))",
        "(ns core) (defrecord User [^String name ^Long age]) (defn ^Result process-user [^User user] (str (:name user)))",
        "#inst \"2024-01-02T03:04:05.678Z\" #inst \"1985-04-12T23:20:50.52-07:00\" #uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"",
        "; a comment\n[1 2 #_ 3 4] #_#_ 5 6 \"multi\nline\" \\a \\newline \\space \\tab \\u00e9 \\\\",
        "\"escapes: \\t \\r \\n \\\\ \\\" \\b \\f \\u0041 \\u00e9\"",
        "#myapp/Person {:first \"Fred\" :last \"Mertz\"} #a.b/c [1 2 3]",
        "[a/b +a -a .a *a* a! a? a-b a.b/c-d <= >= = != ... / -]",
        "{[1 2] {:nested #{(1 2) [3 4]}} \"k\" {:inner {:deeper {:deepest []}}}}",
        "[9223372036854775807 -9223372036854775808 9223372036854775808 1e308 1e-308 4.9e-324 0 -0 +1 1.0E10]",
        "(query [:find ?n :where [?e :user/name ?n]]) (transact! [{:user/name \"x\"}])",
        "^{:doc \"meta map\"} [1 2] ^:private sym ^Long x",
        "{:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}",
        "()[]{}#{}\"\"",
        "[\\( \\) \\[ \\] \\\" \\; \\#]",
        "(defmacro m [x] `(let [y# ~x] (f y# ~@[1 2] '~x @a))) #(+ % %2 %&) #\"a\\d\\\"\" #'v [0x1F 017 2r101 1.]",
    ];

    private static readonly string[] Words =
    [
        "(", ")", "[", "]", "{", "}", "#{", "#_", "#", "##", "##Inf", "##NaN", "^", "^:k", "^{:a 1}", "\"", "\\", "\\u", "\\uD83D",
        ";", ":", "::", ":a/b", "a/b", "/", "#inst", "#uuid", "#tag/x", "#:a{}", "#?(:clj 1)", "#\"re\"", "'", "`", "~", "@", "nil",
        "true", "false", "1N", "1M", "1e", "-", "+", ".", "...", ",", "\n", "\t", "\u00a0",
    ];

    public override string Name => "edn";

    public override bool IsText => true;

    public override IReadOnlyList<byte[]> Dictionary { get; } = [.. Words.Select(Encoding.UTF8.GetBytes)];

    public override FuzzOutcome Run(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        var strict = Read(text, Strict);
        var streamed = ReadStreamed(text, Strict);
        SameResult(strict, streamed, text, "a streaming read (a few characters per refill)");

        var clojure = Read(text, Clojure);
        if (strict.Error is null)
        {
            if (clojure.Error is not null)
                throw new FuzzContractException($"strict EDN accepted the text, the Clojure reader refused it: {clojure.Error.Message}");
            SameResult(strict, clojure, text, "the Clojure reader");
        }

        foreach (var value in clojure.Values ?? [])
            RoundTrip(value);

        if (strict.Error is { } strictError)
            CheckSpecific(strictError, text);
        if (clojure.Error is not { } error)
            return FuzzOutcome.Accept();
        CheckSpecific(error, text);
        return FuzzOutcome.Reject("EdnException: " + Category(error.Reason));
    }

    /// <summary>A reason without what varies (the offending text), so the report counts kinds of error.</summary>
    internal static string Category(string reason)
    {
        var cut = reason.IndexOfAny([':', '\'', '"', '\\', '#', '{', '(', '[']);
        return cut > 0 ? reason[..cut].TrimEnd() : reason;
    }

    /// <summary>Every write is read back equal; values with no EDN form (none from the reader) are a failure too.</summary>
    internal static void RoundTrip(object? value)
    {
        string written;
        try
        {
            written = EdnWriter.Write(value);
        }
        catch (InsufficientExecutionStackException)
        {
            return; // A value nested near the depth cap on a small stack: the writer's own guard.
        }
        object? back;
        try
        {
            back = EdnReader.ReadOne(written, Clojure);
        }
        catch (EdnException e)
        {
            throw new FuzzContractException($"EdnWriter wrote {Escape.Text(Encoding.UTF8.GetBytes(written))}, which does not read back: {e.Message}", e);
        }
        if (!EdnEquality.Instance.Equals(value, back))
            throw new FuzzContractException($"EdnWriter wrote {Escape.Text(Encoding.UTF8.GetBytes(written))}, which reads back as {EdnWriter.ToDebugString(back)}, not {EdnWriter.ToDebugString(value)}");
    }

    internal static void CheckSpecific(EdnException error, string text)
    {
        var lines = 1 + text.Count(c => c == '\n');
        if (error.Line < 1 || error.Line > lines || error.Column < 1 || string.IsNullOrWhiteSpace(error.Reason))
            throw new FuzzContractException($"EdnException without a place in the text ({lines} lines): line {error.Line}, column {error.Column}, reason \"{error.Reason}\"", error);
    }

    private static ReadResult Read(string text, EdnReaderOptions options)
    {
        try
        {
            return new ReadResult(EdnReader.ReadAll(text, options), null);
        }
        catch (EdnException e)
        {
            return new ReadResult(null, e);
        }
    }

    private static ReadResult ReadStreamed(string text, EdnReaderOptions options)
    {
        var values = new List<object?>();
        try
        {
            var reader = new EdnReader(new TrickleReader(text), options);
            while (reader.TryRead(out var value))
                values.Add(value);
            return new ReadResult(values, null);
        }
        catch (EdnException e)
        {
            return new ReadResult(null, e);
        }
    }

    private static void SameResult(ReadResult expected, ReadResult actual, string text, string what)
    {
        if (expected.Error is { } e)
        {
            if (actual.Error is not { } a)
                throw new FuzzContractException($"ReadAll refused the text ({e.Message}), {what} accepted it");
            if (a.Line != e.Line || a.Column != e.Column || a.Reason != e.Reason)
                throw new FuzzContractException($"ReadAll and {what} disagree on the error: \"{e.Message}\" against \"{a.Message}\"");
            return;
        }
        if (actual.Error is { } error)
            throw new FuzzContractException($"ReadAll accepted the text ({text.Length} chars), {what} refused it: {error.Message}", error);
        if (expected.Values!.Count != actual.Values!.Count)
            throw new FuzzContractException($"ReadAll read {expected.Values.Count} forms, {what} {actual.Values.Count}");
        for (var i = 0; i < expected.Values.Count; i++)
        {
            if (!EdnEquality.Instance.Equals(expected.Values[i], actual.Values[i]))
                throw new FuzzContractException($"form {i}: ReadAll read {EdnWriter.ToDebugString(expected.Values[i])}, {what} {EdnWriter.ToDebugString(actual.Values[i])}");
        }
    }

    protected override IReadOnlyList<byte[]> BuildCorpus()
    {
        var corpus = new List<string>(Texts);
        // The real printer's output for what the reader made of each text, and for values built here.
        foreach (var text in Texts)
        {
            foreach (var value in EdnReader.ReadAll(text, Clojure))
                corpus.Add(EdnWriter.Write(value));
        }
        object?[] built =
        [
            new BigInteger(ulong.MaxValue) * 7, decimal.MaxValue, decimal.MinValue, 1.5e-300, double.Epsilon, float.MaxValue,
            "\u0000\u0001\u001f\u007f\ud800x\udc00\"\\", '\u0000', '\ud800', ',', ' ', Guid.Empty,
            new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(9999, 12, 31, 23, 59, 59, 999, TimeSpan.FromHours(14)),
            EdnVector.Of(Keyword.Intern("a", "b"), Symbol.Intern("c", "d"), new EdnTagged(Symbol.Intern("my", "tag"), EdnList.Of(1L, 2L))),
        ];
        corpus.Add(EdnWriter.Write(EdnVector.Of(built)));
        corpus.Add(new string('[', 100) + new string(']', 100));
        return [.. corpus.Select(Encoding.UTF8.GetBytes)];
    }

    private sealed record ReadResult(IReadOnlyList<object?>? Values, EdnException? Error);

    /// <summary>
    /// Hands out at most a few characters per read: one at a time for short texts, otherwise 1 to 7
    /// in a pattern fixed by the text, so every buffer refill and token boundary lands elsewhere.
    /// </summary>
    internal sealed class TrickleReader(string text) : TextReader
    {
        private readonly int _step = text.Length < 256 ? 0 : (text.Length % 7) + 1;
        private int _position;
        private int _calls;

        public override int Read(char[] buffer, int index, int count)
        {
            var chunk = _step == 0 ? 1 : ((_calls++ * _step) % 7) + 1;
            var n = Math.Min(Math.Min(count, chunk), text.Length - _position);
            text.CopyTo(_position, buffer, index, n);
            _position += n;
            return n;
        }

        public override int Read(Span<char> buffer)
        {
            var chunk = _step == 0 ? 1 : ((_calls++ * _step) % 7) + 1;
            var n = Math.Min(Math.Min(buffer.Length, chunk), text.Length - _position);
            text.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int Read() => _position < text.Length ? text[_position++] : -1;
    }
}
