using System.Runtime.CompilerServices;
using Datom.Log.Edn;

namespace Datom.Index.Query;

/// <summary>
/// A parsed pull pattern, per the grammar of https://docs.datomic.com/query/query-pull.html:
/// attribute names (<c>:db/id</c>, reverse <c>:ns/_attr</c>), <c>*</c>, map specs with a nested
/// pattern or a recursion limit (<c>n</c> or <c>...</c>), attributes with options
/// (<c>[:attr :as x :limit n :default v]</c> or the list form), and <c>(limit :attr n)</c> /
/// <c>(default :attr v)</c>.
/// </summary>
internal sealed class PullPattern
{
    private static readonly ConditionalWeakTable<object, PullPattern> Cache = [];
    private static readonly Keyword DbId = Keyword.Intern("db", "id");
    private static readonly Keyword AsKw = Keyword.Intern(null, "as");
    private static readonly Keyword LimitKw = Keyword.Intern(null, "limit");
    private static readonly Keyword DefaultKw = Keyword.Intern(null, "default");
    private static readonly Keyword XformKw = Keyword.Intern(null, "xform");

    public bool Wildcard { get; private set; }

    public List<PullAttr> Attrs { get; } = [];

    public string Text { get; private set; } = "";

    /// <summary>The wildcard pattern <c>[*]</c>, which components are pulled with.</summary>
    public static PullPattern All { get; } = new() { Wildcard = true, Text = "[*]" };

    public static PullPattern Parse(object? form)
    {
        if (form is null)
            throw new QueryException("a pull pattern is a vector like [:attr {:ref [:attr]}], not nil");
        if (form is string s)
        {
            try
            {
                form = EdnReader.ReadOne(s);
            }
            catch (EdnException e)
            {
                throw new QueryException("pull pattern: " + e.Message, e);
            }
        }
        if (Cache.TryGetValue(form!, out var cached))
            return cached;
        var pattern = ParsePattern(form, QueryParser.PositionOf(form));
        Cache.AddOrUpdate(form!, pattern);
        return pattern;
    }

    private static PullPattern ParsePattern(object? form, SourcePosition? at)
    {
        var text = Conversions.Text(form);
        if (form is not (EdnVector or EdnList) || form is not IReadOnlyList<object?> items)
            throw new QueryException($"a pull pattern is a vector of attribute specs, not {QueryParser.Describe(form)}", at, text);
        at = QueryParser.PositionOf(form) ?? at;
        var pattern = new PullPattern { Text = text };
        foreach (var item in items)
        {
            switch (item)
            {
                case Symbol { Namespace: null, Name: "*" }:
                case "*":
                    pattern.Wildcard = true;
                    break;
                case Keyword k:
                    pattern.Attrs.Add(Attr(k, at, text));
                    break;
                case EdnMap map:
                    foreach (var (key, value) in map)
                    {
                        var attr = AttrSpec(key, map.Position ?? at, text);
                        switch (value)
                        {
                            case Symbol { Namespace: null, Name: "..." }:
                            case "...":
                                attr.RecursionLimit = int.MaxValue;
                                break;
                            case long n when n > 0:
                                attr.RecursionLimit = (int)Math.Min(n, int.MaxValue);
                                break;
                            case EdnVector or EdnList:
                                attr.Sub = ParsePattern(value, map.Position ?? at);
                                break;
                            default:
                                throw new QueryException($"a map spec maps an attribute to a pattern or a recursion limit (a positive number or ...), not {Conversions.Text(value)}", map.Position ?? at, text);
                        }
                        pattern.Attrs.Add(attr);
                    }
                    break;
                default:
                    pattern.Attrs.Add(AttrSpec(item, at, text));
                    break;
            }
        }
        return pattern;
    }

    private static PullAttr Attr(Keyword k, SourcePosition? at, string text)
    {
        if (k == DbId)
            return new PullAttr(k, false, k) { IsDbId = true };
        if (k.Name.StartsWith('_') && k.Name.Length > 1)
        {
            // The forward name is what follows the '_', which need not be a keyword name of its own
            // (:_#x is a keyword, :#x is not): such a reverse reference names no attribute.
            Keyword forward;
            try
            {
                forward = Keyword.Intern(k.Namespace, k.Name[1..]);
            }
            catch (ArgumentException e)
            {
                throw new QueryException($"{k} is not a reverse reference: {e.Message}", at, text, e);
            }
            return new PullAttr(forward, true, k);
        }
        return new PullAttr(k, false, k);
    }

    /// <summary>An attribute name, attribute with options, or (limit …)/(default …) expression.</summary>
    private static PullAttr AttrSpec(object? form, SourcePosition? at, string text)
    {
        if (form is Keyword k)
            return Attr(k, at, text);
        if (form is (EdnVector or EdnList) and IReadOnlyList<object?> { Count: > 0 } list)
        {
            at = QueryParser.PositionOf(form) ?? at;
            var head = list[0];
            if (head is Symbol { Namespace: null, Name: "limit" or "default" } or "limit" or "default")
            {
                var which = head is Symbol sym ? sym.Name : (string)head;
                if (list.Count != 3 || list[1] is not Keyword ak)
                    throw new QueryException($"({which} :attr value) takes an attribute and a value", at, text);
                var attr = Attr(ak, at, text);
                if (which == "limit")
                    SetLimit(attr, list[2], at, text);
                else
                    SetDefault(attr, list[2]);
                return attr;
            }
            if (head is Keyword attrName)
            {
                if (list.Count % 2 != 1)
                    throw new QueryException($"attribute options come in pairs (:as x, :limit n, :default v) after {attrName}", at, text);
                var attr = Attr(attrName, at, text);
                for (var i = 1; i < list.Count; i += 2)
                {
                    var opt = list[i] as Keyword;
                    if (opt == AsKw)
                        attr.Key = list[i + 1] ?? throw new QueryException(":as takes a name, not nil", at, text);
                    else if (opt == LimitKw)
                        SetLimit(attr, list[i + 1], at, text);
                    else if (opt == DefaultKw)
                        SetDefault(attr, list[i + 1]);
                    else if (opt == XformKw)
                        throw new QueryException(":xform is not supported (it names a function to call)", at, text);
                    else
                        throw new QueryException($"unknown attribute option {Conversions.Text(list[i])} (expected :as, :limit or :default)", at, text);
                }
                return attr;
            }
        }
        throw new QueryException($"a pull attribute spec is a keyword, *, a map spec or [:attr options…], not {Conversions.Text(form)}", QueryParser.PositionOf(form) ?? at, text);
    }

    private static void SetLimit(PullAttr attr, object? value, SourcePosition? at, string text)
    {
        attr.Limit = value switch
        {
            null => int.MaxValue,
            long n and > 0 => (int)Math.Min(n, int.MaxValue),
            _ => throw new QueryException($":limit is a positive number or nil (no limit), not {Conversions.Text(value)}", at, text),
        };
    }

    private static void SetDefault(PullAttr attr, object? value)
    {
        attr.HasDefault = true;
        attr.Default = value;
    }
}

/// <summary>One attribute spec of a pull pattern.</summary>
internal sealed class PullAttr(Keyword attr, bool reverse, object key)
{
    /// <summary>
    /// Cardinality-many attributes return at most this many values unless :limit says otherwise
    /// (Datomic's documented default; https://docs.datomic.com/query/query-pull.html#limit-option).
    /// </summary>
    public const int DefaultLimit = 1000;

    /// <summary>The attribute as stored: for a reverse spec, the forward attribute.</summary>
    public Keyword Attr { get; } = attr;

    public bool Reverse { get; } = reverse;

    public bool IsDbId { get; init; }

    /// <summary>The key of the result map: the attribute as written, or the :as name.</summary>
    public object Key { get; set; } = key;

    public int Limit { get; set; } = DefaultLimit;

    public bool HasDefault { get; set; }

    public object? Default { get; set; }

    public PullPattern? Sub { get; set; }

    /// <summary>For a recursive spec, the depth limit (int.MaxValue for ...); 0 when not recursive.</summary>
    public int RecursionLimit { get; set; }
}
