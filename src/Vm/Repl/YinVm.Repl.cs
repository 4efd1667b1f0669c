using Datom.Vm.Machine;

namespace Datom.Vm;

/// <summary>What the REPL (<see cref="Repl.ReplEvaluator"/>) needs of the VM: to run code it prepared itself.</summary>
public sealed partial class YinVm
{
    /// <summary>
    /// Runs prepared code (a REPL form's function, <paramref name="name"/> in its namespace) with Yin
    /// arguments, under the run's options. Like any run, it starts with its namespace's top-level
    /// forms (a <c>defmethod</c> typed earlier, say), as <see cref="Run"/> does.
    /// </summary>
    internal RunResult RunPrepared(Prepared entry, Val[] args, RunOptions options, string name)
    {
        var machine = NewMachine(options);
        try
        {
            machine.Initialize(Inits(name));
        }
        catch (YinException e)
        {
            return new RunResult(RunStatus.Failed, Val.Nil, e.Error, null, 0, TimeSpan.Zero);
        }
        machine.Start(entry, args);
        return Finish(machine, name, options.OnCallerThread);
    }
}
