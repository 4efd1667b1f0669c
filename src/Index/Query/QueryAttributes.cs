using Datom.Index.Transactions;
using Datom.Log.Edn;

namespace Datom.Index.Query;

/// <summary>
/// The attributes a query can read, for a subscription's pre-filter (<see cref="SubscriptionHub"/>):
/// every keyword in its <c>:where</c> clauses (data patterns, lookup refs, function arguments such
/// as <c>get-else</c>'s attribute). Null, meaning any attribute, when that cannot be known from the
/// text: a data pattern whose attribute is a variable or <c>_</c>, rules passed in as <c>%</c>, or
/// a pull in <c>:find</c> (a pattern such as <c>[*]</c> reads every attribute). Naming more than
/// the query reads only costs a re-evaluation; naming fewer would miss changes, so every doubt
/// answers null.
/// </summary>
public static class QueryAttributes
{
    public static IReadOnlySet<string>? Of(DatalogQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Inputs.Any(i => i.Contains('%', StringComparison.Ordinal)))
            return null;
        var form = EdnReader.ReadOne(query.Text, TxDataParser.ReaderOptions("<query>"));
        object? find = null, where = null, rules = null;
        if (form is EdnMap map)
        {
            find = map.GetValueOrDefault(Keyword.Intern(null, "find"));
            where = map.GetValueOrDefault(Keyword.Intern(null, "where"));
        }
        else if (form is EdnVector vector)
        {
            List<object?>? section = null;
            var sections = new Dictionary<string, List<object?>>(StringComparer.Ordinal);
            foreach (var item in vector)
            {
                if (item is Keyword { Namespace: null } k)
                    sections[k.Name] = section = [];
                else
                    section?.Add(item);
            }
            find = sections.GetValueOrDefault("find");
            where = sections.GetValueOrDefault("where");
            rules = sections.GetValueOrDefault("rules");
        }
        if (rules is not null || Mentions(find, "pull"))
            return null;
        var attributes = new HashSet<string>(StringComparer.Ordinal);
        return Collect(where, attributes) ? attributes : null;
    }

    /// <summary>Adds the keywords of every clause; false when a data pattern's attribute is not a keyword.</summary>
    private static bool Collect(object? where, HashSet<string> attributes)
    {
        if (where is not System.Collections.IEnumerable clauses || where is string)
            return true;
        foreach (var clause in clauses)
        {
            if (!Clause(clause, attributes))
                return false;
        }
        return true;
    }

    private static bool Clause(object? clause, HashSet<string> attributes)
    {
        switch (clause)
        {
            case EdnVector pattern when pattern.Count > 0 && pattern[0] is not EdnList:
                // A data pattern, [e a v tx op] or [$src e a v tx op]: the attribute is the second or third item.
                var at = pattern[0] is Symbol s && s.Name.StartsWith('$') ? 2 : 1;
                if (pattern.Count > at && pattern[at] is not Keyword)
                    return false;
                Keywords(pattern, attributes);
                return true;
            case EdnList { Count: > 0 } list when list[0] is Symbol head:
                var body = head.Name switch
                {
                    "not" or "or" or "and" => list.Skip(1),
                    "not-join" or "or-join" => list.Skip(2),
                    _ => null, // a rule: its clauses come from :rules or %, which answer null above
                };
                if (body is null)
                {
                    Keywords(list, attributes);
                    return true;
                }
                foreach (var inner in body)
                {
                    if (!Clause(inner, attributes))
                        return false;
                }
                return true;
            default:
                // A predicate or function clause, [(f ?x :attr) ?out]: its keywords, conservatively.
                Keywords(clause, attributes);
                return true;
        }
    }

    private static void Keywords(object? form, HashSet<string> attributes)
    {
        if (form is Keyword k)
            attributes.Add(k.QualifiedName);
        else if (form is System.Collections.IEnumerable items and not string)
        {
            foreach (var item in items)
                Keywords(item, attributes);
        }
    }

    private static bool Mentions(object? form, string symbol) => form switch
    {
        Symbol s => s.Name == symbol,
        System.Collections.IEnumerable items and not string => items.Cast<object?>().Any(i => Mentions(i, symbol)),
        _ => false,
    };
}
