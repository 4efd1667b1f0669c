using Datom.Index;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Vm;

// A separate process for the continuation tests: opens a data directory the test process wrote and
// closed, resumes a stored continuation there, and prints the result as EDN on one line.
//   Datom.Vm.Child --data DIR --resume ENTITY [--value EDN]
string? data = null, resume = null, value = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--data": data = args[i + 1]; break;
        case "--resume": resume = args[i + 1]; break;
        case "--value": value = args[i + 1]; break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}
if (data is null || resume is null)
{
    Console.Error.WriteLine("usage: Datom.Vm.Child --data DIR --resume ENTITY [--value EDN]");
    return 2;
}

using var identity = NodeIdentity.Load(data);
using var log = DatomLog.Open(data, identity);
using var db = DaoDb.Open(data, log);
using var vm = await YinVm.OpenAsync(db);
var continuation = vm.LoadContinuation(EntityId.Parse(resume));
var result = vm.Resume(continuation, value is null ? null : EdnReader.ReadOne(value));
if (result.Status != RunStatus.Finished)
{
    Console.Error.WriteLine($"{result.Status}: {result}");
    return 1;
}
Console.Out.WriteLine(result.Value);
return 0;
