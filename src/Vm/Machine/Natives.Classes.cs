using Datom.Log.Edn;

namespace Datom.Vm.Machine;

internal static partial class Natives
{
    /// <summary>
    /// <c>class</c>, <c>type</c> and <c>instance?</c>. A class is a value named as the JVM names it:
    /// a symbol (<c>java.lang.Long</c>, <c>clojure.lang.PersistentVector</c>), which prints as
    /// Clojure prints a class with <c>pr</c>. A class name written in code (<c>String</c>,
    /// <c>clojure.lang.PersistentList</c>) evaluates to the same symbol (Analyzer), so
    /// <c>(= (class "") String)</c> and dispatch on <c>class</c> work.
    /// </summary>
    private static void RegisterClasses()
    {
        Def("class", 1, 1, (_, a) => ClassValue(a[0]));
        Def("type", 1, 1, (_, a) => ClassValue(a[0]));
        Def("instance?", 2, 2, (_, a) => a[0].Obj is Symbol c
            ? Val.Bool(Classes.IsInstance(c.Name, a[1]))
            : throw TypeError("instance?", "a class", a[0]));
        // Only the platform's separators: other properties (user.name, java.home, ...) would tell
        // peer code about the node, so they read as unset (nil), as an unknown property does.
        Def("System/getProperty", 1, 2, (_, a) => StringArg("System/getProperty", a[0]) switch
        {
            "line.separator" => Val.String("\n"),
            "file.separator" => Val.String("/"),
            "path.separator" => Val.String(":"),
            _ => a.Length == 2 ? a[1] : Val.Nil,
        });
        foreach (var (cls, primitive) in new[] { ("Integer", "int"), ("Long", "long"), ("Double", "double"), ("Boolean", "boolean"), ("Character", "char") })
            Def(cls + "/TYPE", 0, 0, (_, _) => Val.Symbol(Symbol.Intern(null, primitive)));
    }

    private static Val ClassValue(Val v)
    {
        if (v.IsNil)
            return Val.Nil;
        var name = Classes.Of(v);
        return Val.Symbol(name.StartsWith('[') ? Symbol.ArrayClass(name) : Symbol.Intern(null, name));
    }
}

/// <summary>The JVM classes Yin's values stand for, and the supertypes <c>instance?</c> knows of each.</summary>
internal static class Classes
{
    private const string Lang = "clojure.lang.";

    /// <summary>The class names a program may write as values, short (<c>String</c>) and full; each stands for its full name.</summary>
    private static readonly Dictionary<string, string> Named = BuildNames();

    private static readonly string[] Coll = [Lang + "IPersistentCollection", Lang + "Seqable", "java.lang.Iterable", Lang + "Counted", Lang + "IObj", Lang + "IMeta"];

    /// <summary>The full class name a symbol in code names, or null if it names none Yin knows.</summary>
    public static string? Resolve(Symbol symbol)
    {
        if (symbol.Namespace is not null)
            return null;
        return Named.GetValueOrDefault(symbol.Name);
    }

    /// <summary>The full class name a name written in code stands for (<c>String</c>, <c>java.lang.String</c>), or null.</summary>
    public static string? Qualify(string name) => Named.GetValueOrDefault(name);

    /// <summary>The class a value stands for, when it is one (a symbol naming a known class).</summary>
    public static string? NameOf(Val v) => v.Obj is Symbol s ? Qualify(s.ToString()) : null;

    /// <summary>
    /// The types a protocol method or a class dispatch looks for, most specific first: a record's
    /// key (then <c>IRecord</c> and <c>IPersistentMap</c>), or the value's class and its supertypes;
    /// <c>Object</c> last, except for nil, whose only type is nil.
    /// </summary>
    public static IEnumerable<Val> Supertypes(Val v)
    {
        if (v.IsNil)
        {
            yield return Val.Nil;
            yield break;
        }
        if (v.Obj is YRecord r)
            yield return Val.String(r.Type.Key);
        else
            yield return Val.Symbol(Symbol.Intern(null, Of(v)));
        foreach (var super in Supers(v))
            yield return Val.Symbol(Symbol.Intern(null, super));
        yield return Val.Symbol(Symbol.Intern(null, "java.lang.Object"));
    }

    /// <summary>The letter of a primitive type in an array class name (<c>int</c> is <c>I</c>), or null.</summary>
    public static string? Primitive(string name) => name switch
    {
        "int" => "I",
        "long" => "J",
        "double" => "D",
        "float" => "F",
        "boolean" => "Z",
        "char" => "C",
        "byte" => "B",
        "short" => "S",
        _ => null,
    };

    /// <summary>The class of a non-nil value, as <c>(class x)</c> names it on the JVM.</summary>
    public static string Of(Val v) => v.Obj switch
    {
        null => "nil",
        string => "java.lang.String",
        Keyword => Lang + "Keyword",
        Symbol => Lang + "Symbol",
        System.Numerics.BigInteger => Lang + "BigInt",
        YRatio => Lang + "Ratio",
        YRegex => "java.util.regex.Pattern",
        YVector => Lang + "PersistentVector",
        YMap m => m.Count <= 8 ? Lang + "PersistentArrayMap" : Lang + "PersistentHashMap",
        YSet => Lang + "PersistentHashSet",
        YList l => l.Count > 0 ? Lang + "PersistentList" : Lang + "Cons",
        YEmptyList => Lang + "PersistentList$EmptyList",
        YLazySeq => Lang + "LazySeq",
        YSeq => Lang + "PersistentVector$ChunkedSeq",
        YRecord r => RecordClass(r.Type),
        YFunction => Lang + "AFunction",
        YinError e => e.ClassName == "ExceptionInfo" ? Lang + "ExceptionInfo" : "java.lang." + e.ClassName,
        YAtom a when a.Kind.StartsWith(Natives.ArrayKind, StringComparison.Ordinal) => Natives.ArrayClass(a),
        YAtom a => a.Kind switch
        {
            "atom" => Lang + "Atom",
            "volatile" => Lang + "Volatile",
            "delay" => Lang + "Delay",
            "reduced" => Lang + "Reduced",
            "transient" => a.Value.Obj switch
            {
                YMap => Lang + "PersistentArrayMap$TransientArrayMap",
                YSet => Lang + "PersistentHashSet$TransientHashSet",
                _ => Lang + "PersistentVector$TransientVector",
            },
            _ => "java.lang.Object",
        },
        Guid => "java.util.UUID",
        _ => v.Kind switch
        {
            ValKind.Long => "java.lang.Long",
            ValKind.Double => "java.lang.Double",
            ValKind.Boolean => "java.lang.Boolean",
            ValKind.Char => "java.lang.Character",
            ValKind.Instant => "java.util.Date",
            _ => "java.lang.Object",
        },
    };

    private static string RecordClass(RecordType type)
    {
        var slash = type.Key.LastIndexOf('/');
        var ns = slash < 0 ? "" : type.Key[..slash].Replace('-', '_');
        return ns.Length > 0 ? ns + "." + type.Name : type.Name;
    }

    /// <summary>Whether <paramref name="v"/> is an instance of the class named <paramref name="cls"/> (short or full name).</summary>
    public static bool IsInstance(string cls, Val v)
    {
        if (v.IsNil)
            return false;
        var full = Named.GetValueOrDefault(cls, cls);
        if (full == "java.lang.Object")
            return true;
        var own = Of(v);
        if (own == full)
            return true;
        if (v.Obj is YinError e)
            return full.StartsWith("java.lang.", StringComparison.Ordinal) || full == Lang + "ExceptionInfo" || full == Lang + "IExceptionInfo"
                ? ExceptionHierarchy.IsA(e.ClassName, ExceptionHierarchy.Simple(full)) || (full == Lang + "IExceptionInfo" && e.ClassName == "ExceptionInfo")
                : false;
        return Supers(v).Contains(full);
    }

    private static string[] Supers(Val v)
    {
        string[] number = ["java.lang.Number", "java.lang.Comparable"];
        return v.Obj switch
        {
            string => ["java.lang.CharSequence", "java.lang.Comparable"],
            Keyword => [Lang + "IFn", Lang + "Named", "java.lang.Comparable"],
            Symbol => [Lang + "IFn", Lang + "Named", Lang + "IObj", Lang + "IMeta", "java.lang.Comparable"],
            System.Numerics.BigInteger or YRatio => number,
            YVector => [.. Coll, Lang + "APersistentVector", Lang + "IPersistentVector", Lang + "IPersistentStack", Lang + "Sequential", Lang + "Associative", Lang + "ILookup", Lang + "Indexed", Lang + "Reversible", Lang + "IFn", "java.util.List", "java.util.Collection", "java.util.RandomAccess", "java.lang.Comparable"],
            YMap or YRecord => [.. Coll, Lang + "APersistentMap", Lang + "IPersistentMap", Lang + "Associative", Lang + "ILookup", Lang + "IFn", "java.util.Map", .. (v.Obj is YRecord ? new[] { Lang + "IRecord" } : [])],
            YSet => [.. Coll, Lang + "APersistentSet", Lang + "IPersistentSet", Lang + "IFn", "java.util.Set", "java.util.Collection"],
            YList or YEmptyList => [.. Coll, Lang + "ASeq", Lang + "ISeq", Lang + "IPersistentList", Lang + "IPersistentStack", Lang + "Sequential", "java.util.List", "java.util.Collection"],
            YLazySeq or YSeq => [.. Coll, Lang + "ISeq", Lang + "Sequential", "java.util.List", "java.util.Collection", Lang + "IPending"],
            YFunction => [Lang + "IFn", Lang + "Fn", Lang + "AFn", "java.lang.Runnable", "java.util.concurrent.Callable"],
            YAtom { Kind: "atom" } => [Lang + "IDeref", Lang + "IAtom", Lang + "IRef", Lang + "ARef"],
            YAtom { Kind: "volatile" } => [Lang + "IDeref", Lang + "IVolatile"],
            YAtom { Kind: "delay" } => [Lang + "IDeref", Lang + "IPending"],
            YAtom { Kind: "transient" } => [Lang + "ITransientCollection", Lang + "Counted"],
            YRegex => [],
            _ => v.Kind switch
            {
                ValKind.Long or ValKind.Double => number,
                ValKind.Boolean or ValKind.Char => ["java.lang.Comparable"],
                _ => [],
            },
        };
    }

    private static Dictionary<string, string> BuildNames()
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] javaLang =
        [
            "Object", "String", "Long", "Integer", "Double", "Float", "Short", "Byte", "Number", "Boolean", "Character", "CharSequence",
            "Comparable", "Iterable", "Runnable", "Math", "System", "Throwable", "Exception", "Error", "AssertionError", "RuntimeException",
            "IllegalArgumentException", "IllegalStateException", "ArithmeticException", "UnsupportedOperationException",
            "IndexOutOfBoundsException", "StringIndexOutOfBoundsException", "ArrayIndexOutOfBoundsException", "NullPointerException",
            "ClassCastException", "NumberFormatException",
        ];
        foreach (var n in javaLang)
        {
            names[n] = "java.lang." + n;
            names["java.lang." + n] = "java.lang." + n;
        }
        string[] clojureLang =
        [
            "Keyword", "Symbol", "BigInt", "Ratio", "PersistentVector", "PersistentArrayMap", "PersistentHashMap", "PersistentTreeMap",
            "PersistentHashSet", "PersistentTreeSet", "PersistentList", "PersistentList$EmptyList", "Cons", "LazySeq", "LongRange",
            "PersistentVector$ChunkedSeq", "AFunction", "ExceptionInfo", "IExceptionInfo", "Atom", "Volatile", "Delay", "Reduced",
            "IPersistentCollection", "IPersistentVector", "IPersistentMap", "IPersistentSet", "IPersistentList", "IPersistentStack",
            "ISeq", "Seqable", "Sequential", "Associative", "Counted", "ILookup", "Indexed", "Reversible", "IFn", "Fn", "AFn", "Named",
            "IObj", "IMeta", "IDeref", "IAtom", "IRef", "ARef", "IPending", "IRecord", "APersistentVector", "APersistentMap",
            "APersistentSet", "ASeq", "ITransientCollection", "IVolatile",
        ];
        foreach (var n in clojureLang)
            names[Lang + n] = Lang + n;
        names["ExceptionInfo"] = Lang + "ExceptionInfo";
        foreach (var n in new[] { "java.util.List", "java.util.Map", "java.util.Set", "java.util.Collection", "java.util.RandomAccess", "java.util.UUID", "java.util.Date", "java.util.regex.Pattern", "java.util.concurrent.Callable" })
            names[n] = n;
        return names;
    }
}
