using System.IO.Pipes;
using System.Text;
using Datom.Log.Edn;
using Xunit;
using static Datom.Log.Tests.Edn.EdnAssert;

namespace Datom.Log.Tests.Edn;

public class EdnStreamingTests
{
    [Fact]
    public void Each_form_is_returned_as_soon_as_its_line_arrives()
    {
        var input = new LineFeed("[:db/add \"tmp\" :user/email \"a@b\"]\n", "{:db/id \"x\" :user/name \"Ann\"}\n", "42\n", "  ; comment\n", ":done\n");
        var reader = new EdnReader(input);

        Assert.True(reader.TryRead(out var add));
        Assert.Equal(1, input.Reads);
        EdnEqual(Read("[:db/add \"tmp\" :user/email \"a@b\"]"), add);

        Assert.True(reader.TryRead(out var entity));
        Assert.Equal(2, input.Reads);
        EdnEqual(Read("{:db/id \"x\" :user/name \"Ann\"}"), entity);

        // A bare number ends at its newline, which arrived with it.
        Assert.True(reader.TryRead(out var number));
        Assert.Equal(3, input.Reads);
        Assert.Equal(42L, number);

        Assert.True(reader.TryRead(out var done));
        Assert.Equal(5, input.Reads);
        Assert.Equal(Kw(":done"), done);

        input.End();
        Assert.False(reader.TryRead(out _));
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void A_form_spanning_lines_waits_for_its_end()
    {
        var input = new LineFeed("[1\n", "  2]\n", "#_ 3\n");
        var reader = new EdnReader(input);
        Assert.True(reader.TryRead(out var value));
        Assert.Equal(2, input.Reads);
        EdnEqual(EdnVector.Of(1L, 2L), value);
        Assert.Equal(new SourcePosition(1, 1), ((EdnVector)value!).Position);
        input.End();
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void A_token_split_across_reads_is_joined()
    {
        var input = new LineFeed(":user/em", "ail 12", "34 \"ab", "cd\"");
        input.End();
        var reader = new EdnReader(input);
        Assert.True(reader.TryRead(out var keyword));
        Assert.Equal(Kw(":user/email"), keyword);
        Assert.True(reader.TryRead(out var number));
        Assert.Equal(1234L, number);
        Assert.True(reader.TryRead(out var text));
        Assert.Equal("abcd", text);
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void An_unfinished_form_at_end_of_input_names_where_it_began()
    {
        var input = new LineFeed("1\n", "[:db/add\n", "  \"x\"\n");
        input.End();
        var reader = new EdnReader(input, new EdnReaderOptions { SourceName = "stdin" });
        Assert.True(reader.TryRead(out _));
        var ex = Assert.Throws<EdnException>(() => reader.TryRead(out _));
        Assert.Equal("stdin:2:1: unterminated vector: end of input before ']'", ex.Message);
    }

    [Fact]
    public async Task A_pipe_delivers_forms_while_the_writer_keeps_it_open()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        using var text = new StreamReader(client, Encoding.UTF8);
        var reader = new EdnReader(text);
        var timeout = TimeSpan.FromSeconds(10);

        await server.WriteAsync(Encoding.UTF8.GetBytes("[:db/add \"tmp\" :user/email \"a@b\"]\n"));
        await server.FlushAsync();
        var first = await Task.Run(() => reader.TryRead(out var v) ? v : null).WaitAsync(timeout);
        Assert.IsType<EdnVector>(first);

        await server.WriteAsync(Encoding.UTF8.GetBytes("7\n"));
        await server.FlushAsync();
        Assert.Equal(7L, await Task.Run(() => reader.TryRead(out var v) ? v : null).WaitAsync(timeout));

        server.Dispose();
        Assert.False(await Task.Run(() => reader.TryRead(out _)).WaitAsync(timeout));
    }

    /// <summary>
    /// Hands out one queued chunk per Read, like a terminal delivering lines, and fails the test
    /// if the reader asks for more than has "arrived" (a real stdin would block there).
    /// </summary>
    private sealed class LineFeed(params string[] chunks) : TextReader
    {
        private readonly Queue<string> _chunks = new(chunks);
        private bool _ended;

        public int Reads { get; private set; }

        public void End() => _ended = true;

        public override int Read(char[] buffer, int index, int count)
        {
            if (_chunks.Count == 0)
            {
                return _ended ? 0 : throw new InvalidOperationException("the reader asked for input that has not arrived");
            }

            Reads++;
            var chunk = _chunks.Dequeue();
            if (chunk.Length > count)
            {
                throw new InvalidOperationException("chunk larger than the reader's buffer");
            }

            chunk.CopyTo(0, buffer, index, chunk.Length);
            return chunk.Length;
        }

        public override int Peek() => throw new InvalidOperationException("Peek is ambiguous on pipes and must not be used");

        public override int Read() => throw new InvalidOperationException("the reader should read in blocks");
    }
}
