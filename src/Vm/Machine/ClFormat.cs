using System.Globalization;
using System.Numerics;
using System.Text;

namespace Datom.Vm.Machine;

/// <summary>
/// <c>clojure.pprint/cl-format</c>: Common Lisp's <c>format</c> (CLtL2 22.3, as clojure.pprint's
/// <c>cl_format.clj</c> implements it). A control string is parsed into a tree of literal text and
/// directives, then run against a navigator over the arguments. Done: <c>~a ~s ~d ~b ~o ~x ~r</c>
/// (radix, cardinal, ordinal, roman), <c>~p ~c ~f ~$ ~% ~&amp; ~| ~~ ~newline ~t ~* ~?</c>, and the
/// nesting directives <c>~{~} ~[~;~] ~(~) ~&lt;~&gt;</c> with <c>~^</c>. Every other directive is an
/// error naming it. The output is charged to the run's memory and each directive to its fuel, so no
/// control string can run away (an iteration that consumes nothing stops at the fuel limit).
/// </summary>
internal sealed class ClFormat
{
    private const string Fn = "cl-format";

    private readonly YinMachine _machine;
    private long _charged;

    private ClFormat(YinMachine machine) => _machine = machine;

    /// <summary>Formats <paramref name="args"/> by <paramref name="control"/>.</summary>
    public static string Format(YinMachine machine, string control, IReadOnlyList<Val> args)
    {
        var nodes = Parse(control);
        var f = new ClFormat(machine);
        var sb = new StringBuilder();
        f.Run(sb, nodes, new Args(args), null);
        return sb.ToString();
    }

    // ---- the parsed control string ----

    private abstract record Node;

    private sealed record Text(string Value) : Node;

    /// <summary>One directive: its character (upper case), parameters (null where omitted), modifiers, and for <c>~{ ~[ ~( ~&lt;</c> its clauses.</summary>
    private sealed record Directive(char Char, Param[] Params, bool Colon, bool At, List<List<Node>>? Clauses = null, bool EndColon = false, int DefaultClause = -1) : Node;

    /// <summary>A directive parameter: a number, a character (<c>'c</c>), <c>V</c> (the next argument) or <c>#</c> (the arguments left).</summary>
    private readonly record struct Param(char Kind, long Number, char Char);

    private static YinException Error(string message) => YinException.Of(Kinds.Argument, $"{Fn}: {message}");

    private static List<Node> Parse(string s)
    {
        var pos = 0;
        var nodes = ParseUntil(s, ref pos, null, out _);
        return nodes;
    }

    /// <summary>Parses nodes up to one of the <paramref name="closers"/> (or the end, when null); <paramref name="stop"/> is the directive that ended them.</summary>
    private static List<Node> ParseUntil(string s, ref int pos, string? closers, out Directive? stop)
    {
        var nodes = new List<Node>();
        var text = new StringBuilder();
        stop = null;
        while (pos < s.Length)
        {
            var c = s[pos];
            if (c != '~')
            {
                text.Append(c);
                pos++;
                continue;
            }
            var start = pos;
            var d = ParseDirective(s, ref pos);
            if (d.Char == '\n')
            {
                // ~newline skips the newline and the whitespace after it; ~@newline keeps the newline, ~:newline the whitespace.
                if (d.At)
                    text.Append('\n');
                if (!d.Colon)
                {
                    while (pos < s.Length && s[pos] is ' ' or '\t')
                        pos++;
                }
                continue;
            }
            if (text.Length > 0)
            {
                nodes.Add(new Text(text.ToString()));
                text.Clear();
            }
            if (closers is not null && closers.Contains(d.Char, StringComparison.Ordinal))
            {
                stop = d;
                return nodes;
            }
            switch (d.Char)
            {
                case '{':
                {
                    var body = ParseUntil(s, ref pos, "}", out var end);
                    if (end is null)
                        throw Error($"~{{ at {start} has no matching ~}}");
                    nodes.Add(d with { Clauses = [body], EndColon = end.Colon });
                    break;
                }
                case '(':
                {
                    var body = ParseUntil(s, ref pos, ")", out var end);
                    if (end is null)
                        throw Error($"~( at {start} has no matching ~)");
                    nodes.Add(d with { Clauses = [body] });
                    break;
                }
                case '[' or '<':
                {
                    var close = d.Char == '[' ? ']' : '>';
                    var clauses = new List<List<Node>>();
                    var defaultClause = -1;
                    while (true)
                    {
                        var clause = ParseUntil(s, ref pos, ";" + close, out var end);
                        if (end is null)
                            throw Error($"~{d.Char} at {start} has no matching ~{close}");
                        clauses.Add(clause);
                        if (end.Char == close)
                            break;
                        if (end.Colon)
                            defaultClause = clauses.Count;
                    }
                    nodes.Add(d with { Clauses = clauses, DefaultClause = defaultClause });
                    break;
                }
                case '}' or ')' or ']' or '>' or ';':
                    throw Error($"~{d.Char} at {start} closes nothing");
                default:
                    nodes.Add(d);
                    break;
            }
        }
        if (text.Length > 0)
            nodes.Add(new Text(text.ToString()));
        return nodes;
    }

    private static Directive ParseDirective(string s, ref int pos)
    {
        var start = pos;
        pos++; // the ~
        var ps = new List<Param>();
        while (true)
        {
            if (pos >= s.Length)
                throw Error($"the directive at {start} is not finished");
            var c = s[pos];
            Param? p = null;
            if (c is 'v' or 'V' or '#')
            {
                p = new Param(char.ToUpperInvariant(c), 0, '\0');
                pos++;
            }
            else if (c == '\'')
            {
                if (pos + 1 >= s.Length)
                    throw Error($"the character parameter at {pos} has no character");
                p = new Param('C', 0, s[pos + 1]);
                pos += 2;
            }
            else if (char.IsAsciiDigit(c) || ((c is '-' or '+') && pos + 1 < s.Length && char.IsAsciiDigit(s[pos + 1])))
            {
                var begin = pos;
                pos++;
                while (pos < s.Length && char.IsAsciiDigit(s[pos]))
                    pos++;
                if (!long.TryParse(s.AsSpan(begin, pos - begin), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                    throw Error($"the parameter {s[begin..pos]} is too large");
                p = new Param('N', n, '\0');
            }
            if (pos < s.Length && s[pos] == ',')
            {
                ps.Add(p ?? default);
                pos++;
                continue;
            }
            if (p is { } last)
                ps.Add(last);
            break;
        }
        bool colon = false, at = false;
        while (pos < s.Length && s[pos] is ':' or '@')
        {
            if (s[pos] == ':')
                colon = true;
            else
                at = true;
            pos++;
        }
        if (pos >= s.Length)
            throw Error($"the directive at {start} is not finished");
        var ch = char.ToUpperInvariant(s[pos]);
        pos++;
        if (ch == '\r' && pos < s.Length && s[pos] == '\n')
        {
            ch = '\n';
            pos++;
        }
        return new Directive(ch, [.. ps], colon, at);
    }

    // ---- the arguments ----

    /// <summary>A position in a list of arguments (CLtL's argument navigator).</summary>
    private sealed class Args(IReadOnlyList<Val> items)
    {
        public IReadOnlyList<Val> Items { get; } = items;

        public int Pos { get; set; }

        public int Remaining => Items.Count - Pos;

        public Val Next() => Pos < Items.Count ? Items[Pos++] : throw Error("not enough arguments for format definition");
    }

    /// <summary>How a run of nodes ended: normally, or at a <c>~^</c> (whose colon form ends the enclosing <c>~:{</c> too).</summary>
    private enum Exit
    {
        Normal,
        Up,
        UpAll,
    }

    private Exit Run(StringBuilder sb, List<Node> nodes, Args args, Args? outer)
    {
        foreach (var node in nodes)
        {
            _machine.Burn(1);
            if (node is Text t)
            {
                Emit(sb, t.Value);
                continue;
            }
            var d = (Directive)node;
            var exit = Execute(sb, d, args, outer);
            if (exit != Exit.Normal)
                return exit;
        }
        return Exit.Normal;
    }

    /// <summary>Appends output, charging the run's memory as the text grows.</summary>
    private void Emit(StringBuilder sb, string text)
    {
        Reserve(sb, text.Length);
        sb.Append(text);
    }

    private void Emit(StringBuilder sb, char c, long count)
    {
        if (count <= 0)
            return;
        Reserve(sb, count);
        sb.Append(c, (int)count);
    }

    private void Reserve(StringBuilder sb, long more)
    {
        var need = sb.Length + more;
        if (need > _charged)
        {
            var grant = Math.Max(need - _charged, 256);
            _machine.Charge(Heap.StringBytes(grant));
            _charged += grant;
            if (need > Array.MaxLength / 2)
                throw YinException.Of(Kinds.Limit("memory"), $"{Fn}: output of {need} characters is larger than any string can be");
        }
    }

    private static long? Number(Param[] ps, int i, Args args)
    {
        if (i >= ps.Length)
            return null;
        var p = ps[i];
        switch (p.Kind)
        {
            case 'N':
                return p.Number;
            case '#':
                return args.Remaining;
            case 'V':
            {
                var v = args.Next();
                return v.IsNil ? null : v.IsLong ? v.AsLong : v.IsChar ? v.AsChar : throw Error($"a V parameter must be an integer, got {Natives.Describe(v)}");
            }
            case 'C':
                throw Error($"parameter {i + 1} must be a number, got '{p.Char}");
            default:
                return null;
        }
    }

    private static char? Character(Param[] ps, int i, Args args)
    {
        if (i >= ps.Length)
            return null;
        var p = ps[i];
        switch (p.Kind)
        {
            case 'C':
                return p.Char;
            case 'V':
            {
                var v = args.Next();
                return v.IsNil ? null : v.IsChar ? v.AsChar : throw Error($"a V parameter here must be a character, got {Natives.Describe(v)}");
            }
            case '\0':
                return null;
            default:
                throw Error($"parameter {i + 1} must be a character ('c)");
        }
    }

    /// <summary>The column the output is at: characters since the last newline (the start of this call counts as column 0).</summary>
    private static int Column(StringBuilder sb)
    {
        for (var i = sb.Length - 1; i >= 0; i--)
        {
            if (sb[i] == '\n')
                return sb.Length - 1 - i;
        }
        return sb.Length;
    }

    private Exit Execute(StringBuilder sb, Directive d, Args args, Args? outer)
    {
        var ps = d.Params;
        switch (d.Char)
        {
            case 'A' or 'S':
            {
                // V parameters take their arguments before the directive's own (CLtL 22.3).
                var (mincol, colinc, minpad, padchar) = (Number(ps, 0, args) ?? 0, Number(ps, 1, args) ?? 1, Number(ps, 2, args) ?? 0, Character(ps, 3, args) ?? ' ');
                var v = args.Next();
                var text = new StringBuilder();
                if (d.Colon && (v.IsNil || (v.Obj is YEmptyList)))
                    text.Append("()");
                else
                    ValPrinter.Print(text, v, readable: d.Char == 'S');
                Pad(sb, text.ToString(), mincol, colinc, minpad, padchar, d.At);
                return Exit.Normal;
            }
            case 'D' or 'B' or 'O' or 'X':
                Integer(sb, d, args, d.Char switch { 'D' => 10, 'B' => 2, 'O' => 8, _ => 16 }, 0);
                return Exit.Normal;
            case 'R':
                Radix(sb, d, args);
                return Exit.Normal;
            case 'P':
            {
                if (d.Colon)
                {
                    if (args.Pos == 0)
                        throw Error("~:P has no previous argument to back up to");
                    args.Pos--;
                }
                var v = args.Next();
                var one = v.IsLong ? v.AsLong == 1 : Arith.NumEquals(v, Val.Long(1)) && v.IsNumber;
                Emit(sb, d.At ? (one ? "y" : "ies") : (one ? "" : "s"));
                return Exit.Normal;
            }
            case 'C':
            {
                var v = args.Next();
                if (!v.IsChar)
                    throw Error($"~C needs a character, got {Natives.Describe(v)}");
                var text = new StringBuilder();
                if (d.Colon)
                    text.Append(CharName(v.AsChar));
                else
                    ValPrinter.Print(text, v, readable: d.At);
                Emit(sb, text.ToString());
                return Exit.Normal;
            }
            case 'F':
                Fixed(sb, d, args);
                return Exit.Normal;
            case '$':
                Money(sb, d, args);
                return Exit.Normal;
            case '%':
                Emit(sb, '\n', Number(ps, 0, args) ?? 1);
                return Exit.Normal;
            case '&':
            {
                var n = Number(ps, 0, args) ?? 1;
                if (n > 0)
                    Emit(sb, '\n', Column(sb) == 0 ? n - 1 : n);
                return Exit.Normal;
            }
            case '|':
                Emit(sb, '\f', Number(ps, 0, args) ?? 1);
                return Exit.Normal;
            case '~':
                Emit(sb, '~', Number(ps, 0, args) ?? 1);
                return Exit.Normal;
            case 'T':
                Tabulate(sb, d, args);
                return Exit.Normal;
            case '*':
            {
                var n = Number(ps, 0, args);
                var target = d.At ? (n ?? 0) : d.Colon ? args.Pos - (n ?? 1) : args.Pos + (n ?? 1);
                if (target < 0 || target > args.Items.Count)
                    throw Error($"~* moves to argument {target}, outside the {args.Items.Count} arguments");
                args.Pos = (int)target;
                return Exit.Normal;
            }
            case '?':
            {
                var control = args.Next();
                if (control.Obj is not string text)
                    throw Error($"~? needs a control string, got {Natives.Describe(control)}");
                var nodes = Parse(text);
                if (d.At)
                {
                    // ~@? runs the string on this directive's own arguments; a ~^ inside ends only that string.
                    Run(sb, nodes, args, outer);
                    return Exit.Normal;
                }
                var list = ListArg("~?", args.Next());
                Run(sb, nodes, new Args(list), null);
                return Exit.Normal;
            }
            case '^':
                return UpAndOut(d, args, outer);
            case '{':
                return Iterate(sb, d, args);
            case '[':
                return Conditional(sb, d, args, outer);
            case '(':
            {
                var inner = new StringBuilder();
                var exit = Run(inner, d.Clauses![0], args, outer);
                Emit(sb, CaseConvert(inner.ToString(), d.Colon, d.At));
                return exit;
            }
            case '<':
                return Justify(sb, d, args, outer);
            default:
                throw Error($"the directive ~{(d.Colon ? ":" : "")}{(d.At ? "@" : "")}{d.Char} is not supported by Yin's cl-format (see src/Vm/CLOJURE.md)");
        }
    }

    private List<Val> ListArg(string directive, Val v)
    {
        if (!Seqs.IsSeqable(v))
            throw Error($"{directive} needs a list argument, got {Natives.Describe(v)}");
        var list = new List<Val>();
        foreach (var x in Seqs.Values(v, _machine))
            list.Add(x);
        return list;
    }

    /// <summary>CLtL 22.3.9.2: <c>~^</c> ends the enclosing iteration (or the whole format) when no arguments are left, or when its parameters say so.</summary>
    private static Exit UpAndOut(Directive d, Args args, Args? outer)
    {
        var ps = d.Params;
        bool stop;
        var p1 = Number(ps, 0, args);
        var p2 = Number(ps, 1, args);
        var p3 = Number(ps, 2, args);
        if (p3 is not null && p1 is not null && p2 is not null)
            stop = p1 <= p2 && p2 <= p3;
        else if (p2 is not null && p1 is not null)
            stop = p1 == p2;
        else if (p1 is not null)
            stop = p1 == 0;
        else
            stop = d.Colon ? (outer?.Remaining ?? 0) == 0 : args.Remaining == 0;
        return !stop ? Exit.Normal : d.Colon ? Exit.UpAll : Exit.Up;
    }

    private Exit Iterate(StringBuilder sb, Directive d, Args args)
    {
        var body = d.Clauses![0];
        var max = Number(d.Params, 0, args) ?? long.MaxValue;
        if (body.Count == 0)
        {
            // An empty body takes its control string from the arguments (CLtL 22.3.7.4).
            var control = args.Next();
            body = control.Obj is string text ? Parse(text) : throw Error($"~{{~}} with an empty body needs a control string, got {Natives.Describe(control)}");
        }
        var items = d.At ? args : new Args(ListArg("~{", args.Next()));
        long count = 0;
        while (count < max && (items.Remaining > 0 || (d.EndColon && count == 0)))
        {
            _machine.Burn(1);
            count++;
            if (d.Colon)
            {
                var sub = new Args(ListArg("~:{", items.Next()));
                var exit = Run(sb, body, sub, items);
                if (exit == Exit.UpAll)
                    break;
            }
            else
            {
                if (Run(sb, body, items, null) != Exit.Normal)
                    break;
            }
        }
        return Exit.Normal;
    }

    private Exit Conditional(StringBuilder sb, Directive d, Args args, Args? outer)
    {
        var clauses = d.Clauses!;
        if (d.Colon)
        {
            if (clauses.Count != 2)
                throw Error("~:[ takes exactly two clauses, false~;true");
            return Run(sb, clauses[args.Next().IsTruthy ? 1 : 0], args, outer);
        }
        if (d.At)
        {
            if (clauses.Count != 1)
                throw Error("~@[ takes exactly one clause");
            var v = args.Next();
            if (!v.IsTruthy)
                return Exit.Normal;
            args.Pos--;
            return Run(sb, clauses[0], args, outer);
        }
        long index;
        if (Number(d.Params, 0, args) is { } n)
            index = n;
        else
        {
            var v = args.Next();
            index = v.IsLong ? v.AsLong : throw Error($"~[ needs an integer argument, got {Natives.Describe(v)}");
        }
        List<Node>? chosen = index >= 0 && index < clauses.Count && !(d.DefaultClause >= 0 && index >= d.DefaultClause)
            ? clauses[(int)index]
            : d.DefaultClause >= 0 ? clauses[d.DefaultClause] : null;
        return chosen is null ? Exit.Normal : Run(sb, chosen, args, outer);
    }

    private Exit Justify(StringBuilder sb, Directive d, Args args, Args? outer)
    {
        var mincol = Number(d.Params, 0, args) ?? 0;
        var colinc = Math.Max(1, Number(d.Params, 1, args) ?? 1);
        var minpad = Number(d.Params, 2, args) ?? 0;
        var padchar = Character(d.Params, 3, args) ?? ' ';
        var segments = new List<string>();
        var exit = Exit.Normal;
        foreach (var clause in d.Clauses!)
        {
            var seg = new StringBuilder();
            exit = Run(seg, clause, args, outer);
            segments.Add(seg.ToString());
            if (exit != Exit.Normal)
                break;
        }
        var gaps = segments.Count - 1 + (d.Colon ? 1 : 0) + (d.At ? 1 : 0);
        if (gaps == 0)
        {
            // One segment and no modifier: right-justified.
            gaps = 1;
        }
        long chars = segments.Sum(s => (long)s.Length) + (gaps * minpad);
        var width = chars <= mincol ? mincol : mincol + (((chars - mincol + colinc - 1) / colinc) * colinc);
        var pad = width - segments.Sum(s => (long)s.Length);
        var each = pad / gaps;
        var extra = pad % gaps;
        var pads = new long[gaps];
        for (var i = 0; i < gaps; i++)
            pads[i] = each + (i < extra ? 1 : 0);
        var gap = 0;
        var leftPad = d.Colon || (segments.Count == 1 && !d.At);
        if (leftPad)
            Emit(sb, padchar, pads[gap++]);
        for (var i = 0; i < segments.Count; i++)
        {
            Emit(sb, segments[i]);
            if (i < segments.Count - 1 || d.At)
            {
                if (gap < pads.Length)
                    Emit(sb, padchar, pads[gap++]);
            }
        }
        return exit == Exit.UpAll ? exit : Exit.Normal;
    }

    /// <summary><c>~mincol,colinc,minpad,padcharA</c>: at least minpad pad characters, then colinc at a time up to mincol; <c>@</c> pads on the left.</summary>
    private void Pad(StringBuilder sb, string text, long mincol, long colinc, long minpad, char padchar, bool left)
    {
        var len = text.Length + minpad;
        if (colinc < 1)
            colinc = 1;
        var padding = minpad;
        if (len < mincol)
            padding += ((mincol - len + colinc - 1) / colinc) * colinc;
        if (left)
            Emit(sb, padchar, padding);
        Emit(sb, text);
        if (!left)
            Emit(sb, padchar, padding);
    }

    private void Tabulate(StringBuilder sb, Directive d, Args args)
    {
        var colnum = Number(d.Params, 0, args) ?? 1;
        var colinc = Number(d.Params, 1, args) ?? 1;
        var col = Column(sb);
        if (d.At)
        {
            // Relative: colrel spaces, then on to a multiple of colinc.
            var target = col + colnum;
            if (colinc > 0 && target % colinc != 0)
                target += colinc - (target % colinc);
            Emit(sb, ' ', target - col);
            return;
        }
        if (col < colnum)
            Emit(sb, ' ', colnum - col);
        else if (colinc > 0)
            Emit(sb, ' ', colinc - ((col - colnum) % colinc));
    }

    // ---- numbers ----

    private static BigInteger? IntegerValue(Val v) => v.IsLong ? v.AsLong : v.Obj is BigInteger b ? b : null;

    /// <summary><c>~mincol,padchar,commachar,comma-intervalD</c> (and B, O, X, and R with a radix): <c>:</c> groups digits, <c>@</c> always signs.</summary>
    private void Integer(StringBuilder sb, Directive d, Args args, int radix, int first)
    {
        var ps = d.Params;
        var mincol = Number(ps, first, args) ?? 0;
        var padchar = Character(ps, first + 1, args) ?? ' ';
        var commachar = Character(ps, first + 2, args) ?? ',';
        var interval = Number(ps, first + 3, args) ?? 3;
        var v = args.Next();
        if (IntegerValue(v) is not { } n)
        {
            // Not an integer: printed as ~A would, padded to mincol.
            var text = new StringBuilder();
            ValPrinter.Print(text, v, readable: false);
            Pad(sb, text.ToString(), mincol, 1, 0, padchar, left: true);
            return;
        }
        var digits = ToRadix(BigInteger.Abs(n), radix);
        if (d.Colon && interval > 0)
            digits = Group(digits, commachar, (int)Math.Min(interval, int.MaxValue));
        var sign = n.Sign < 0 ? "-" : d.At ? "+" : "";
        var s = sign + digits;
        Emit(sb, padchar, mincol - s.Length);
        Emit(sb, s);
    }

    private static string Group(string digits, char comma, int interval)
    {
        var sb = new StringBuilder();
        var lead = digits.Length % interval;
        for (var i = 0; i < digits.Length; i++)
        {
            if (i > 0 && (i - lead) % interval == 0)
                sb.Append(comma);
            sb.Append(digits[i]);
        }
        return sb.ToString();
    }

    private static string ToRadix(BigInteger n, int radix)
    {
        if (n.IsZero)
            return "0";
        if (radix == 10)
            return n.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        while (!n.IsZero)
        {
            var digit = (int)(n % radix);
            sb.Insert(0, (char)(digit < 10 ? '0' + digit : 'a' + digit - 10));
            n /= radix;
        }
        return sb.ToString();
    }

    private void Radix(StringBuilder sb, Directive d, Args args)
    {
        if (d.Params.Length > 0 && d.Params[0].Kind != '\0')
        {
            var radix = Number(d.Params, 0, args) ?? 10;
            if (radix is < 2 or > 36)
                throw Error($"~R's radix must be from 2 to 36, got {radix}");
            Integer(sb, d, args, (int)radix, 1);
            return;
        }
        var v = args.Next();
        if (IntegerValue(v) is not { } n)
            throw Error($"~R needs an integer, got {Natives.Describe(v)}");
        if (d.At)
        {
            if (n > 0 && n < 4000)
                Emit(sb, Roman((int)n, old: d.Colon));
            else
                Emit(sb, Group(n.ToString(CultureInfo.InvariantCulture), ',', 3));
            return;
        }
        Emit(sb, English(n, ordinal: d.Colon));
    }

    private static string Roman(int n, bool old)
    {
        (int Value, string Text)[] table = old
            ? [(1000, "M"), (500, "D"), (100, "C"), (50, "L"), (10, "X"), (5, "V"), (1, "I")]
            : [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
        var sb = new StringBuilder();
        foreach (var (value, text) in table)
        {
            while (n >= value)
            {
                sb.Append(text);
                n -= value;
            }
        }
        return sb.ToString();
    }

    private static readonly string[] Units =
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ];

    private static readonly string[] UnitOrdinals =
    [
        "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth",
        "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
    ];

    private static readonly string[] Tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

    private static readonly string[] TenOrdinals = ["", "", "twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth", "eightieth", "ninetieth"];

    /// <summary>The scale words of clojure.pprint's <c>english-scale-numbers</c> (short scale, up to 10^63).</summary>
    private static readonly string[] Scales =
    [
        "", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion", "sextillion", "septillion", "octillion",
        "nonillion", "decillion", "undecillion", "duodecillion", "tredecillion", "quattuordecillion", "quindecillion",
        "sexdecillion", "septendecillion", "octodecillion", "novemdecillion", "vigintillion",
    ];

    /// <summary>~R and ~:R: the number in English words, groups of three joined by ", " ("one thousand, two hundred thirty-four").</summary>
    private static string English(BigInteger n, bool ordinal)
    {
        if (n.IsZero)
            return ordinal ? "zeroth" : "zero";
        var sign = n.Sign < 0 ? "minus " : "";
        var whole = BigInteger.Abs(n);
        n = whole;
        var groups = new List<int>();
        while (!n.IsZero)
        {
            groups.Add((int)(n % 1000));
            n /= 1000;
        }
        if (groups.Count > Scales.Length)
        {
            // Beyond vigintillion: digits, as clojure.pprint falls back to.
            var digits = Group(whole.ToString(CultureInfo.InvariantCulture), ',', 3);
            return sign + digits + (ordinal ? "th" : "");
        }
        var parts = new List<string>();
        var lastNonZero = groups.FindIndex(g => g != 0);
        for (var i = groups.Count - 1; i >= 0; i--)
        {
            if (groups[i] == 0)
                continue;
            var isLast = i == lastNonZero;
            var words = Hundreds(groups[i], ordinal && isLast && i == 0);
            if (i > 0)
                words += " " + (ordinal && isLast ? Scales[i] + "th" : Scales[i]);
            parts.Add(words);
        }
        return sign + string.Join(", ", parts);
    }

    private static string Hundreds(int n, bool ordinal)
    {
        var hundreds = n / 100;
        var rest = n % 100;
        var words = new List<string>();
        if (hundreds > 0)
            words.Add(Units[hundreds] + (rest == 0 ? (ordinal ? " hundredth" : " hundred") : " hundred"));
        if (rest > 0)
        {
            if (rest < 20)
                words.Add(ordinal ? UnitOrdinals[rest] : Units[rest]);
            else if (rest % 10 == 0)
                words.Add(ordinal ? TenOrdinals[rest / 10] : Tens[rest / 10]);
            else
                words.Add(Tens[rest / 10] + "-" + (ordinal ? UnitOrdinals[rest % 10] : Units[rest % 10]));
        }
        return string.Join(" ", words);
    }

    /// <summary><c>~w,dF</c>: a fixed-point number, rounded half up at d digits; without parameters, as Clojure prints the double.</summary>
    private void Fixed(StringBuilder sb, Directive d, Args args)
    {
        var w = Number(d.Params, 0, args);
        var digits = Number(d.Params, 1, args);
        var fill = Character(d.Params, 4, args) ?? ' ';
        var v = args.Next();
        if (!v.IsNumber)
        {
            var text = new StringBuilder();
            ValPrinter.Print(text, v, readable: false);
            Emit(sb, text.ToString());
            return;
        }
        var x = v.ToDouble();
        string s;
        if (digits is null && w is null)
            s = ValPrinter.JavaDouble(new StringBuilder(), x).ToString();
        else if (digits is { } dd)
            s = Round(x, (int)Math.Clamp(dd, 0, 100));
        else
        {
            s = ValPrinter.JavaDouble(new StringBuilder(), x).ToString();
            var room = w!.Value - (s.IndexOf('.', StringComparison.Ordinal) + 1);
            if (room > 0 && s.Contains('.', StringComparison.Ordinal) && s.Length > w)
                s = Round(x, (int)Math.Clamp(room, 1, 100));
        }
        if (d.At && x >= 0)
            s = "+" + s;
        if (w is { } width)
            Emit(sb, fill, width - s.Length);
        Emit(sb, s);
    }

    /// <summary><c>~d,n,w,padchar$</c>: money, d digits after the point (2 by default), at least n before it.</summary>
    private void Money(StringBuilder sb, Directive d, Args args)
    {
        var digits = Number(d.Params, 0, args) ?? 2;
        var before = Number(d.Params, 1, args) ?? 1;
        var w = Number(d.Params, 2, args) ?? 0;
        var padchar = Character(d.Params, 3, args) ?? ' ';
        var v = args.Next();
        if (!v.IsNumber)
        {
            var text = new StringBuilder();
            ValPrinter.Print(text, v, readable: false);
            Emit(sb, text.ToString());
            return;
        }
        var x = v.ToDouble();
        var s = Round(Math.Abs(x), (int)Math.Clamp(digits, 0, 100));
        var point = s.IndexOf('.', StringComparison.Ordinal);
        var intLen = point < 0 ? s.Length : point;
        if (intLen < before)
            s = new string('0', (int)Math.Min(before - intLen, 1000)) + s;
        var sign = x < 0 ? "-" : d.At ? "+" : "";
        if (d.Colon)
        {
            Emit(sb, sign);
            Emit(sb, padchar, w - sign.Length - s.Length);
        }
        else
        {
            Emit(sb, padchar, w - sign.Length - s.Length);
            Emit(sb, sign);
        }
        Emit(sb, s);
    }

    private static string Round(double x, int digits)
    {
        var m = (decimal?)null;
        try
        {
            m = Math.Round((decimal)x, digits, MidpointRounding.AwayFromZero);
        }
        catch (OverflowException)
        {
        }
        return m is { } dec ? dec.ToString("F" + digits, CultureInfo.InvariantCulture) : x.ToString("F" + digits, CultureInfo.InvariantCulture);
    }

    private static string CharName(char c) => c switch
    {
        ' ' => "Space",
        '\n' => "Newline",
        '\t' => "Tab",
        '\r' => "Return",
        '\b' => "Backspace",
        '\f' => "Page",
        '\0' => "Nul",
        (char)127 => "Rubout",
        _ => c.ToString(),
    };

    /// <summary><c>~(</c> lower case, <c>~:(</c> every word capitalised, <c>~@(</c> the first word capitalised, <c>~:@(</c> upper case.</summary>
    private static string CaseConvert(string s, bool colon, bool at)
    {
        if (colon && at)
            return s.ToUpperInvariant();
        var lower = s.ToLowerInvariant();
        if (!colon && !at)
            return lower;
        var sb = new StringBuilder(lower.Length);
        var capitaliseNext = true;
        var done = false;
        foreach (var c in lower)
        {
            if (char.IsLetterOrDigit(c))
            {
                sb.Append(capitaliseNext && !done ? char.ToUpperInvariant(c) : c);
                if (capitaliseNext && at)
                    done = true;
                capitaliseNext = false;
            }
            else
            {
                sb.Append(c);
                capitaliseNext = true;
            }
        }
        return sb.ToString();
    }
}
