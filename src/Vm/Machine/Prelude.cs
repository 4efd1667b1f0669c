using Datom.Vm.Ast;
using Datom.Vm.Loading;
using Datom.Vm.Reading;

namespace Datom.Vm.Machine;

/// <summary>
/// The higher-order built-ins, written in Yin itself so that they run on the machine like any
/// other code: they use fuel, count toward depth, and can be suspended and resumed in the middle.
/// Natives never call back into Yin, which keeps the machine free of host recursion.
/// </summary>
internal static class Prelude
{
    public const string Source = """
        (ns yin.core)

        (defn reduce [f init coll]
          (loop [s (seq coll) acc init]
            (if s (recur (next s) (f acc (first s))) acc)))

        (defn mapv [f coll]
          (loop [s (seq coll) acc []]
            (if s (recur (next s) (conj acc (f (first s)))) acc)))

        (defn map [f coll] (mapv f coll))

        (defn filterv [pred coll]
          (loop [s (seq coll) acc []]
            (if s
              (recur (next s) (let [x (first s)] (if (pred x) (conj acc x) acc)))
              acc)))

        (defn filter [pred coll] (filterv pred coll))

        (defn remove [pred coll] (filterv (fn [x] (not (pred x))) coll))

        (defn keep [f coll]
          (loop [s (seq coll) acc []]
            (if s
              (recur (next s) (let [y (f (first s))] (if (nil? y) acc (conj acc y))))
              acc)))

        (defn map-indexed [f coll]
          (loop [s (seq coll) i 0 acc []]
            (if s (recur (next s) (inc i) (conj acc (f i (first s)))) acc)))

        (defn mapcat [f coll]
          (loop [s (seq coll) acc []]
            (if s (recur (next s) (into acc (f (first s)))) acc)))

        (defn some [pred coll]
          (loop [s (seq coll)]
            (when s
              (let [r (pred (first s))]
                (if r r (recur (next s)))))))

        (defn every? [pred coll]
          (loop [s (seq coll)]
            (if s (if (pred (first s)) (recur (next s)) false) true)))

        (defn not-any? [pred coll] (not (some pred coll)))

        (defn update [m k f] (assoc m k (f (get m k))))

        (defn reduce-kv [f init m]
          (loop [s (seq m) acc init]
            (if s
              (let [e (first s)] (recur (next s) (f acc (first e) (second e))))
              acc)))

        (defn group-by [f coll]
          (reduce (fn [m x] (let [k (f x)] (assoc m k (conj (get m k []) x)))) {} coll))

        (defn sort-by [keyfn coll]
          (mapv (fn [t] (nth t 2)) (sort (map-indexed (fn [i x] [(keyfn x) i x]) coll))))

        (defn run! [f coll] (reduce (fn [_ x] (f x) nil) nil coll))
        """;

    private static readonly Lazy<(ViewCodeBase Code, Dictionary<string, FunctionCell> Cells)> Compiled = new(Build);

    /// <summary>The prelude's function names: read without analysis, since analysis asks for them.</summary>
    public static IReadOnlySet<string> Names { get; } = SourceReader.Read(Source, "yin.core")
        .Skip(1)
        .Select(f => f.Items[1].Symbol!.Name)
        .ToHashSet(StringComparer.Ordinal);

    public static FunctionCell? Cell(string name) => Names.Contains(name) ? Compiled.Value.Cells[name] : null;

    private static (ViewCodeBase, Dictionary<string, FunctionCell>) Build()
    {
        var unit = Analyzer.Analyze(SourceReader.Read(Source, "yin.core"), "yin.core", EmptyCatalog.Instance, allowReserved: true);
        var view = new MemoryDatomView(unit.Nodes);
        var code = new ViewCodeBase(view, prelude: true);
        var cells = new Dictionary<string, FunctionCell>(StringComparer.Ordinal);
        foreach (var name in Names)
            cells[name] = code.Cell(view.Lookup(AstKeys.Definition(AstKeys.PreludeNamespace, name))!.Value);
        return (code, cells);
    }
}
