using System.Globalization;
using System.Text;
using Datom.Log.Edn;
using Datom.Vm.Reading;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Vm.Tests;

public class ReaderTests
{
    [Fact]
    public void Every_form_has_its_own_line_and_column()
    {
        var forms = SourceReader.Read("(ns a)\n(f \"s\"\n   1 ; c\n   #_ (x 2) :k\n   ^String y\n   \\c #inst \"2020-01-01T00:00:00Z\" 2.5)", "a.clj");
        var call = forms[1];
        Assert.Equal([(2, 1), (2, 2), (2, 4), (3, 4), (4, 13), (5, 12), (6, 4), (6, 7), (6, 36)],
            new[] { call }.Concat(call.Items).Select(s => (s.Line, s.Column)));
    }

    [Fact]
    public void A_syntax_error_names_the_source_line_and_column()
    {
        var e = Assert.Throws<CodeException>(() => SourceReader.Read("(ns a)\n(defn f [x]\n  (str \"a)\n", "a.clj"));
        Assert.Equal("a.clj", e.SourceName);
        Assert.Equal(3, e.Line);
        Assert.StartsWith("a.clj:3:", e.Message, StringComparison.Ordinal);
        Assert.Contains("unterminated string", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_a_syntax_error_not_a_crash()
    {
        var deep = new string('(', 100_000) + new string(')', 100_000);
        var e = Assert.Throws<CodeException>(() => SourceReader.Read(deep, "deep.clj"));
        Assert.Contains("syntax error", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Random source with every lexical feature: each scalar's position is where its text starts.</summary>
    [Property(Arbitrary = [typeof(Seeds)], MaxTest = 300)]
    public void Scalar_positions_point_at_their_text(int seed)
    {
        var random = new Random(seed);
        var sb = new StringBuilder();
        var expected = new List<(int Line, int Column, string Token)>();
        var line = 1;
        var column = 1;
        void Put(string text)
        {
            foreach (var c in text)
            {
                sb.Append(c);
                if (c == '\n')
                {
                    line++;
                    column = 1;
                }
                else
                {
                    column++;
                }
            }
        }
        void Space()
        {
            switch (random.Next(6))
            {
                case 0: Put("\n"); break;
                case 1: Put(" ; a comment with ( [ \" \\ \n"); break;
                case 2: Put(" #_ (ignored \"x\" [1 2] \\a) "); break;
                case 3: Put(", "); break;
                case 4: Put("\r\n  "); break;
                default: Put(" "); break;
            }
        }
        void Form(int depth)
        {
            var kind = depth == 0 ? random.Next(7) : random.Next(11);
            if (kind >= 7)
            {
                var (open, close) = kind switch { 7 => ("(", ")"), 8 => ("[", "]"), 9 => ("#{", "}"), _ => ("{", "}") };
                if (random.Next(4) == 0)
                    Put("^:meta ");
                Put(open);
                var n = random.Next(4) * (open == "{" ? 2 : 1);
                var used = new HashSet<string>();
                for (var i = 0; i < n; i++)
                {
                    if (i > 0 || random.Next(2) == 0)
                        Space();
                    if (open is "{" or "#{")
                    {
                        // Map keys and set items must be distinct: give them unique scalars.
                        var token = "\"k" + i.ToString(CultureInfo.InvariantCulture) + "\"";
                        if ((open == "{" && i % 2 == 0) || open == "#{")
                        {
                            expected.Add((line, column, token));
                            Put(token);
                            continue;
                        }
                    }
                    Form(depth - 1);
                }
                Put(close);
                return;
            }
            var scalar = kind switch
            {
                0 => random.Next(-100, 100).ToString(CultureInfo.InvariantCulture),
                1 => "\"s (] \\\" \n x\"",
                2 => ":kw/x",
                3 => "\\" + "a([\""[random.Next(4)],
                4 => "2.5e3",
                5 => random.Next(2) == 0 ? "nil" : "true",
                _ => "#inst \"2024-01-02T03:04:05Z\"",
            };
            expected.Add((line, column, scalar));
            Put(scalar);
        }
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            Space();
            Form(3);
        }
        var text = sb.ToString();
        var forms = SourceReader.Read(text, "r.clj");
        var scalars = new List<Syntax>();
        void Collect(Syntax s)
        {
            if (s.Kind == SyntaxKind.Scalar)
                scalars.Add(s);
            foreach (var i in s.Items)
                Collect(i);
        }
        foreach (var f in forms)
            Collect(f);
        Assert.Equal(expected.Select(e => (e.Line, e.Column)), scalars.Select(s => (s.Line, s.Column)));
    }
}
