using System.Globalization;
using System.Text;
using Datom.Log;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;

namespace Datom.Log.CrashChild;

/// <summary>
/// The process the crash tests kill: it appends to a log forever and prints a line once each entry is
/// durable, so that the parent knows exactly which entries were acknowledged before the SIGKILL.
/// </summary>
/// <remarks>
/// Protocol on stdout, one line per event, each line written whole in one write(2) of fewer than
/// PIPE_BUF (4096) bytes, so lines never interleave and a line is never half in the pipe:
/// <c>roll STAGE</c> as a segment roll passes each stage, <c>ready</c> once the log is open, and
/// <c>ack HASH</c> after each append returns (the entry is durable). Errors go to stderr and the exit
/// code is non-zero.
/// </remarks>
internal static class Program
{
    /// <summary>Long enough for the parent to read the stage line and kill us inside the stage, even on a busy machine.</summary>
    private const int PauseMilliseconds = 300;

    private static readonly Lock OutputGate = new();
    private static readonly Stream Output = Console.OpenStandardOutput();

    public static async Task<int> Main(string[] args)
    {
        Arguments arguments;
        try
        {
            arguments = Arguments.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"crash child: {e.Message}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync("usage: --data DIR --segment-bytes N --writers W [--pause-at STAGE]").ConfigureAwait(false);
            return 2;
        }

        try
        {
            using var identity = NodeIdentity.Exists(arguments.Data) ? NodeIdentity.Load(arguments.Data) : NodeIdentity.Create(arguments.Data);
            var options = new LogOptions
            {
                Segments = new SegmentStoreOptions
                {
                    MaxSegmentBytes = arguments.SegmentBytes,
                    OnRollStage = stage =>
                    {
                        Emit("roll " + stage);
                        if (stage == arguments.PauseAt)
                            Thread.Sleep(PauseMilliseconds);
                    },
                },
            };
            using var log = DatomLog.Open(arguments.Data, identity, options);
            Emit("ready");
            var writers = new Task[arguments.Writers];
            for (var w = 0; w < writers.Length; w++)
            {
                var writer = w;
                writers[w] = Task.Run(() => WriteForeverAsync(log, writer));
            }
            // The writers never finish; the first one to fail ends the process.
            await await Task.WhenAny(writers).ConfigureAwait(false);
            await Console.Error.WriteLineAsync("crash child: a writer stopped").ConfigureAwait(false);
            return 1;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"crash child: {e}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task WriteForeverAsync(DatomLog log, int writer)
    {
        // Sizes vary, so that records fall at every offset relative to segment ends.
        var random = new Random(Environment.ProcessId * 31 + writer);
        for (long n = 0; ; n++)
        {
            var datoms = new LogDatom[random.Next(1, 4)];
            for (var i = 0; i < datoms.Length; i++)
            {
                var e = new EntityId((ulong)writer + 1, (ulong)n);
                datoms[i] = i % 2 == 0
                    ? new LogDatom(e, "crash/text", Value.String(new string((char)('a' + random.Next(26)), random.Next(20, 400))), true)
                    : new LogDatom(e, "crash/n", Value.Long(random.NextInt64()), true);
            }
            var entry = await log.AppendAsync(datoms).ConfigureAwait(false);
            Emit("ack " + entry.Hash);
        }
    }

    private static void Emit(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        lock (OutputGate)
        {
            Output.Write(bytes);
            Output.Flush();
        }
    }

    private sealed record Arguments(string Data, long SegmentBytes, int Writers, string? PauseAt)
    {
        public static Arguments Parse(string[] args)
        {
            string? data = null, pauseAt = null;
            long segmentBytes = 0;
            var writers = 0;
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--data":
                        data = value;
                        break;
                    case "--segment-bytes":
                        segmentBytes = long.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "--writers":
                        writers = int.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "--pause-at":
                        pauseAt = value;
                        break;
                    default:
                        throw new ArgumentException($"unknown argument {args[i]}");
                }
                i++;
            }
            if (data is null)
                throw new ArgumentException("--data is required");
            if (segmentBytes <= 0)
                throw new ArgumentException("--segment-bytes must be positive");
            if (writers <= 0)
                throw new ArgumentException("--writers must be positive");
            return new Arguments(data, segmentBytes, writers, pauseAt);
        }
    }
}
