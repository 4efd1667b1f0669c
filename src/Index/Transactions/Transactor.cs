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
    private static readonly Keyword RefType = Keyword.Intern("db.type", "ref");

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
        // A transaction is a set of datoms, not a sequence of updates (Datomic, "Comparison with
        // Updating Transactions"): one that both asserts and explicitly retracts a fact is refused,
        // as Datomic refuses it (:db.error/datoms-conflict), rather than letting one silently win.
        var assertedFacts = new Dictionary<(EntityId E, string A), List<Value>>();
        var retractedFacts = new Dictionary<(EntityId E, string A), List<Value?>>(); // null: every value

        List<Value?> Retracted(EntityId e, string a)
        {
            if (!retractedFacts.TryGetValue((e, a), out var list))
                retractedFacts[(e, a)] = list = [];
            return list;
        }

        TxDataException Conflict(EntityId e, Keyword attr, Value v, SourcePosition? at) =>
            new($"{attr}: this transaction both asserts and retracts {v} on entity {e}; a transaction is a set of facts, so it can state only one of them", at);

        void Emit(EntityId e, string a, Value v, bool added)
        {
            if (seen.Add((e, a, v, added)))
                result.Add(new LogDatom(e, a, v, added));
        }

        // [:db/add e a v] and its forms: a map entry, a reverse attribute, the new value of :db/cas.
        void Add(EntityId e, AttributeSchema schema, Keyword attr, object? written, SourcePosition? at)
        {
            var v = ToValue(written, schema, at);
            var name = Name(attr);
            if (retractedFacts.TryGetValue((e, name), out var r) && r.Exists(x => x is null || x.Value.Equals(v)))
                throw Conflict(e, attr, v, at);
            if (!assertedFacts.TryGetValue((e, name), out var facts))
                assertedFacts[(e, name)] = facts = [];
            facts.Add(v);
            CheckSchemaChange(e, schema, v, at);
            if (!schema.Many)
            {
                if (asserted.TryGetValue((e, name), out var other) && !other.V.Equals(v))
                    throw new TxDataException($"{attr} has cardinality one, and this transaction gives entity {e} two values: {other.V} and {v}", at);
                asserted[(e, name)] = (v, at);
            }
            CheckUnique(e, schema, v, at);
            // For cardinality one, every live value counts, including the losers of a
            // conflict: asserting a value resolves the conflict by retracting the rest.
            var current = _minted.Contains(e)
                ? []
                : (!schema.Many && _db is Views.CurrentView view ? view.Conflicts(e, attr) : _db.Match(e, attr, null)).Select(d => d.V).Distinct().ToList();
            if (current.Contains(v) && (schema.Many || current.Count == 1))
                return; // redundant: already true
            if (!schema.Many)
            {
                foreach (var (se, sv) in StoredAs(e, attr, null))
                {
                    if (!Canonical(sv).Equals(Canonical(v)))
                        Emit(se, name, sv, false);
                }
            }
            Emit(e, name, v, true);
        }

        foreach (var op in Expand(ops))
        {
            switch (op)
            {
                case TxOp.Assert { Added: true } add:
                {
                    var schema = AttributeOf(add.A, add.Position);
                    Add(ResolveEntity(add.E, add.Position), schema, add.A, add.V, add.Position);
                    break;
                }
                case TxOp.Assert retract:
                {
                    var schema = AttributeOf(retract.A, retract.Position);
                    var e = ResolveEntity(retract.E, retract.Position);
                    var name = Name(retract.A);
                    if (assertedFacts.TryGetValue((e, name), out var mine))
                    {
                        if (retract.AllValues)
                            throw Conflict(e, retract.A, mine[0], retract.Position);
                        var rv = ToValue(retract.V, schema, retract.Position);
                        if (mine.Contains(rv))
                            throw Conflict(e, retract.A, rv, retract.Position);
                    }
                    if (retract.AllValues)
                    {
                        Retracted(e, name).Add(null);
                        // Every value, wherever it is stored (an entity merged into this one by a
                        // unique value too); a component goes with its owner's attribute, as with
                        // :db/retractEntity (DataScript's :db.fn/retractAttribute does the same).
                        foreach (var (se, sv) in StoredAs(e, retract.A, null).ToList())
                        {
                            Emit(se, name, sv, false);
                            if (schema.IsComponent && sv.Type == ValueType.Ref)
                                RetractEntity(sv.AsRef, Emit, []);
                        }
                        break;
                    }
                    var v = ToValue(retract.V, schema, retract.Position);
                    Retracted(e, name).Add(v);
                    foreach (var (se, sv) in StoredAs(e, retract.A, v))
                        Emit(se, name, sv, false);
                    break;
                }
                case TxOp.RetractEntity r:
                    RetractEntity(ResolveEntity(r.E, r.Position), Emit, []);
                    break;
                case TxOp.Call call:
                    throw new TxDataException($"transaction function {call.Fn} must be expanded before the transactor runs (DaoDb.TransactAsync does)", call.Position);
                case TxOp.Cas cas:
                {
                    var schema = AttributeOf(cas.A, cas.Position);
                    var e = ResolveEntity(cas.E, cas.Position);
                    CheckCas(e, schema, cas, asserted.TryGetValue((e, Name(cas.A)), out var mine) ? [mine.V] : null);
                    Add(e, schema, cas.A, cas.New, cas.Position);
                    break;
                }
            }
        }
        CheckNewAttributes(result, ops);
        CheckTempIdsNameEntities(ops);
        var tempIds = _tempIds.Where(kv => !kv.Key.StartsWith("#map-", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        // Datomic's :tempids include the transaction's own, under "datomic.tx".
        tempIds[TxDataParser.CurrentTxTempId] = _tx;
        return new PreparedTx(_tx, result, tempIds);
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
        if (v is ReverseRef reverse)
        {
            if (schema.Type != ValueType.Ref)
                throw new TxDataException($"reverse attribute {reverse.Written} needs {schema.Ident} to be a ref attribute; it holds {TypeName(schema.Type)} values", at);
            return Value.Ref(ResolveEntity(reverse.Entity, at));
        }
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

    /// <summary>
    /// <c>[:db/cas e a old new]</c>: the current value must be old (for cardinality many, old must
    /// be one of the values, as in DataScript; new is added beside it); nil means no value. A value
    /// this transaction already asserted counts as current (<paramref name="inThisTx"/>).
    /// </summary>
    private void CheckCas(EntityId e, AttributeSchema schema, TxOp.Cas cas, List<Value>? inThisTx)
    {
        var current = inThisTx ?? _db.Match(e, cas.A, null).Select(d => d.V).Distinct().ToList();
        var shown = current.Count == 0 ? "no value" : string.Join(" ", current.Select(v => Show(v, schema)));
        if (cas.Old is null)
        {
            if (current.Count != 0)
                throw new TxDataException($":db/cas failed on entity {e} {cas.A}: expected no value, found {shown}", cas.Position);
            return;
        }
        var old = ToValue(cas.Old, schema, cas.Position, resolveTempIds: false);
        var holds = schema.Many ? current.Contains(old) : current.Count == 1 && current[0].Equals(old);
        if (!holds)
            throw new TxDataException($":db/cas failed on entity {e} {cas.A}: expected {Show(old, schema)}, found {shown}", cas.Position);
    }

    private string Show(Value v, AttributeSchema schema) =>
        schema.IsRef && v.Type == ValueType.Ref && _db.Ident(v.AsRef) is { } ident ? ident.ToString() : v.ToString();

    /// <summary>
    /// A tempid that names no entity (it appears only as a value) would make an entity with no
    /// datoms, which nothing could find again: Datomic refuses it ("tempid used only as value in
    /// transaction"), and so does datom.
    /// </summary>
    private void CheckTempIdsNameEntities(IReadOnlyList<TxOp> ops)
    {
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in ops)
        {
            if (op is TxOp.Assert { Added: true, E: EntityRef.TempId t })
                subjects.Add(t.Name);
        }
        foreach (var (name, _) in _tempIds)
        {
            if (subjects.Contains(name))
                continue;
            var at = ops.OfType<TxOp.Assert>().FirstOrDefault(o => MentionsTempId(o.V, name))?.Position;
            throw new TxDataException($"tempid \"{name}\" is used only as a value: give it an attribute (as the entity of [:db/add \"{name}\" …] or an entity map), or name an existing entity", at);
        }
    }

    private static bool MentionsTempId(object? v, string name) => v switch
    {
        string s => s == name,
        EntityRef.TempId t => t.Name == name,
        ReverseRef r => r.Entity is EntityRef.TempId t && t.Name == name,
        ManyValues m => m.Items.Any(i => MentionsTempId(i, name)),
        _ => false,
    };

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
            CheckComponentIsRef(d.E, d.V, result, ops);
            if (!hasIdent)
                throw new TxDataException("an attribute needs a :db/ident to be named by", at);
        }
        foreach (var d in result.Where(d => d.Added && d.A == "db/isComponent"))
        {
            if (!result.Any(c => c.Added && c.E == d.E && c.A == "db/valueType"))
                CheckComponentIsRef(d.E, null, result, ops);
        }
    }

    /// <summary>
    /// <c>:db/isComponent true</c> only makes sense on a ref attribute (a component is an entity);
    /// Datomic refuses it elsewhere, and so does datom, whether the flag comes with the attribute or later.
    /// </summary>
    private void CheckComponentIsRef(EntityId attr, Value? valueType, List<LogDatom> result, IReadOnlyList<TxOp> ops)
    {
        var component = result.Any(c => c.Added && c.E == attr && c.A == "db/isComponent" && c.V.Equals(Value.Boolean(true)))
            || (!result.Any(c => !c.Added && c.E == attr && c.A == "db/isComponent") && _db.Match(attr, SystemSchema.IsComponent, Value.Boolean(true)).Any());
        if (!component)
            return;
        var type = valueType ?? _db.Match(attr, SystemSchema.ValueTypeAttr, null).Select(d => (Value?)d.V).FirstOrDefault();
        if (type is { } t && _db.Entid(RefType) is { } refType && t.Type == ValueType.Ref && t.AsRef == refType)
            return;
        var ident = result.FirstOrDefault(c => c.Added && c.E == attr && c.A == "db/ident").V is { Type: ValueType.Keyword } k ? ":" + k.AsString : _db.Ident(attr)?.ToString() ?? attr.ToString();
        var at = ops.OfType<TxOp.Assert>().FirstOrDefault(o => o.A.Equals(SystemSchema.IsComponent))?.Position;
        throw new TxDataException($":db/isComponent is only for ref attributes; {ident} is not one (its :db/valueType is {(type is { Type: ValueType.Ref } r ? _db.Ident(r.AsRef)?.ToString() : "not set")})", at);
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
