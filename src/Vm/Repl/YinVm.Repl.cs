using Datom.Vm.Machine;

namespace Datom.Vm;

/// <summary>What the REPL (<see cref="Repl.ReplEvaluator"/>) needs of the VM: to run code it prepared itself.</summary>
public sealed partial class YinVm
{
    /// <summary>Runs prepared code (a REPL form's function) with Yin arguments, under the run's options.</summary>
    internal RunResult RunPrepared(Prepared entry, Val[] args, RunOptions options, string name)
    {
        var machine = NewMachine(options);
        machine.Start(entry, args);
        return Finish(machine, name);
    }
}
