using System.Globalization;
using System.Text;
using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>One line of a Yin stack trace: a function and where in its source the frame was.</summary>
public sealed record YinStackFrame(string Function, string Location, int Line)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Function} ({Location}:{Line})");
}

/// <summary>
/// An error in a Yin program, as a value: what went wrong (<see cref="Kind"/>, <see cref="Message"/>),
/// where (<see cref="Location"/>, <see cref="Line"/>), and the Yin stack at that moment, innermost
/// frame first. The host never sees an exception for a program's error; a run returns this.
/// </summary>
public sealed class YinError
{
    internal YinError(Keyword kind, string message, Val data, string? className = null, Val cause = default)
    {
        Kind = kind;
        Message = message;
        Data = data;
        ClassName = className ?? ExceptionHierarchy.Of(kind);
        Cause = cause;
    }

    /// <summary>
    /// The JVM exception class this error stands for, by simple name (<c>ExceptionInfo</c>,
    /// <c>ArithmeticException</c>, ...): what <c>(catch Class e ...)</c> tests (see <see cref="ExceptionClasses"/>).
    /// </summary>
    public string ClassName { get; }

    /// <summary>Made with no message (<c>(Exception.)</c>): <c>ex-message</c> is nil.</summary>
    internal bool NoMessage { get; init; }

    /// <summary>The cause given to <c>ex-info</c>, or nil.</summary>
    internal Val Cause { get; }

    /// <summary><c>:error/arity</c>, <c>:error/type</c>, <c>:limit/fuel</c>, ...</summary>
    public Keyword Kind { get; }

    public string Message { get; }

    internal Val Data { get; }

    public string Location { get; private set; } = "<unknown>";

    public int Line { get; private set; }

    public IReadOnlyList<YinStackFrame> Stack { get; private set; } = [];

    /// <summary>The name of the limit hit (<c>fuel</c>, <c>memory</c>, <c>depth</c>, <c>deadline</c>), if this is a limit.</summary>
    public string? Limit => Kind.Namespace == "limit" ? Kind.Name : null;

    internal bool HasStack => Stack.Count > 0;

    internal void SetStack(IReadOnlyList<YinStackFrame> stack)
    {
        Stack = stack;
        if (stack.Count > 0)
        {
            Location = stack[0].Location;
            Line = stack[0].Line;
        }
    }

    /// <summary>The error and its stack, as the CLI prints it.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        if (Line > 0)
            sb.Append(Location).Append(':').Append(Line.ToString(CultureInfo.InvariantCulture)).Append(": ");
        sb.Append(Message);
        sb.Append(" [").Append(Kind).Append(']');
        foreach (var f in Stack)
            sb.Append('\n').Append("  at ").Append(f);
        return sb.ToString();
    }

    public override string ToString() => Describe();
}

/// <summary>
/// How a native or the machine raises a Yin error. Caught by the machine, which adds the Yin stack
/// and ends the run with the error as its result; never escapes to the host.
/// </summary>
internal sealed class YinException : Exception
{
    public YinException(YinError error)
        : base(error?.Message)
    {
        Error = error!;
    }

    public YinException()
        : this(new YinError(Kinds.Internal, "error", Val.Nil))
    {
    }

    public YinException(string message)
        : this(new YinError(Kinds.Internal, message, Val.Nil))
    {
    }

    public YinException(string message, Exception inner)
        : base(message, inner)
    {
        Error = new YinError(Kinds.Internal, message, Val.Nil);
    }

    public YinError Error { get; }

    public static YinException Of(Keyword kind, string message) => new(new YinError(kind, message, Val.Nil));
}

/// <summary>The kinds of errors.</summary>
internal static class Kinds
{
    public static readonly Keyword UnknownFunction = Keyword.Intern("error", "unknown-function");
    public static readonly Keyword Arity = Keyword.Intern("error", "arity");
    public static readonly Keyword Type = Keyword.Intern("error", "type");
    public static readonly Keyword Arithmetic = Keyword.Intern("error", "arithmetic");
    public static readonly Keyword Index = Keyword.Intern("error", "index");
    public static readonly Keyword Argument = Keyword.Intern("error", "argument");
    public static readonly Keyword User = Keyword.Intern("error", "user");
    public static readonly Keyword Effect = Keyword.Intern("error", "effect");
    public static readonly Keyword Code = Keyword.Intern("error", "code");
    public static readonly Keyword Continuation = Keyword.Intern("error", "continuation");
    public static readonly Keyword Cancelled = Keyword.Intern("error", "cancelled");
    public static readonly Keyword Internal = Keyword.Intern("error", "internal");

    public static Keyword Limit(string name) => Keyword.Intern("limit", name);
}

/// <summary>
/// The exception classes a Yin program can throw and catch, by simple name, with their superclass
/// as in the JDK and Clojure (java.lang.*, clojure.lang.ExceptionInfo and ArityException). Errors the
/// machine raises have the class the JVM would throw for the same mistake. Limits (fuel, memory,
/// depth, deadline) and cancellation are not exceptions: no catch sees them, so untrusted code
/// cannot outlive its limits.
/// </summary>
internal static class ExceptionHierarchy
{
    private static readonly Dictionary<string, string> Parents = new(StringComparer.Ordinal)
    {
        ["Exception"] = "Throwable",
        ["Error"] = "Throwable",
        ["AssertionError"] = "Error",
        ["RuntimeException"] = "Exception",
        ["ExceptionInfo"] = "RuntimeException",
        ["IllegalArgumentException"] = "RuntimeException",
        ["NumberFormatException"] = "IllegalArgumentException",
        ["ArityException"] = "IllegalArgumentException",
        ["IllegalStateException"] = "RuntimeException",
        ["ArithmeticException"] = "RuntimeException",
        ["ClassCastException"] = "RuntimeException",
        ["NullPointerException"] = "RuntimeException",
        ["IndexOutOfBoundsException"] = "RuntimeException",
        ["StringIndexOutOfBoundsException"] = "IndexOutOfBoundsException",
        ["ArrayIndexOutOfBoundsException"] = "IndexOutOfBoundsException",
        ["UnsupportedOperationException"] = "RuntimeException",
        ["NoSuchElementException"] = "RuntimeException",
        ["ConcurrentModificationException"] = "RuntimeException",
        ["Throwable"] = "",
    };

    public static bool Known(string name) => Parents.ContainsKey(Simple(name));

    /// <summary>The simple name of a class as written (<c>java.lang.Exception</c>, <c>clojure.lang.ExceptionInfo</c>).</summary>
    public static string Simple(string name) => name.LastIndexOf('.') is var dot and >= 0 ? name[(dot + 1)..] : name;

    /// <summary>Whether an error of class <paramref name="thrown"/> is caught by <c>(catch <paramref name="caught"/> ...)</c>.</summary>
    public static bool IsA(string thrown, string caught)
    {
        var target = Simple(caught);
        for (var c = thrown; !string.IsNullOrEmpty(c); c = Parents.GetValueOrDefault(c, "RuntimeException"))
        {
            if (c == target)
                return true;
            if (c == "Throwable")
                return false;
        }
        return false;
    }

    /// <summary>The class the JVM would throw for an error of this kind.</summary>
    public static string Of(Keyword kind) => kind.Name switch
    {
        _ when kind.Namespace == "limit" => "Error",
        // A constructed exception ((IllegalArgumentException. "msg")) carries its class in its kind.
        _ when kind.Namespace == "exception" => kind.Name,
        "arithmetic" => "ArithmeticException",
        "index" => "IndexOutOfBoundsException",
        "type" => "ClassCastException",
        "arity" => "ArityException",
        "argument" => "IllegalArgumentException",
        "user" => "ExceptionInfo",
        "unknown-function" => "IllegalStateException",
        _ => "RuntimeException",
    };

    /// <summary>Whether a Yin program may catch an error of this kind (a limit or cancellation it may not).</summary>
    public static bool Catchable(YinError e) => e.Kind.Namespace != "limit" && e.Kind != Kinds.Cancelled && e.Kind != Kinds.Internal;
}
