using System.Text;
using System.Threading.Channels;

namespace Datom.Node.Api;

/// <summary>
/// A command's standard output or error inside the daemon: text is gathered until a line ends (or
/// the command flushes, for progress lines that end in <c>\r</c>) and then handed to the response
/// as one frame. The hand-off is a bounded channel: a caller that reads slowly slows the command
/// down rather than letting the daemon buffer without bound.
/// </summary>
internal sealed class FrameWriter(ChannelWriter<CliFrame> frames, bool error) : TextWriter
{
    /// <summary>Text waiting for the end of its line; frames longer than this go out anyway.</summary>
    private const int MaxPending = 64 * 1024;

    private readonly StringBuilder _pending = new();
    private readonly Lock _gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_gate)
        {
            _pending.Append(value);
            if (value is '\n' or '\r' || _pending.Length >= MaxPending)
                Send();
        }
    }

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return;
        lock (_gate)
        {
            _pending.Append(value);
            if (value.AsSpan().IndexOfAny('\n', '\r') >= 0 || _pending.Length >= MaxPending)
                Send();
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Write(new string(buffer));

    public override void WriteLine(string? value) => Write((value ?? "") + new string(CoreNewLine));

    public override void Flush()
    {
        lock (_gate)
            Send();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Flush();
        base.Dispose(disposing);
    }

    private void Send()
    {
        if (_pending.Length == 0)
            return;
        var text = _pending.ToString();
        _pending.Clear();
        var frame = error ? new CliFrame(Err: text) : new CliFrame(Out: text);
        if (frames.TryWrite(frame))
            return;
        // Full: wait for the caller to read. If the caller went away, the channel is completed and
        // this throws, which ends the command (its cancellation token has fired as well).
        frames.WriteAsync(frame).AsTask().GetAwaiter().GetResult();
    }
}
