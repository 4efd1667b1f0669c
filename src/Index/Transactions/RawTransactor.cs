using System.Numerics;
using Datom.Log.Edn;
using Datom.Log.Model;

namespace Datom.Index.Transactions;

/// <summary>A transaction made into datoms: the transaction entity, its datoms and the ids its tempids got.</summary>
public sealed record PreparedTx(EntityId Tx, IReadOnlyList<LogDatom> Datoms, IReadOnlyDictionary<string, EntityId> TempIds);

/// <summary>
/// Makes transaction data into datoms without a database: tempids get fresh ids, values keep their
/// EDN types. What needs the database (lookup refs, idents, retracting by entity or all values, and
/// the schema's checks) is refused with a clear error; DaoDB's transactor does all of it.
/// </summary>
public static class RawTransactor
{
    public static PreparedTx Prepare(IReadOnlyList<TxOp> ops, Func<EntityId> mint)
    {
        ArgumentNullException.ThrowIfNull(ops);
        ArgumentNullException.ThrowIfNull(mint);
        var tx = mint();
        var tempIds = new Dictionary<string, EntityId>(StringComparer.Ordinal);
        var datoms = new List<LogDatom>(ops.Count);

        EntityId Resolve(EntityRef e, SourcePosition? at) => e switch
        {
            EntityRef.TempId t => tempIds.TryGetValue(t.Name, out var id) ? id : tempIds[t.Name] = mint(),
            EntityRef.Existing x => x.Id,
            EntityRef.CurrentTx => tx,
            EntityRef.Lookup l => throw new TxDataException($"lookup ref [{l.Attribute} …] needs the database's indexes; use a tempid or #id here", at),
            EntityRef.Ident i => throw new TxDataException($"ident {i.Name} as an entity needs the database's indexes; use a tempid or #id here", at),
            _ => throw new TxDataException("unknown entity reference", at),
        };

        foreach (var op in ops)
        {
            switch (op)
            {
                case TxOp.Assert { AllValues: true } a:
                    throw new TxDataException($"[:db/retract e {a.A}] without a value needs the database to know the current values", a.Position);
                case TxOp.Assert { V: ManyValues many } a:
                    var owner = Resolve(a.E, a.Position);
                    foreach (var item in many.Items)
                        datoms.Add(new LogDatom(owner, AttributeName(a.A), item is EntityRef r ? Value.Ref(Resolve(r, a.Position)) : ToValue(item, a.A, a.Position), true));
                    break;
                case TxOp.Assert a:
                    var e = Resolve(a.E, a.Position);
                    var v = a.V switch
                    {
                        EntityRef nested => Value.Ref(Resolve(nested, a.Position)),
                        ReverseRef reverse => Value.Ref(Resolve(reverse.Entity, a.Position)),
                        _ => ToValue(a.V, a.A, a.Position),
                    };
                    datoms.Add(new LogDatom(e, AttributeName(a.A), v, a.Added));
                    break;
                case TxOp.RetractEntity r:
                    throw new TxDataException(":db/retractEntity needs the database to find the entity's datoms", r.Position);
                case TxOp.Cas c:
                    throw new TxDataException(":db/cas needs the database to compare the current value", c.Position);
                case TxOp.Call c:
                    throw new TxDataException($"transaction function {c.Fn} runs in DaoDB's transactor, against the database", c.Position);
                default:
                    throw new TxDataException("this operation needs DaoDB's transactor", op.Position);
            }
        }
        var publicTempIds = tempIds.Where(kv => !kv.Key.StartsWith("#map-", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return new PreparedTx(tx, datoms, publicTempIds);
    }

    /// <summary>A keyword as the log names attributes: without the colon.</summary>
    public static string AttributeName(Keyword k) => k.QualifiedName;

    /// <summary>An EDN value as a datom value, by its EDN type.</summary>
    public static Value ToValue(object? v, Keyword attribute, SourcePosition? at) => v switch
    {
        string s => Value.String(s),
        long n => Value.Long(n),
        int n => Value.Long(n),
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => Value.Long((long)b),
        BigInteger => throw new TxDataException($"{attribute}: {v}N does not fit a long (64-bit); there is no bigint value type", at),
        double d => Value.Double(d),
        float f => Value.Double(f),
        decimal => throw new TxDataException($"{attribute}: {v}M is a bigdec; the value types are string, long, double, boolean, keyword, symbol, ref, instant, uuid, bytes", at),
        bool b => Value.Boolean(b),
        Keyword k => Value.Keyword(AttributeName(k)),
        Symbol s => Value.Symbol(s.QualifiedName),
        DateTimeOffset t => Value.Instant(t),
        Guid g => Value.Uuid(g),
        EntityId id => Value.Ref(id),
        byte[] bytes => Value.Bytes(bytes),
        null => throw new TxDataException($"{attribute}: nil is not a value; retract the datom instead", at),
        _ => throw new TxDataException($"{attribute}: {TxDataParser.Describe(v)} is not a value of any value type", TxDataParser.PositionOf(v) ?? at),
    };
}
