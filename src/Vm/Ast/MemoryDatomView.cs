using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Loading;
using IndexDatom = Datom.Index.Query.Datom;

namespace Datom.Vm.Ast;

/// <summary>
/// AST datoms held in memory, answering the same <see cref="IDatomView"/> questions as DaoDB. It
/// carries the VM's prelude, and it is the "in-memory AST" the benchmark compares DaoDB-backed
/// execution against: the machine prepares code from either in exactly the same way.
/// </summary>
internal sealed class MemoryDatomView : IDatomView
{
    private static long _instances;

    private readonly Dictionary<EntityId, List<IndexDatom>> _byEntity = [];
    private readonly Dictionary<(Keyword, Value), List<EntityId>> _byValue = [];
    private readonly List<IndexDatom> _all = [];

    /// <param name="outside">Resolves a reference to a node that is not in this view (a REPL form's call to a stored function); without it, such a reference is an error.</param>
    public MemoryDatomView(IEnumerable<NodeSpec> nodes, Func<string, EntityId?>? outside = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var list = nodes.ToList();
        // A prefix of its own per view ("Yin" in ASCII, then a counter), never 0 (the system's).
        var prefix = 0x5969_6E00_0000_0000UL | (ulong)Interlocked.Increment(ref _instances);
        var ids = new Dictionary<string, EntityId>(StringComparer.Ordinal);
        ulong next = 1;
        foreach (var n in list)
            ids[n.Key] = new EntityId(prefix, next++);
        var tx = new EntityId(prefix, 0);
        foreach (var n in list)
        {
            var e = ids[n.Key];
            foreach (var (a, v) in n.Attributes)
            {
                var value = v switch
                {
                    NodeRef r => Value.Ref(ids.TryGetValue(r.Key, out var target) ? target : outside?.Invoke(r.Key) ?? throw new InvalidOperationException($"{n.Key} refers to {r.Key}, which is not in this view")),
                    _ => (Value)v,
                };
                Add(new IndexDatom(e, a, value, tx, true));
            }
            if (n.RecordSignature is not null)
                Add(new IndexDatom(e, AstSchema.TypeDefinedAt, Value.Instant(0), tx, true));
        }
    }

    private void Add(IndexDatom d)
    {
        _all.Add(d);
        if (!_byEntity.TryGetValue(d.E, out var list))
            _byEntity[d.E] = list = [];
        list.Add(d);
        if (!_byValue.TryGetValue((d.A, d.V), out var es))
            _byValue[(d.A, d.V)] = es = [];
        es.Add(d.E);
    }

    public AttributeSchema? Attribute(Keyword ident) => SystemSchema.Attribute(ident) ?? AstSchema.Attribute(ident);

    public IEnumerable<IndexDatom> Match(EntityId? e, Keyword? a, Value? v)
    {
        IEnumerable<IndexDatom> candidates;
        if (e is not null)
            candidates = _byEntity.TryGetValue(e.Value, out var list) ? list : [];
        else if (a is not null && v is not null)
            candidates = _byValue.TryGetValue((a, v.Value), out var es) ? es.SelectMany(x => _byEntity[x]) : [];
        else
            candidates = _all;
        return candidates.Where(d => (a is null || d.A.Equals(a)) && (v is null || d.V.Equals(v.Value)));
    }

    public long Estimate(EntityId? e, Keyword? a, Value? v) => Match(e, a, v).LongCount();

    public EntityId? Entid(Keyword ident) => SystemSchema.Entid(ident);

    public Keyword? Ident(EntityId e) => SystemSchema.IdentOf(e);

    /// <summary>The entity of a node key.</summary>
    public EntityId? Lookup(string key) => Match(null, AstSchema.Key, Value.String(key)).Select(d => (EntityId?)d.E).FirstOrDefault();
}
