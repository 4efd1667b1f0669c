using System.Diagnostics;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using Datom.Log.Edn;
using Xunit;

namespace Datom.Log.Tests.Edn;

/// <summary>
/// The EDN fuzz target: mutated inputs must end in values or <see cref="EdnException"/>s and
/// nothing else, and whatever reads must survive a write/read round trip. A second target checks
/// the reader's token grammar against a slow reference: the spec's grammar as regular expressions.
/// </summary>
public partial class EdnFuzzTests
{
    private const int MutatedInputs = 20_000;

    private static readonly string[] Corpus =
    [
        "[:db/add \"tmp\" :user/email \"a@b\"]",
        "{:db/id \"x\" :user/name \"Ann\" :user/age 42 :user/tags #{:a :b}}",
        "[[:db/retract 17 :user/email \"old@x\"] [:db/add -1 :user/score 1.5e-3]]",
        "(defn ^Result process-user [^User user] (let [x (:name user)] #_(debug x) x))",
        "(defn ^:service main [] ^{:doc \"d\"} [1 2 3])",
        "#inst \"1985-04-12T23:20:50.52Z\" #uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"",
        "#myapp/Person {:first \"Fred\" :last \"Mertz\"} #a/b #c/d [1]",
        "[1 -0 +5 01 1N 1.5M 1e10 -1.5E+3 ##Inf ##-Inf ##NaN 9223372036854775808]",
        "\"esc \\t \\n \\\" \\\\ \\u00e9 multi\nline\" \\a \\newline \\u0041 \\( \\space",
        "; comment\n#_ #_ a b c ,,, #_ [1 (2 {3 4})] d",
        "{nil 1 [1 2] #{3} (4) {5 6} \"k\" :v true false}",
        "[a b/c / + - . ... -a +b .c a#b a:b a' *x* <=> ?e]",
        ":a :a/b :a.b/c-d :+ :- :a:b",
        "#{1 2 3 [4 5] (6 7) #{8}}",
        "[[[[[[[[[[1]]]]]]]]]]",
        "{:find [?e ?n] :where [[?e :user/name ?n] [(> ?n 10)]]}",
    ];

    // Characters that steer the reader into every branch, plus a few it must reject or carry.
    private const string Alphabet = "()[]{}#_^\"\\;:,/.+-0123456789eEMNxaZ \n\t'`~@|!?*&%$<>=é😀\u0000\ud800";

    [Fact]
    public void Mutated_inputs_end_in_a_value_or_an_EdnException()
    {
        var random = new Random(20_240_601);
        var failures = new List<string>();
        var strict = new EdnReaderOptions { MaxDepth = 64 };
        var clojure = new EdnReaderOptions { MaxDepth = 64, AllowMetadata = true };
        var stopwatch = Stopwatch.StartNew();
        var read = 0;

        for (var i = 0; i < MutatedInputs && failures.Count < 5; i++)
        {
            var input = Mutate(Corpus[random.Next(Corpus.Length)], random);
            try
            {
                var forms = EdnReader.ReadAll(input, i % 2 == 0 ? strict : clojure);
                read++;
                foreach (var form in forms)
                {
                    var text = EdnWriter.Write(form);
                    if (!EdnEquality.Instance.Equals(form, EdnReader.ReadOne(text)))
                    {
                        failures.Add($"round trip differs for {Quote(input)}: {text}");
                    }
                }
            }
            catch (EdnException)
            {
            }
            catch (Exception ex)
            {
                failures.Add($"{ex.GetType().Name} for {Quote(input)}: {ex.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.InRange(read, MutatedInputs / 20, MutatedInputs);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"fuzzing took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Token_grammar_matches_the_spec_reference()
    {
        var random = new Random(7);
        const string TokenAlphabet = "0123456789+-.eEMN/:#'aZx*!_?<>";
        var mismatches = new List<string>();
        for (var i = 0; i < 50_000 && mismatches.Count < 10; i++)
        {
            var length = random.Next(1, 7);
            var chars = new char[length];
            for (var j = 0; j < length; j++)
            {
                chars[j] = TokenAlphabet[random.Next(TokenAlphabet.Length)];
            }

            var token = new string(chars);
            if (token[0] == '#')
            {
                continue;
            }

            var expected = Reference(token);
            string actual;
            try
            {
                actual = EdnReader.ReadOne(token) switch
                {
                    long or BigInteger => "integer",
                    double => "float",
                    decimal => "decimal",
                    Symbol => "symbol",
                    Keyword => "keyword",
                    var other => other?.GetType().Name ?? "nil",
                };
            }
            catch (EdnException ex) when (expected == "decimal" && ex.Reason.Contains("out of range", StringComparison.Ordinal))
            {
                actual = "decimal";
            }
            catch (EdnException)
            {
                actual = "error";
            }

            if (actual != expected)
            {
                mismatches.Add($"{token}: reference says {expected}, reader says {actual}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    /// <summary>The spec's grammar, transcribed as regular expressions: slow, and independent of the reader.</summary>
    private static string Reference(string token)
    {
        if (IntegerPattern().IsMatch(token))
        {
            return "integer";
        }

        if (FloatPattern().IsMatch(token))
        {
            return token.EndsWith('M') ? "decimal" : "float";
        }

        if (KeywordPattern().IsMatch(token))
        {
            return "keyword";
        }

        return SymbolPattern().IsMatch(token) && token is not ("nil" or "true" or "false") ? "symbol" : "error";
    }

    // int = [+-]? (0 | [1-9] digits*); integer = int N?
    [GeneratedRegex(@"^[+-]?(0|[1-9][0-9]*)N?$")]
    private static partial Regex IntegerPattern();

    // float = int M | int frac | int exp | int frac exp, then optionally M
    [GeneratedRegex(@"^[+-]?(0|[1-9][0-9]*)(M|\.[0-9]+([eE][+-]?[0-9]+)?M?|[eE][+-]?[0-9]+M?)$")]
    private static partial Regex FloatPattern();

    // part: a non-numeric first character that is not : # ', and if it is - + . the next is not a digit.
    private const string Part = @"([-+.]((?![0-9])[A-Za-z0-9.*+!\-_?$%&=<>:#'][A-Za-z0-9.*+!\-_?$%&=<>:#']*)?|[A-Za-z*!_?$%&=<>][A-Za-z0-9.*+!\-_?$%&=<>:#']*)";

    [GeneratedRegex("^(/|" + Part + "(/" + Part + ")?)$")]
    private static partial Regex SymbolPattern();

    [GeneratedRegex("^:" + Part + "(/" + Part + ")?$")]
    private static partial Regex KeywordPattern();

    private static string Mutate(string seed, Random random)
    {
        var text = new StringBuilder(seed);
        var count = random.Next(1, 5);
        for (var m = 0; m < count; m++)
        {
            var at = text.Length == 0 ? 0 : random.Next(text.Length);
            switch (random.Next(7))
            {
                case 0 when text.Length > 0:
                    text[at] = RandomChar(random);
                    break;
                case 1:
                    text.Insert(at, RandomChar(random));
                    break;
                case 2 when text.Length > 0:
                    text.Remove(at, Math.Min(random.Next(1, 8), text.Length - at));
                    break;
                case 3 when text.Length > 0:
                    var length = Math.Min(random.Next(1, 16), text.Length - at);
                    text.Insert(random.Next(text.Length), text.ToString(at, length));
                    break;
                case 4:
                    var other = Corpus[random.Next(Corpus.Length)];
                    text.Length = at;
                    text.Append(other.AsSpan(random.Next(other.Length)));
                    break;
                case 5 when text.Length > 1:
                    var j = random.Next(text.Length);
                    (text[at], text[j]) = (text[j], text[at]);
                    break;
                default:
                    text.Insert(at, random.Next(3) switch { 0 => "#_", 1 => "#{", _ => "^:m " });
                    break;
            }
        }

        return text.ToString();
    }

    private static char RandomChar(Random random) =>
        random.Next(10) == 0 ? (char)random.Next(0, 0x10000) : Alphabet[random.Next(Alphabet.Length)];

    private static string Quote(string input) => "\"" + input.Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
