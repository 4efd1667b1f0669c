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
            < 9 => $"[[:db/retract [:k/id {key}] :k/tags :t{random.Next(4)}]]",
            _ => $"[[:db/retractEntity [:k/id {key}]]]",
        };
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
