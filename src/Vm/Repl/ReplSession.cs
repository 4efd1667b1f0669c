using Datom.Vm.Machine;

namespace Datom.Vm.Repl;

/// <summary>
/// What one REPL (a <c>datom repl</c>, or one nREPL session of an editor) remembers between forms:
/// the current namespace, the last three values (<c>*1 *2 *3</c>) and the last error (<c>*e</c>).
/// Not thread-safe: a session evaluates one form at a time.
/// </summary>
public sealed class ReplSession
{
    /// <summary>Where a REPL starts, as in Clojure.</summary>
    public const string DefaultNamespace = "user";

    public string Namespace { get; set; } = DefaultNamespace;

    internal Val Value1 { get; private set; }

    internal Val Value2 { get; private set; }

    internal Val Value3 { get; private set; }

    internal Val LastError { get; set; }

    internal void Push(Val value)
    {
        Value3 = Value2;
        Value2 = Value1;
        Value1 = value;
    }

    /// <summary>A new session that starts where this one is (nREPL's <c>clone</c>).</summary>
    public ReplSession Clone() => new() { Namespace = Namespace, Value1 = Value1, Value2 = Value2, Value3 = Value3, LastError = LastError };
}

/// <summary>Why a form failed: a Clojure-style exception class (nREPL's <c>ex</c>) and the message as the CLI prints it.</summary>
/// <param name="Class">A JVM-style class name, such as <c>java.lang.ArithmeticException</c> or <c>clojure.lang.Compiler$CompilerException</c>.</param>
/// <param name="Text">The error with its source, line and Yin stack.</param>
public sealed record ReplError(string Class, string Message, string Text);

/// <summary>What one form gave: its printed value (as <c>pr</c> prints it), or an error; and the session's namespace after it.</summary>
public sealed record ReplOutcome(string? Value, ReplError? Error, string Namespace);
