using Datom.Index;
using Datom.Index.Query;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Reading;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Vm.Loading;

/// <summary>What a load did.</summary>
/// <param name="Entry">The log entry written, or null when the database already held exactly this code.</param>
/// <param name="Changed">The definitions (<c>ns/name</c>) whose datoms changed, in key order.</param>
public sealed record LoadResult(string Namespace, int Asserted, int Retracted, Entry? Entry, IReadOnlyList<string> Changed)
{
    public bool Transacted => Entry is not null;
}

/// <summary>
/// Loads Yin source into DaoDB as AST datoms: read, analyze, then transact only the datoms that
/// make the database's copy of the namespace equal to the source. Loading unchanged source
/// transacts nothing (no entry at all); a changed function changes only its own datoms; a
/// definition that left the source is retracted, keeping only its <c>:ast/key</c> so that
/// references to it from other namespaces keep naming it and a later reload revives the same entity.
/// </summary>
public sealed class CodeLoader(DaoDb db, TimeProvider? time = null) : IDisposable
{
    private static readonly Keyword DbAdd = Keyword.Intern("db", "add");
    private static readonly Keyword DbRetract = Keyword.Intern("db", "retract");
    private static readonly Keyword TxReason = Keyword.Intern("tx", "reason");

    // One load at a time per loader: the difference is computed against the view it transacts onto.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <exception cref="CodeException">A syntax error, or code the language does not accept; nothing is transacted.</exception>
    public async Task<LoadResult> LoadAsync(string text, string sourceName, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        var forms = SourceReader.Read(text, sourceName);
        await AstSchema.EnsureAsync(db, cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var view = db.Current();
            var unit = Analyzer.Analyze(forms, sourceName, new ViewCatalog(view));
            var diff = Diff(view, unit, _time.GetUtcNow());
            if (diff.Forms.Count == 0)
                return new LoadResult(unit.Namespace, 0, 0, null, []);
            var txData = new List<object?>(diff.Forms);
            if (!string.IsNullOrEmpty(reason))
                txData.Add(EdnVector.Of(DbAdd, "datomic.tx", TxReason, reason));
            var result = await db.TransactAsync(new EdnVector(txData), cancellationToken).ConfigureAwait(false);
            var tx = result.Tx.Tx;
            var code = result.Tx.Datoms.Where(d => d.E != tx).ToList();
            return new LoadResult(unit.Namespace, code.Count(d => d.Added), code.Count(d => !d.Added), result.Entry, diff.Changed);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>The transaction data that makes <paramref name="view"/> hold exactly <paramref name="unit"/>.</summary>
    internal static (List<object?> Forms, List<string> Changed) Diff(IDatomView view, LoadUnit unit, DateTimeOffset now)
    {
        var reader = new AstReader(view);
        var existing = Existing(reader, unit.Namespace);
        foreach (var node in unit.Nodes)
        {
            if (!existing.ContainsKey(node.Key) && reader.Lookup(node.Key) is { } found)
                existing[node.Key] = found;
        }
        var desired = unit.Nodes.ToDictionary(n => n.Key, StringComparer.Ordinal);
        var forms = new List<object?>();
        var changed = new SortedSet<string>(StringComparer.Ordinal);

        object Entity(string key) => existing.TryGetValue(key, out var n) ? n.Id : key;

        object Resolve(object v)
        {
            if (v is not NodeRef r)
                return ToTx((Value)v);
            if (existing.TryGetValue(r.Key, out var n))
                return n.Id;
            if (desired.ContainsKey(r.Key))
                return r.Key; // a tempid: the node is new in this transaction
            return reader.Lookup(r.Key)?.Id ?? throw new CodeException(unit.Source, 0, 0, $"{r.Key} is not defined");
        }

        foreach (var node in unit.Nodes)
        {
            existing.TryGetValue(node.Key, out var old);
            if (node.Shared && old is not null)
                continue;
            var wanted = new Dictionary<Keyword, List<object>>();
            foreach (var (a, v) in node.Attributes)
            {
                if (!wanted.TryGetValue(a, out var list))
                    wanted[a] = list = [];
                list.Add(Resolve(v));
            }
            if (node.RecordSignature is { } signature)
            {
                var keep = old is not null && old.One(AstSchema.TypeDefinedAt) is { } at && Signature(reader, old) == signature;
                wanted[AstSchema.TypeDefinedAt] = [keep ? ToTx(old!.One(AstSchema.TypeDefinedAt)!.Value) : now];
            }
            var e = Entity(node.Key);
            var before = forms.Count;
            foreach (var (a, values) in wanted)
            {
                var have = old is null ? [] : old.Many(a).Select(ToTx).ToList();
                var schema = AstSchema.Attribute(a)!;
                if (!schema.Many)
                {
                    if (have.Count == 1 && TxEquals(have[0], values[0]))
                        continue;
                    forms.Add(EdnVector.Of(DbAdd, e, a, values[0]));
                    continue;
                }
                foreach (var v in values.Where(v => !have.Any(h => TxEquals(h, v))))
                    forms.Add(EdnVector.Of(DbAdd, e, a, v));
                foreach (var h in have.Where(h => !values.Any(v => TxEquals(h, v))))
                    forms.Add(EdnVector.Of(DbRetract, e, a, h));
            }
            if (old is not null)
            {
                foreach (var (a, values) in old.Attributes)
                {
                    if (wanted.ContainsKey(a))
                        continue;
                    foreach (var v in values)
                        forms.Add(EdnVector.Of(DbRetract, old.Id, a, ToTx(v)));
                }
            }
            if (forms.Count > before && !node.Shared)
                changed.Add(AstKeys.DefinitionOf(node.Key));
        }

        foreach (var (key, old) in existing)
        {
            if (desired.ContainsKey(key))
                continue;
            // A definition that left the source keeps its key as a tombstone (see the class remarks).
            var tombstone = !key.Contains('#', StringComparison.Ordinal);
            foreach (var (a, values) in old.Attributes)
            {
                if (tombstone && a.Equals(AstSchema.Key))
                    continue;
                foreach (var v in values)
                    forms.Add(EdnVector.Of(DbRetract, old.Id, a, ToTx(v)));
            }
            changed.Add(AstKeys.DefinitionOf(key));
        }
        return (forms, [.. changed]);
    }

    /// <summary>Every node of a namespace now in the view: the namespace node, its definitions and their trees.</summary>
    private static Dictionary<string, AstNode> Existing(AstReader reader, string ns)
    {
        var result = new Dictionary<string, AstNode>(StringComparer.Ordinal);
        foreach (var d in reader.View.Match(null, AstSchema.Namespace, Value.String(ns)).ToList())
        {
            if (reader.Node(d.E) is not { } root)
                continue;
            foreach (var n in reader.Subtree(root))
            {
                if (n.Key is { } key)
                    result[key] = n;
            }
        }
        return result;
    }

    private static string Signature(AstReader reader, AstNode record) =>
        string.Join(",", reader.Children(record, AstSchema.TypeField).Select(f =>
            f.Str(AstSchema.FieldName) + ":" + (f.Ref(AstSchema.FieldType) is { } t ? reader.Node(t)?.Key : null)));

    internal static object ToTx(Value v) => v.Type switch
    {
        ValueType.String => v.AsString,
        ValueType.Long => v.AsLong,
        ValueType.Double => v.AsDouble,
        ValueType.Boolean => v.AsBoolean,
        ValueType.Keyword => Keyword.Parse(v.AsString),
        ValueType.Symbol => Symbol.Parse(v.AsString),
        ValueType.Ref => v.AsRef,
        ValueType.Instant => DateTimeOffset.FromUnixTimeMilliseconds(v.AsInstantMs),
        ValueType.Uuid => v.AsUuid,
        ValueType.Bytes => v.AsBytes,
        _ => throw new InvalidOperationException($"unknown value type {v.Type}"),
    };

    private static bool TxEquals(object a, object b) => a switch
    {
        // Instants are stored to the millisecond.
        DateTimeOffset x when b is DateTimeOffset y => x.ToUnixTimeMilliseconds() == y.ToUnixTimeMilliseconds(),
        double x when b is double y => x.Equals(y),
        _ => EdnEquality.Instance.Equals(a, b) || Equals(a, b),
    };

    /// <summary>The analyzer's questions answered from a view.</summary>
    private sealed class ViewCatalog(IDatomView view) : ICodeCatalog
    {
        private readonly AstReader _reader = new(view);

        public bool FunctionExists(string key) => _reader.Lookup(key)?.Is(AstSchema.Types.Function) ?? false;

        public bool RecordExists(string key) => _reader.Lookup(key)?.Is(AstSchema.Types.Record) ?? false;

        public IReadOnlyList<string> RecordsNamed(string name) =>
            [.. view.Match(null, AstSchema.TypeName, Value.String(name))
                .Select(d => _reader.Node(d.E))
                .Where(n => n is not null && n.Is(AstSchema.Types.Record))
                .Select(n => n!.Key!)];
    }
}
