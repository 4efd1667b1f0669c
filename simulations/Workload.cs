using Datom.Index;
using Datom.Index.Query;
using Datom.Log.Edn;

namespace Datom.Simulations;

/// <summary>
/// What the simulated users do: one node installs a small schema, then every node transacts at
/// random: upserts on a unique identity, cardinality-one values that concurrent writers make
/// conflict, cardinality-many tags added and retracted, whole entities retracted. And the fixed
/// queries whose answers must agree on every node once the mesh converges.
/// </summary>
internal static class Workload
{
    public const string Schema =
        """
        [{:db/ident :k/id :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
         {:db/ident :k/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
         {:db/ident :k/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}]
        """;

    private const int Keys = 6;

    /// <summary>The queries every node must answer alike: current values, tags, a count, and the whole history of values.</summary>
    public static readonly IReadOnlyList<(string Name, string Query, bool History)> Queries =
    [
        ("values", "[:find ?id ?n :where [?e :k/id ?id] [?e :k/n ?n]]", false),
        ("tags", "[:find ?id ?t :where [?e :k/id ?id] [?e :k/tags ?t]]", false),
        ("count", "[:find (count ?e) :where [?e :k/id]]", false),
        ("history", "[:find ?e ?n ?tx ?added :where [?e :k/n ?n ?tx ?added]]", true),
    ];

    /// <summary>A random transaction.</summary>
    public static string Next(Random random)
    {
        var key = $"\"k{random.Next(Keys)}\"";
        return random.Next(10) switch
        {
            < 5 => $"[{{:k/id {key} :k/n {random.Next(1000)}}}]",
            < 8 => $"[{{:k/id {key} :k/tags :t{random.Next(4)}}}]",
            < 9 when random.Next(2) == 0 => $"[[:db/retract [:k/id {key}] :k/tags :t{random.Next(4)}]]",
            // Two tempids naming one unique value in one transaction: one entity, as in Datomic.
            < 9 => $"[{{:db/id \"a\" :k/id {key} :k/n {random.Next(1000)}}} {{:db/id \"b\" :k/id {key} :k/tags :t{random.Next(4)}}}]",
            _ => $"[[:db/retractEntity [:k/id {key}]]]",
        };
    }

    /// <summary>An upsert of every key, as a user would make after healing: it must be taken (not refused as a conflict) on every node.</summary>
    public static IEnumerable<string> UpsertEveryKey(int value) =>
        Enumerable.Range(0, Keys).Select(k => $"[{{:k/id \"k{k}\" :k/n {value}}}]");

    /// <summary>For each unique identity value, the entities that hold it now (there must be one).</summary>
    public static SortedDictionary<string, List<string>> EntitiesByKey(DaoDb db)
    {
        var result = Datalog.Query("[:find ?id ?e :where [?e :k/id ?id]]", db.Current());
        var byKey = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var row in result.Rows)
        {
            var key = ResultPrinter.Print(row[0]);
            if (!byKey.TryGetValue(key, out var list))
                byKey[key] = list = [];
            list.Add(ResultPrinter.Print(row[1]));
        }
        return byKey;
    }

    /// <summary>Whether the schema has reached this node's index (transactions wait for it).</summary>
    public static bool HasSchema(DaoDb db) => db.Current().Attribute(Keyword.Intern("k", "tags")) is not null;

    /// <summary>The answers of every query, each as its rows printed and sorted: one text to compare across nodes.</summary>
    public static string Answers(DaoDb db)
    {
        var current = db.Current();
        var history = db.History();
        var lines = new List<string>();
        foreach (var (name, query, usesHistory) in Queries)
        {
            var result = Datalog.Query(query, usesHistory ? history : current);
            var rows = result.Rows.Select(r => ResultPrinter.Print(r)).Order(StringComparer.Ordinal).ToList();
            lines.Add($"{name}: {rows.Count} rows: {string.Join(" ", rows)}");
        }
        return string.Join("\n", lines);
    }
}
