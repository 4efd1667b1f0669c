using System.Numerics;
using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Transactions;

/// <summary>
/// Makes transaction data into the datoms of one log entry, against the database as it is, with
/// Datomic's semantics (https://docs.datomic.com/transactions/transaction-processing.html):
/// tempids resolve to new entities or, through a <c>:db.unique/identity</c> value, upsert to the
/// existing one; lookup refs and idents resolve to entities; values are checked against the
/// attribute's type; asserting a cardinality-one value retracts the others; redundant assertions and
/// retractions of absent datoms are dropped; <c>:db/retractEntity</c> retracts the entity, the refs to
/// it and its components; <c>:db.unique/value</c> is enforced; schema changes are checked.
/// Every error names the operation's position and what is wrong; nothing is produced on error.
/// </summary>
public sealed class Transactor
{
    private static readonly Keyword DbIdent = SystemSchema.Ident;

    private readonly IDatomView _db;
    private readonly Func<EntityId> _mint;
    private readonly EntityId _tx;
    private readonly Dictionary<string, EntityId> _tempIds = new(StringComparer.Ordinal);

    /// <summary>Entities minted by this transaction: they have no datoms yet, so nothing needs looking up.</summary>
    private readonly HashSet<EntityId> _minted = [];

    private Transactor(IDatomView db, Func<EntityId> mint)
    {
        _db = db;
        _mint = mint;
        _tx = mint();
    }

    public static PreparedTx Prepare(IDatomView db, IReadOnlyList<TxOp> ops, Func<EntityId> mint)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(ops);
        ArgumentNullException.ThrowIfNull(mint);
        return new Transactor(db, mint).Run(ops);
    }

    private PreparedTx Run(IReadOnlyList<TxOp> ops)
    {
        ResolveUpserts(ops);
        var asserted = new Dictionary<(EntityId E, string A), (Value V, SourcePosition? At)>();
        var result = new List<LogDatom>();
        var seen = new HashSet<(EntityId, string, Value, bool)>();

        void Emit(EntityId e, string a, Value v, bool added)
        {
            if (seen.Add((e, a, v, added)))
                result.Add(new LogDatom(e, a, v, added));
        }

        foreach (var op in Expand(ops))
        {
            switch (op)
            {
                case TxOp.Assert { Added: true } add:
                {
                    var schema = AttributeOf(add.A, add.Position);
                    var e = ResolveEntity(add.E, add.Position);
                    var v = ToValue(add.V, schema, add.Position);
                    var name = Name(add.A);
                    CheckSchemaChange(e, schema, v, add.Position);
                    if (!schema.Many)
                    {
                        if (asserted.TryGetValue((e, name), out var other) && !other.V.Equals(v))
                            throw new TxDataException($"{add.A} has cardinality one, and this transaction gives entity {e} two values: {other.V} and {v}", add.Position);
                        asserted[(e, name)] = (v, add.Position);
                    }
                    CheckUnique(e, schema, v, add.Position);
                    // For cardinality one, every live value counts, including the losers of a
                    // conflict: asserting a value resolves the conflict by retracting the rest.
                    var current = _minted.Contains(e)
                        ? []
                        : (!schema.Many && _db is Views.CurrentView view ? view.Conflicts(e, add.A) : _db.Match(e, add.A, null)).Select(d => d.V).Distinct().ToList();
                    if (current.Contains(v) && (schema.Many || current.Count == 1))
                        continue; // redundant: already true
                    if (!schema.Many)
                    {
                        foreach (var (se, sv) in StoredAs(e, add.A, null))
                        {
                            if (!Canonical(sv).Equals(Canonical(v)))
                                Emit(se, name, sv, false);
                        }
                    }
                    Emit(e, name, v, true);
                    break;
                }
                case TxOp.Assert retract:
                {
                    var schema = AttributeOf(retract.A, retract.Position);
                    var e = ResolveEntity(retract.E, retract.Position);
                    var name = Name(retract.A);
                    if (retract.AllValues)
                    {
                        foreach (var (se, sv) in StoredAs(e, retract.A, null))
                            Emit(se, name, sv, false);
                        break;
                    }
                    var v = ToValue(retract.V, schema, retract.Position);
                    foreach (var (se, sv) in StoredAs(e, retract.A, v))
                        Emit(se, name, sv, false);
                    break;
                }
                case TxOp.RetractEntity r:
                    RetractEntity(ResolveEntity(r.E, r.Position), Emit, []);
                    break;
            }
        }
        CheckNewAttributes(result, ops);
        return new PreparedTx(_tx, result, _tempIds.Where(kv => !kv.Key.StartsWith("#map-", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
    }

    /// <summary>Turns a map's collection value into one assertion per value, or a lookup ref, by the schema.</summary>
    private IEnumerable<TxOp> Expand(IReadOnlyList<TxOp> ops)
    {
        foreach (var op in ops)
        {
            if (op is not TxOp.Assert { V: ManyValues many } add)
            {
                yield return op;
                continue;
            }
            var schema = AttributeOf(add.A, add.Position);
            if (schema.IsRef && many.CouldBeLookupRef && !(schema.Many && many.Items.All(i => i is Keyword)))
            {
                yield return add with { V = new EntityRef.Lookup((Keyword)many.Items[0]!, many.Items[1]) };
                continue;
            }
            if (!schema.Many)
                throw new TxDataException($"{add.A} has cardinality one; it cannot take the {many.Items.Count} values of a collection", add.Position);
            foreach (var item in many.Items)
                yield return add with { V = item };
        }
    }

    /// <summary>
    /// First pass: a tempid asserted with a <c>:db.unique/identity</c> value that some entity already has
    /// becomes that entity (upsert). Tempids (or entity maps without <c>:db/id</c>) that give one such
    /// value in this transaction are one entity, as in Datomic and DataScript: the entity one of them
    /// upserted to, or one new entity. Two identities pointing at two entities is an error.
    /// </summary>
    private void ResolveUpserts(IReadOnlyList<TxOp> ops)
    {
        var byValue = new Dictionary<(Keyword, Value), string>();
        var sameAs = new Dictionary<string, string>(StringComparer.Ordinal); // union-find over tempid names
        var firstAt = new Dictionary<string, (Keyword A, Value V, SourcePosition? At)>(StringComparer.Ordinal);
        string Root(string t)
        {
            while (sameAs.TryGetValue(t, out var p) && p != t)
                t = p;
            return t;
        }
        foreach (var op in Expand(ops))
        {
            if (op is not TxOp.Assert { Added: true, E: EntityRef.TempId temp } add)
                continue;
            var schema = _db.Attribute(add.A);
            if (schema is null || schema.Unique != Uniqueness.Identity)
                continue;
            var v = ToValue(add.V, schema, add.Position, resolveTempIds: false);
            if (v.Type == ValueType.Ref && v.AsRef == default)
                continue; // a tempid not yet resolved: it names no value to join on
            if (byValue.TryGetValue((add.A, v), out var other))
            {
                var (x, y) = (Root(temp.Name), Root(other));
                if (x != y)
                    sameAs[x] = y;
            }
            else
            {
                byValue[(add.A, v)] = temp.Name;
            }
            firstAt.TryAdd(temp.Name, (add.A, v, add.Position));
            var existing = _db.Match(null, add.A, v).Select(d => d.E).FirstOrDefault();
            if (existing == default)
                continue;
            if (_tempIds.TryGetValue(temp.Name, out var already) && already != existing)
                throw new TxDataException($"tempid \"{Shown(temp.Name)}\" upserts to two entities: {already} and {existing} (through {add.A} {v})", add.Position);
            _tempIds[temp.Name] = existing;
        }
        foreach (var group in firstAt.Keys.GroupBy(Root))
        {
            var names = group.ToList();
            if (names.Count < 2)
                continue;
            var ids = names.Where(_tempIds.ContainsKey).Select(n => _tempIds[n]).Distinct().ToList();
            if (ids.Count > 1)
            {
                var (a, v, at) = firstAt[names[0]];
                throw new TxDataException($"{string.Join(", ", names.Select(n => $"\"{Shown(n)}\""))} name one entity through {a} {v}, but upsert to two entities: {ids[0]} and {ids[1]}", at);
            }
            var id = ids.Count == 1 ? ids[0] : Mint(names[0]);
            foreach (var n in names)
                _tempIds[n] = id;
        }
    }

    /// <summary>A tempid as the user wrote it; an entity map without <c>:db/id</c> has none, so its position says which.</summary>
    private static string Shown(string tempId) => tempId.StartsWith("#map-", StringComparison.Ordinal) ? "(an entity map without :db/id)" : tempId;

    /// <summary>
    /// The datoms as stored that retracting <c>[e a v]</c> (v null: every value) must retract: after a
    /// unique-value merge they may sit on several entities (CurrentView.Stored).
    /// </summary>
    private IEnumerable<(EntityId E, Value V)> StoredAs(EntityId e, Keyword a, Value? v) =>
        _db is Views.CurrentView view ? view.Stored(e, a, v).Select(d => (d.E, d.V)) : _db.Match(e, a, v).Select(d => (d.E, d.V));

    /// <summary>An entity or ref value as the view shows it: the canonical entity of a merged unique value.</summary>
    private EntityId Canonical(EntityId e) => _db is Views.CurrentView view ? view.Canonical(e) : e;

    private Value Canonical(Value v) => v.Type == ValueType.Ref ? Value.Ref(Canonical(v.AsRef)) : v;

    private EntityId ResolveEntity(EntityRef e, SourcePosition? at) => e switch
    {
        EntityRef.TempId t => _tempIds.TryGetValue(t.Name, out var id) ? id : Mint(t.Name),
        EntityRef.Existing x => x.Id,
        EntityRef.CurrentTx => _tx,
        EntityRef.Ident i => _db.Entid(i.Name) ?? throw new TxDataException($"no entity has the ident {i.Name}", at),
        EntityRef.Lookup l => Lookup(l.Attribute, l.Value, at),
        _ => throw new TxDataException("unknown kind of entity reference", at),
    };

    private EntityId Mint(string tempId)
    {
        var id = _mint();
        _tempIds[tempId] = id;
        _minted.Add(id);
        return id;
    }

    private EntityId Lookup(Keyword attribute, object? value, SourcePosition? at)
    {
        var schema = _db.Attribute(attribute) ?? throw new TxDataException($"lookup ref [{attribute} …]: {attribute} is not an attribute", at);
        if (schema.Unique == Uniqueness.None)
            throw new TxDataException($"lookup ref [{attribute} …]: {attribute} is not unique, so it cannot name an entity", at);
        var v = ToValue(value, schema, at, resolveTempIds: false);
        foreach (var d in _db.Match(null, attribute, v))
            return d.E;
        throw new TxDataException($"lookup ref [{attribute} {v}]: no entity has that value", at);
    }

    private AttributeSchema AttributeOf(Keyword a, SourcePosition? at) =>
        _db.Attribute(a) ?? throw new TxDataException($"{a} is not an attribute: define it first, e.g. {{:db/ident {a} :db/valueType :db.type/string :db/cardinality :db.cardinality/one}}", at);

    private Value ToValue(object? v, AttributeSchema schema, SourcePosition? at, bool resolveTempIds = true)
    {
        if (schema.Type == ValueType.Ref)
        {
            return v switch
            {
                EntityRef r => Value.Ref(ResolveEntity(r, at)),
                EntityId id => Value.Ref(id),
                string s when resolveTempIds => Value.Ref(ResolveEntity(TxDataParser.ParseEntity(s, at), at)),
                string s => _tempIds.TryGetValue(s, out var known) ? Value.Ref(known) : Value.Ref(default),
                Keyword k => Value.Ref(_db.Entid(k) ?? throw new TxDataException($"{schema.Ident}: no entity has the ident {k}", at)),
                IReadOnlyList<object?> { Count: 2 } l when l[0] is Keyword attr => Value.Ref(Lookup(attr, l[1], at)),
                _ => throw new TxDataException($"{schema.Ident} is a ref attribute; {TxDataParser.Describe(v)} does not name an entity", at),
            };
        }
        Value value = (schema.Type, v) switch
        {
            (ValueType.String, string s) => Value.String(s),
            (ValueType.Long, long n) => Value.Long(n),
            (ValueType.Long, int n) => Value.Long(n),
            (ValueType.Long, BigInteger b) when b >= long.MinValue && b <= long.MaxValue => Value.Long((long)b),
            (ValueType.Double, double d) => Value.Double(d),
            (ValueType.Double, float f) => Value.Double(f),
            (ValueType.Boolean, bool b) => Value.Boolean(b),
            (ValueType.Keyword, Keyword k) => Value.Keyword(Name(k)),
            (ValueType.Symbol, Symbol s) => Value.Symbol(s.QualifiedName),
            (ValueType.Instant, DateTimeOffset t) => Value.Instant(t),
            (ValueType.Uuid, Guid g) => Value.Uuid(g),
            (ValueType.Bytes, byte[] bytes) => Value.Bytes(bytes),
            _ => throw new TxDataException($"{schema.Ident} holds {TypeName(schema.Type)} values; {TxDataParser.Describe(v)} is not one", at),
        };
        return value;
    }

    private void CheckUnique(EntityId e, AttributeSchema schema, Value v, SourcePosition? at)
    {
        if (schema.Unique == Uniqueness.None)
            return;
        foreach (var d in _db.Match(null, schema.Ident, v))
        {
            if (Canonical(d.E) != Canonical(e))
                throw new TxDataException($"{schema.Ident} is unique and {v} already belongs to entity {d.E}", at);
        }
    }

    /// <summary>An attribute's type and cardinality are fixed once set: changing them would change the meaning of stored datoms.</summary>
    private void CheckSchemaChange(EntityId e, AttributeSchema schema, Value v, SourcePosition? at)
    {
        if (!schema.Ident.Equals(SystemSchema.ValueTypeAttr))
            return;
        foreach (var d in _db.Match(e, SystemSchema.ValueTypeAttr, null))
        {
            if (!d.V.Equals(v))
            {
                var ident = _db.Ident(e)?.ToString() ?? e.ToString();
                throw new TxDataException($"schema conflict: {ident} already has :db/valueType {_db.Ident(d.V.AsRef)}; it cannot become {(v.Type == ValueType.Ref ? _db.Ident(v.AsRef)?.ToString() : v.ToString())}", at);
            }
        }
    }

    /// <summary>An entity given a :db/valueType must have a :db/cardinality, in this transaction or before.</summary>
    private void CheckNewAttributes(List<LogDatom> result, IReadOnlyList<TxOp> ops)
    {
        foreach (var d in result.Where(d => d.Added && d.A == "db/valueType"))
        {
            var hasCardinality = result.Any(c => c.Added && c.E == d.E && c.A == "db/cardinality")
                || _db.Match(d.E, SystemSchema.Cardinality, null).Any();
            var hasIdent = result.Any(c => c.Added && c.E == d.E && c.A == "db/ident") || _db.Match(d.E, DbIdent, null).Any();
            var at = ops.OfType<TxOp.Assert>().FirstOrDefault(o => o.A.Equals(SystemSchema.ValueTypeAttr))?.Position;
            if (!hasCardinality)
                throw new TxDataException("an attribute needs :db/cardinality (:db.cardinality/one or :db.cardinality/many) as well as :db/valueType", at);
            if (!hasIdent)
                throw new TxDataException("an attribute needs a :db/ident to be named by", at);
        }
    }

    private void RetractEntity(EntityId e, Action<EntityId, string, Value, bool> emit, HashSet<EntityId> visited)
    {
        if (!visited.Add(e))
            return;
        foreach (var d in _db.Match(e, null, null).ToList())
        {
            foreach (var (se, sv) in StoredAs(e, d.A, d.V))
                emit(se, Name(d.A), sv, false);
            if (d.V.Type == ValueType.Ref && _db.Attribute(d.A) is { IsComponent: true })
                RetractEntity(d.V.AsRef, emit, visited);
        }
        foreach (var d in _db.Match(null, null, Value.Ref(e)).ToList())
        {
            foreach (var (se, sv) in StoredAs(d.E, d.A, d.V))
                emit(se, Name(d.A), sv, false);
        }
    }

    private static string Name(Keyword k) => k.QualifiedName;

    private static string TypeName(ValueType t) => ":db.type/" + t.ToString().ToLowerInvariant();
}
