using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Datom.Log.Edn;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Query;

/// <summary>A query function: arguments in, one value out (nil for none). Predicates test truthiness.</summary>
internal delegate QValue Builtin(ReadOnlySpan<QValue> args, RunContext run);

/// <summary>A built-in's name, code and arity (<see cref="MaxArity"/> -1: any number).</summary>
internal sealed record BuiltinInfo(string Name, Builtin Fn, int MinArity, int MaxArity)
{
    public string ArityText => MaxArity < 0 ? $"at least {MinArity}" : MinArity == MaxArity ? MinArity.ToString(CultureInfo.InvariantCulture) : $"{MinArity} to {MaxArity}";
}

/// <summary>What a built-in throws on a bad argument; the evaluator adds the clause and its position.</summary>
internal sealed class FunctionException(string message) : Exception(message);

/// <summary>
/// The functions and predicates a query can call, named and behaving as in DataScript's query
/// built-ins and Clojure core (https://github.com/tonsky/datascript/wiki/Tips-&amp;-tricks,
/// https://docs.datomic.com/query/query-data-reference.html#built-in-expression-functions):
/// comparisons work across numbers (a long and a double compare by value) and within strings,
/// keywords, symbols, instants, booleans, uuids and entities; values of different types order by
/// type, as DataScript's do (see <see cref="Compare"/>).
/// </summary>
internal static class Builtins
{
    /// <summary>Regexes come from query text; one that backtracks for this long is stopped.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(2);

    private static readonly Dictionary<string, BuiltinInfo> Table = Build();

    public static BuiltinInfo? Find(string name) => Table.GetValueOrDefault(name);

    private static Dictionary<string, BuiltinInfo> Build()
    {
        var t = new Dictionary<string, BuiltinInfo>(StringComparer.Ordinal);
        void Add(string name, int min, int max, Builtin fn) => t[name] = new BuiltinInfo(name, fn, min, max);

        Add("=", 1, -1, (a, _) => QValue.Bool(AllEqual(a)));
        Add("==", 1, -1, (a, _) => QValue.Bool(NumEqual(a)));
        Add("not=", 1, -1, (a, _) => QValue.Bool(!AllEqual(a)));
        Add("!=", 1, -1, (a, _) => QValue.Bool(!AllEqual(a)));
        Add("<", 1, -1, (a, _) => QValue.Bool(Chain(a, c => c < 0)));
        Add(">", 1, -1, (a, _) => QValue.Bool(Chain(a, c => c > 0)));
        Add("<=", 1, -1, (a, _) => QValue.Bool(Chain(a, c => c <= 0)));
        Add(">=", 1, -1, (a, _) => QValue.Bool(Chain(a, c => c >= 0)));
        Add("compare", 2, 2, (a, _) => QValue.Long(Math.Sign(Compare(a[0], a[1]))));

        Add("+", 0, -1, (a, _) => Arith(a, '+'));
        Add("-", 1, -1, (a, _) => a.Length == 1 ? Arith([QValue.Long(0), a[0]], '-') : Arith(a, '-'));
        Add("*", 0, -1, (a, _) => Arith(a, '*'));
        Add("/", 1, -1, (a, _) => a.Length == 1 ? Divide(QValue.Long(1), a[0]) : DivideAll(a));
        Add("quot", 2, 2, (a, _) => IntegerOp(a[0], a[1], "quot"));
        Add("rem", 2, 2, (a, _) => IntegerOp(a[0], a[1], "rem"));
        Add("mod", 2, 2, (a, _) => IntegerOp(a[0], a[1], "mod"));
        Add("inc", 1, 1, (a, _) => Arith([a[0], QValue.Long(1)], '+'));
        Add("dec", 1, 1, (a, _) => Arith([a[0], QValue.Long(1)], '-'));
        Add("max", 1, -1, (a, _) => Extreme(a, 1));
        Add("min", 1, -1, (a, _) => Extreme(a, -1));
        Add("zero?", 1, 1, (a, _) => QValue.Bool(Sign(a[0], "zero?") == 0));
        Add("pos?", 1, 1, (a, _) => QValue.Bool(Sign(a[0], "pos?") > 0));
        Add("neg?", 1, 1, (a, _) => QValue.Bool(Sign(a[0], "neg?") < 0));
        Add("even?", 1, 1, (a, _) => QValue.Bool(LongArg(a[0], "even?") % 2 == 0));
        Add("odd?", 1, 1, (a, _) => QValue.Bool(LongArg(a[0], "odd?") % 2 != 0));

        Add("str", 0, -1, (a, _) => QValue.String(Str(a)));
        Add("subs", 2, 3, (a, _) => Subs(a));
        Add("count", 1, 1, (a, _) => QValue.Long(Count(a[0])));
        Add("empty?", 1, 1, (a, _) => QValue.Bool(Count(a[0]) == 0));
        Add("identity", 1, 1, (a, _) => a[0]);
        Add("keyword", 1, 2, (a, _) => MakeKeyword(a));
        Add("name", 1, 1, (a, _) => NamePart(a[0], "name", ns: false));
        Add("namespace", 1, 1, (a, _) => NamePart(a[0], "namespace", ns: true));
        Add("vector", 0, -1, (a, _) => QValue.Object(new QVector(a.ToArray())));
        Add("hash-map", 0, -1, (a, _) => HashMap(a));
        Add("list", 0, -1, (a, _) => QValue.Object(new QVector(a.ToArray())));
        Add("tuple", 0, -1, (a, _) => QValue.Object(new QVector(a.ToArray())));
        Add("untuple", 1, 1, (a, _) => a[0].Obj is QVector ? a[0] : throw Type("untuple", "a tuple", a[0]));
        Add("ground", 1, 1, (a, _) => a[0]);
        Add("get", 2, 3, (a, _) => Get(a));
        Add("contains?", 2, 2, (a, _) => QValue.Bool(Contains(a[0], a[1])));

        Add("get-else", 4, 4, GetElse);
        Add("get-some", 3, -1, GetSome);
        Add("missing?", 3, 3, (a, run) => QValue.Bool(FirstValue(a[0], a[1], a[2], run, "missing?") is null));

        Add("re-pattern", 1, 1, (a, run) => QValue.Object(Pattern(a[0], run, "re-pattern")));
        Add("re-find", 2, 2, (a, run) => ReFind(a, run, whole: false));
        Add("re-matches", 2, 2, (a, run) => ReFind(a, run, whole: true));
        Add("re-seq", 2, 2, ReSeq);

        Add("clojure.string/starts-with?", 2, 2, (a, _) => QValue.Bool(Text(a[0], "starts-with?").StartsWith(Text(a[1], "starts-with?"), StringComparison.Ordinal)));
        Add("clojure.string/ends-with?", 2, 2, (a, _) => QValue.Bool(Text(a[0], "ends-with?").EndsWith(Text(a[1], "ends-with?"), StringComparison.Ordinal)));
        Add("clojure.string/includes?", 2, 2, (a, _) => QValue.Bool(Text(a[0], "includes?").Contains(Text(a[1], "includes?"), StringComparison.Ordinal)));
        Add("clojure.string/blank?", 1, 1, (a, _) => QValue.Bool(a[0].IsNil || string.IsNullOrWhiteSpace(Text(a[0], "blank?"))));
        Add("clojure.string/lower-case", 1, 1, (a, _) => QValue.String(Text(a[0], "lower-case").ToLowerInvariant()));
        Add("clojure.string/upper-case", 1, 1, (a, _) => QValue.String(Text(a[0], "upper-case").ToUpperInvariant()));

        Add("true?", 1, 1, (a, _) => QValue.Bool(a[0].Type == ValueType.Boolean && a[0].V.AsBoolean));
        Add("false?", 1, 1, (a, _) => QValue.Bool(a[0].Type == ValueType.Boolean && !a[0].V.AsBoolean));
        Add("nil?", 1, 1, (a, _) => QValue.Bool(a[0].IsNil));
        Add("some?", 1, 1, (a, _) => QValue.Bool(!a[0].IsNil));
        Add("not", 1, 1, (a, _) => QValue.Bool(!a[0].IsTruthy));
        Add("and", 0, -1, (a, _) => And(a));
        Add("or", 0, -1, (a, _) => Or(a));
        Add("complement", 1, 1, (a, _) => a[0].Obj is FunctionValue f ? QValue.Object(f with { Complemented = !f.Complemented }) : throw Type("complement", "a function", a[0]));
        Add("type", 1, 1, (a, _) => TypeOf(a[0]));
        return t;
    }

    // ---- equality and order ----

    private static bool AllEqual(ReadOnlySpan<QValue> a)
    {
        for (var i = 1; i < a.Length; i++)
        {
            if (!a[0].Equals(a[i]))
                return false;
        }
        return true;
    }

    private static bool NumEqual(ReadOnlySpan<QValue> a)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (!IsNumber(a[i]))
                throw Type("==", "a number", a[i]);
        }
        for (var i = 1; i < a.Length; i++)
        {
            if (Compare(a[0], a[i]) != 0)
                return false;
        }
        return true;
    }

    private static bool Chain(ReadOnlySpan<QValue> a, Func<int, bool> holds)
    {
        if (a.Length == 1)
        {
            Compare(a[0], a[0]);
            return true;
        }
        for (var i = 1; i < a.Length; i++)
        {
            if (!holds(Compare(a[i - 1], a[i])))
                return false;
        }
        return true;
    }

    public static bool IsNumber(QValue q) => q.Type is ValueType.Long or ValueType.Double;

    /// <summary>
    /// Clojure's <c>compare</c> for the values a comparison may meet: numbers by value across long
    /// and double; strings, keywords, symbols, instants, booleans, uuids, entities and bytes within
    /// their own type; vectors by length, then element by element. Values of different types order
    /// by type (<see cref="CrossTypeCompare"/>).
    /// </summary>
    public static int Compare(QValue x, QValue y)
    {
        var tx = x.Type;
        var ty = y.Type;
        if (tx == ValueType.Long && ty == ValueType.Long)
            return x.V.AsLong.CompareTo(y.V.AsLong);
        if (tx is ValueType.Long or ValueType.Double && ty is ValueType.Long or ValueType.Double)
            return CompareNumbers(x, y);
        if (tx != 0 && tx == ty)
        {
            return tx is ValueType.Keyword or ValueType.Symbol
                ? CompareNames(x.V.AsString, y.V.AsString)
                : x.V.CompareTo(y.V);
        }
        if (x.Obj is QVector vx && y.Obj is QVector vy)
        {
            if (vx.Count != vy.Count)
                return vx.Count.CompareTo(vy.Count);
            for (var i = 0; i < vx.Count; i++)
            {
                var c = Compare(vx.Items[i], vy.Items[i]);
                if (c != 0)
                    return c;
            }
            return 0;
        }
        return CrossTypeCompare(x, y);
    }

    /// <summary>
    /// Values of different types order by type, as DataScript orders them on the JVM (its
    /// value-compare falls back to comparing class names): bytes ("[B"), keyword
    /// (clojure.lang.Keyword), vector (clojure.lang.PersistentVector), symbol (clojure.lang.Symbol),
    /// boolean (java.lang.Boolean), number (java.lang.Double/Long, compared by value), string
    /// (java.lang.String), instant (java.util.Date), uuid (java.util.UUID), then entities (datom's
    /// own type, last) and other objects. Nil comes first, as in Clojure's compare. So
    /// <c>(&lt; 1 "")</c> is true. Datomic's comparisons instead throw on most such pairs; datom
    /// follows DataScript so that a predicate over a mixed column filters instead of failing.
    /// </summary>
    private static int CrossTypeCompare(QValue x, QValue y)
    {
        var rx = TypeRank(x);
        var ry = TypeRank(y);
        if (rx != ry)
            return rx.CompareTo(ry);
        return string.CompareOrdinal(Conversions.Show(x), Conversions.Show(y));
    }

    private static int TypeRank(QValue q) => q.Obj switch
    {
        null => q.V.Type switch
        {
            0 => 0,
            ValueType.Bytes => 1,
            ValueType.Keyword => 2,
            ValueType.Symbol => 4,
            ValueType.Boolean => 5,
            ValueType.Long or ValueType.Double => 6,
            ValueType.String => 7,
            ValueType.Instant => 8,
            ValueType.Uuid => 9,
            ValueType.Ref => 10,
            _ => 11,
        },
        QVector => 3,
        _ => 12,
    };

    private static int CompareNumbers(QValue x, QValue y)
    {
        if (x.Type == ValueType.Double || y.Type == ValueType.Double)
        {
            var dx = x.Type == ValueType.Double ? x.V.AsDouble : x.V.AsLong;
            var dy = y.Type == ValueType.Double ? y.V.AsDouble : y.V.AsLong;
            return dx.CompareTo(dy);
        }
        return x.V.AsLong.CompareTo(y.V.AsLong);
    }

    /// <summary>Keywords and symbols order by namespace (none first), then name, as in Clojure.</summary>
    public static int CompareNames(string x, string y)
    {
        var sx = x.IndexOf('/', StringComparison.Ordinal);
        var sy = y.IndexOf('/', StringComparison.Ordinal);
        bool hx = sx > 0, hy = sy > 0;
        if (hx != hy)
            return hx ? 1 : -1;
        if (hx)
        {
            var c = x.AsSpan(0, sx).CompareTo(y.AsSpan(0, sy), StringComparison.Ordinal);
            if (c != 0)
                return c;
            return x.AsSpan(sx + 1).CompareTo(y.AsSpan(sy + 1), StringComparison.Ordinal);
        }
        return string.CompareOrdinal(x, y);
    }

    /// <summary>
    /// An order over every value, for min and max and sorting: numbers by value, then the other
    /// datom types by type, then value; vectors and objects after, nil first. Never throws.
    /// </summary>
    public static int TotalCompare(QValue x, QValue y)
    {
        var rx = Rank(x);
        var ry = Rank(y);
        if (rx != ry)
            return rx.CompareTo(ry);
        if (rx == 1)
            return CompareNumbers(x, y);
        if (x.IsValue)
        {
            return x.Type is ValueType.Keyword or ValueType.Symbol ? CompareNames(x.V.AsString, y.V.AsString) : x.V.CompareTo(y.V);
        }
        if (x.Obj is QVector vx && y.Obj is QVector vy)
        {
            if (vx.Count != vy.Count)
                return vx.Count.CompareTo(vy.Count);
            for (var i = 0; i < vx.Count; i++)
            {
                var c = TotalCompare(vx.Items[i], vy.Items[i]);
                if (c != 0)
                    return c;
            }
            return 0;
        }
        return string.CompareOrdinal(Conversions.Show(x), Conversions.Show(y));
    }

    private static int Rank(QValue q) => q.Type switch
    {
        ValueType.Long or ValueType.Double => 1,
        0 when q.IsNil => 0,
        0 when q.Obj is QVector => 100,
        0 => 101,
        var t => 2 + (int)t,
    };

    // ---- arithmetic ----

    private static QValue Arith(ReadOnlySpan<QValue> a, char op)
    {
        if (a.Length == 0)
            return QValue.Long(op == '*' ? 1 : 0);
        var allLong = true;
        foreach (var x in a)
        {
            if (!IsNumber(x))
                throw Type(op.ToString(), "a number", x);
            allLong &= x.Type == ValueType.Long;
        }
        if (allLong)
        {
            var acc = a[0].V.AsLong;
            try
            {
                for (var i = 1; i < a.Length; i++)
                {
                    var n = a[i].V.AsLong;
                    acc = op switch
                    {
                        '+' => checked(acc + n),
                        '-' => checked(acc - n),
                        _ => checked(acc * n),
                    };
                }
            }
            catch (OverflowException)
            {
                throw new FunctionException($"integer overflow in {op}");
            }
            return QValue.Long(acc);
        }
        var d = AsDouble(a[0]);
        for (var i = 1; i < a.Length; i++)
        {
            var n = AsDouble(a[i]);
            d = op switch
            {
                '+' => d + n,
                '-' => d - n,
                _ => d * n,
            };
        }
        return QValue.Double(d);
    }

    public static double AsDouble(QValue q) => q.Type == ValueType.Long ? q.V.AsLong : q.V.AsDouble;

    private static QValue DivideAll(ReadOnlySpan<QValue> a)
    {
        var acc = a[0];
        for (var i = 1; i < a.Length; i++)
            acc = Divide(acc, a[i]);
        return acc;
    }

    /// <summary>Long by long is a long when exact; otherwise a double (Clojure would make a ratio).</summary>
    private static QValue Divide(QValue x, QValue y)
    {
        if (!IsNumber(x))
            throw Type("/", "a number", x);
        if (!IsNumber(y))
            throw Type("/", "a number", y);
        if (x.Type == ValueType.Long && y.Type == ValueType.Long)
        {
            var d = y.V.AsLong;
            if (d == 0)
                throw new FunctionException("divide by zero");
            var n = x.V.AsLong;
            if (n == long.MinValue && d == -1)
                throw new FunctionException("integer overflow in /");
            return n % d == 0 ? QValue.Long(n / d) : QValue.Double((double)n / d);
        }
        return QValue.Double(AsDouble(x) / AsDouble(y));
    }

    private static QValue IntegerOp(QValue x, QValue y, string op)
    {
        if (!IsNumber(x))
            throw Type(op, "a number", x);
        if (!IsNumber(y))
            throw Type(op, "a number", y);
        if (x.Type == ValueType.Long && y.Type == ValueType.Long)
        {
            long n = x.V.AsLong, d = y.V.AsLong;
            if (d == 0)
                throw new FunctionException("divide by zero");
            if (d == -1)
                return QValue.Long(op == "quot" ? (n == long.MinValue ? throw new FunctionException("integer overflow in quot") : -n) : 0);
            return op switch
            {
                "quot" => QValue.Long(n / d),
                "rem" => QValue.Long(n % d),
                _ => QValue.Long(((n % d) + d) % d),
            };
        }
        double a = AsDouble(x), b = AsDouble(y);
        if (b == 0)
            throw new FunctionException("divide by zero");
        var q = Math.Truncate(a / b);
        return op switch
        {
            "quot" => QValue.Double(q),
            "rem" => QValue.Double(a - (q * b)),
            _ => QValue.Double(((a % b) + b) % b),
        };
    }

    private static QValue Extreme(ReadOnlySpan<QValue> a, int sign)
    {
        var best = a[0];
        if (!IsNumber(best))
            throw Type(sign > 0 ? "max" : "min", "a number", best);
        for (var i = 1; i < a.Length; i++)
        {
            if (!IsNumber(a[i]))
                throw Type(sign > 0 ? "max" : "min", "a number", a[i]);
            if (Math.Sign(CompareNumbers(a[i], best)) == sign)
                best = a[i];
        }
        return best;
    }

    private static int Sign(QValue q, string fn) => q.Type switch
    {
        ValueType.Long => Math.Sign(q.V.AsLong),
        ValueType.Double when !double.IsNaN(q.V.AsDouble) => Math.Sign(q.V.AsDouble),
        ValueType.Double => throw new FunctionException($"{fn} of NaN"),
        _ => throw Type(fn, "a number", q),
    };

    private static long LongArg(QValue q, string fn) => q.Type == ValueType.Long ? q.V.AsLong : throw Type(fn, "a long", q);

    // ---- strings, names, collections ----

    private static string Str(ReadOnlySpan<QValue> a)
    {
        var sb = new StringBuilder();
        foreach (var x in a)
            sb.Append(Conversions.Str(x));
        return sb.ToString();
    }

    private static string Text(QValue q, string fn) => q.Type == ValueType.String ? q.V.AsString : throw Type(fn, "a string", q);

    private static QValue Subs(ReadOnlySpan<QValue> a)
    {
        var s = Text(a[0], "subs");
        var start = LongArg(a[1], "subs");
        var end = a.Length == 3 ? LongArg(a[2], "subs") : s.Length;
        if (start < 0 || end > s.Length || start > end)
            throw new FunctionException($"subs: range {start}..{end} is outside a string of length {s.Length}");
        return QValue.String(s[(int)start..(int)end]);
    }

    private static long Count(QValue q) => q.Obj switch
    {
        QVector v => v.Count,
        EdnSet s => s.Count,
        EdnMap m => m.Count,
        null when q.IsNil => 0,
        null when q.Type == ValueType.String => q.V.AsString.Length,
        _ => throw Type("count", "a string or a collection", q),
    };

    private static QValue MakeKeyword(ReadOnlySpan<QValue> a)
    {
        try
        {
            if (a.Length == 1)
            {
                return a[0].Type switch
                {
                    ValueType.Keyword => a[0],
                    ValueType.String or ValueType.Symbol => Conversions.FromKeyword(Keyword.Parse(a[0].V.AsString)),
                    _ => throw Type("keyword", "a string", a[0]),
                };
            }
            var ns = a[0].IsNil ? null : Text(a[0], "keyword");
            return Conversions.FromKeyword(Keyword.Intern(ns, Text(a[1], "keyword")));
        }
        catch (Exception e) when (e is EdnException or ArgumentException)
        {
            throw new FunctionException($"keyword: {e.Message}");
        }
    }

    private static QValue NamePart(QValue q, string fn, bool ns)
    {
        if (q.Type == ValueType.String)
            return ns ? throw Type(fn, "a keyword or symbol", q) : q;
        if (q.Type is not (ValueType.Keyword or ValueType.Symbol))
            throw Type(fn, "a keyword, symbol or string", q);
        var text = q.V.AsString;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
            return ns ? QValue.Nil : QValue.String(text);
        return QValue.String(ns ? text[..slash] : text[(slash + 1)..]);
    }

    private static QValue Get(ReadOnlySpan<QValue> a)
    {
        var missing = a.Length == 3 ? a[2] : QValue.Nil;
        switch (a[0].Obj)
        {
            case QVector v when a[1].Type == ValueType.Long:
                var i = a[1].V.AsLong;
                return i >= 0 && i < v.Count ? v.Items[i] : missing;
            case EdnMap m:
                return m.TryGetValue(Conversions.ToClr(a[1]), out var found) ? Conversions.FromObject(found) : missing;
            case EdnSet s:
                return s.Contains(Conversions.ToClr(a[1])) ? a[1] : missing;
            default:
                return a[0].IsNil ? missing : throw Type("get", "a map, vector or set", a[0]);
        }
    }

    /// <summary>Clojure's <c>hash-map</c>: keys and values alternate; a later key wins.</summary>
    private static QValue HashMap(ReadOnlySpan<QValue> a)
    {
        if (a.Length % 2 != 0)
            throw new FunctionException($"hash-map takes keys and values in pairs; got {a.Length} arguments");
        var entries = new Dictionary<object, object?>();
        var order = new List<object>();
        for (var i = 0; i < a.Length; i += 2)
        {
            var key = Conversions.ToClr(a[i]) ?? throw new FunctionException("hash-map: a key cannot be nil");
            if (!entries.ContainsKey(key))
                order.Add(key);
            entries[key] = Conversions.ToClr(a[i + 1]);
        }
        return QValue.Object(new EdnMap(order.Select(k => new KeyValuePair<object?, object?>(k, entries[k]))));
    }

    private static bool Contains(QValue coll, QValue x) => coll.Obj switch
    {
        EdnSet s => s.Contains(Conversions.ToClr(x)),
        EdnMap m => m.ContainsKey(Conversions.ToClr(x)),
        QVector v => x.Type == ValueType.Long && x.V.AsLong >= 0 && x.V.AsLong < v.Count,
        _ => coll.IsNil ? false : throw Type("contains?", "a set, map or vector", coll),
    };

    private static QValue And(ReadOnlySpan<QValue> a)
    {
        var last = QValue.True;
        foreach (var x in a)
        {
            if (!x.IsTruthy)
                return x;
            last = x;
        }
        return last;
    }

    private static QValue Or(ReadOnlySpan<QValue> a)
    {
        var last = QValue.Nil;
        foreach (var x in a)
        {
            if (x.IsTruthy)
                return x;
            last = x;
        }
        return last;
    }

    /// <summary>The value's type as its schema keyword (<c>:db.type/long</c>), or <c>:db.type/vector</c> etc. for others.</summary>
    private static QValue TypeOf(QValue q)
    {
        var name = q.Obj switch
        {
            null when q.IsNil => null,
            null => q.V.Type switch
            {
                ValueType.Boolean => "boolean",
                ValueType.Uuid => "uuid",
                var t => t.ToString().ToLowerInvariant(),
            },
            QVector => "vector",
            Regex => "regex",
            FunctionValue => "fn",
            EdnMap => "map",
            EdnSet => "set",
            _ => "object",
        };
        return name is null ? QValue.Nil : QValue.Of(Value.Keyword("db.type/" + name));
    }

    // ---- database functions ----

    private static QValue GetElse(ReadOnlySpan<QValue> a, RunContext run)
    {
        if (a[3].IsNil)
            throw new FunctionException("get-else: nil is not a default value");
        return FirstValue(a[0], a[1], a[2], run, "get-else") is { } v ? QValue.Of(v) : a[3];
    }

    private static QValue GetSome(ReadOnlySpan<QValue> a, RunContext run)
    {
        for (var i = 2; i < a.Length; i++)
        {
            if (FirstValue(a[0], a[1], a[i], run, "get-some") is { } v)
                return QValue.Object(new QVector([a[i], QValue.Of(v)]));
        }
        return QValue.Nil;
    }

    /// <summary>The first value of attribute <paramref name="attr"/> on entity <paramref name="e"/>, or null.</summary>
    private static Value? FirstValue(QValue src, QValue e, QValue attr, RunContext run, string fn)
    {
        if (src.Obj is not IDatomView view)
            throw Type(fn, "a database ($) as its first argument", src);
        if (attr.Type != ValueType.Keyword)
            throw Type(fn, "an attribute keyword", attr);
        var keyword = run.Keyword(attr.V);
        // :ns/_attr is the reverse of ref attribute :ns/attr: the entities that point at e.
        if (keyword.Name.StartsWith('_') && view.Attribute(keyword) is null)
        {
            var forward = Keyword.Intern(keyword.Namespace, keyword.Name[1..]);
            if (view.Attribute(forward) is not { } schema)
                throw new FunctionException($"{fn}: {keyword} is not an attribute, nor the reverse of one ({forward} is not an attribute)");
            if (!schema.IsRef)
                throw new FunctionException($"{fn}: {keyword} is the reverse of {forward}, which is not a ref attribute");
            if (run.ResolveEntity(view, e) is not { } target)
                return null;
            foreach (var d in view.Match(null, forward, Value.Ref(target)))
                return Value.Ref(d.E);
            return null;
        }
        if (view.Attribute(keyword) is null)
            throw new FunctionException($"{fn}: {keyword} is not an attribute");
        if (run.ResolveEntity(view, e) is not { } id)
            return null;
        foreach (var d in view.Match(id, keyword, null))
            return d.V;
        return null;
    }

    // ---- regular expressions ----

    private static Regex Pattern(QValue q, RunContext run, string fn) => q.Obj switch
    {
        Regex r => r,
        null when q.Type == ValueType.String => run.Regex(q.V.AsString),
        _ => throw Type(fn, "a regex or a string", q),
    };

    private static QValue MatchValue(Match m)
    {
        if (m.Groups.Count == 1)
            return QValue.String(m.Value);
        var items = new QValue[m.Groups.Count];
        for (var i = 0; i < items.Length; i++)
            items[i] = m.Groups[i].Success ? QValue.String(m.Groups[i].Value) : QValue.Nil;
        return QValue.Object(new QVector(items));
    }

    private static QValue ReFind(ReadOnlySpan<QValue> a, RunContext run, bool whole)
    {
        var fn = whole ? "re-matches" : "re-find";
        var regex = Pattern(a[0], run, fn);
        var s = Text(a[1], fn);
        try
        {
            // re-matches: the whole string must match, as Java's Matcher.matches().
            var m = whole ? run.Regex(@"\A(?:" + regex + @")\z").Match(s) : regex.Match(s);
            return m.Success ? MatchValue(m) : QValue.Nil;
        }
        catch (RegexMatchTimeoutException)
        {
            throw new FunctionException($"{fn}: the regex ran longer than {RegexTimeout.TotalSeconds} s");
        }
    }

    private static QValue ReSeq(ReadOnlySpan<QValue> a, RunContext run)
    {
        var regex = Pattern(a[0], run, "re-seq");
        var s = Text(a[1], "re-seq");
        try
        {
            var found = new List<QValue>();
            for (var m = regex.Match(s); m.Success; m = m.NextMatch())
                found.Add(MatchValue(m));
            return found.Count == 0 ? QValue.Nil : QValue.Object(new QVector([.. found]));
        }
        catch (RegexMatchTimeoutException)
        {
            throw new FunctionException($"re-seq: the regex ran longer than {RegexTimeout.TotalSeconds} s");
        }
    }

    public static FunctionException Type(string fn, string wanted, QValue got) =>
        new($"{fn} expects {wanted}, got {Conversions.Describe(got)} ({Conversions.Show(got)})");
}
