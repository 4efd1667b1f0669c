using System.Buffers;
using Datom.Log.Storage;

namespace Datom.Log.Segments;

/// <summary>
/// Append-only segment files of checksummed records, with group commit.
/// </summary>
/// <remarks>
/// Durability: an append completes only after its bytes are written and synced (under
/// <see cref="FsyncPolicy.Always"/>). One commit thread takes every append waiting in the queue,
/// writes them in one call and syncs once, so concurrent writers share an fsync. A new segment's
/// header is synced and then its directory entry (POSIX: a new file survives a crash only after its
/// directory is synced), before any record goes into it; the previous segment is synced first, so
/// only the last segment can ever have a torn tail.
///
/// Recovery (<see cref="Open"/>): every record is checked. A bad record in the last segment with
/// nothing valid after it is a torn write and is truncated away; anything else is reported as a
/// <see cref="LogCorruptionException"/> naming the file and offset, and nothing is cut.
///
/// Failure: if a write or sync fails, the store stops (fail-stop, as PostgreSQL does since the 2018
/// fsync errors): pending and later appends fail, because what reached the disk is unknown.
/// </remarks>
public sealed class SegmentStore : IDisposable
{
    private readonly IStorage _storage;
    private readonly SegmentStoreOptions _options;
    private readonly Lock _gate = new();
    private readonly List<Segment> _segments = [];
    private readonly CommitQueue _queue;
    private readonly Thread _committer;
    private Exception? _failure;
    private bool _disposed;

    private SegmentStore(IStorage storage, SegmentStoreOptions options)
    {
        _storage = storage;
        _options = options;
        _queue = new CommitQueue(options.QueueCapacity);
        _committer = new Thread(CommitLoop) { IsBackground = true, Name = "datom-log-commit" };
    }

    public SegmentStoreOptions Options => _options;

    /// <summary>Total bytes in all segments, headers included.</summary>
    public long TotalBytes
    {
        get
        {
            lock (_gate)
                return _segments.Sum(s => s.Length);
        }
    }

    /// <summary>Groups written, records written, and syncs made since open: records per group is the group-commit gain.</summary>
    public (long Groups, long Records, long Syncs) Stats => (Interlocked.Read(ref _groups), Interlocked.Read(ref _records), Interlocked.Read(ref _syncs));

    private long _groups, _records, _syncs;

    public int SegmentCount
    {
        get
        {
            lock (_gate)
                return _segments.Count;
        }
    }

    /// <summary>
    /// Opens (or creates) the store, recovering as described on the type, and hands every record to
    /// <paramref name="onRecord"/> in log order. The payload memory is only valid during the call.
    /// </summary>
    public static SegmentStore Open(IStorage storage, SegmentStoreOptions? options, Action<RecordPosition, ReadOnlyMemory<byte>>? onRecord)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var store = new SegmentStore(storage, options ?? new SegmentStoreOptions());
        try
        {
            store.Recover(onRecord, repair: true, resume: null);
        }
        catch
        {
            store.CloseFiles();
            throw;
        }
        store._committer.Start();
        return store;
    }

    /// <summary>
    /// Opens the store as <see cref="Open"/> does, but from a checkpoint: sealed segments before
    /// <see cref="SegmentResume.Resume"/> are not read (only their headers and lengths are checked
    /// against the checkpoint); the resume segment and those after it are recovered in full, torn
    /// tail and damage as in <see cref="Open"/>, and only records from the resume position on are
    /// handed to <paramref name="onRecord"/>. Damage inside a skipped segment is found when a record
    /// there is read (every read checks its checksum) and by <c>datom log verify</c>.
    /// </summary>
    /// <exception cref="StaleCheckpointException">The segments are not those the checkpoint describes; nothing was changed.</exception>
    public static SegmentStore OpenFrom(IStorage storage, SegmentStoreOptions? options, SegmentResume resume, Action<RecordPosition, ReadOnlyMemory<byte>> onRecord)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(resume);
        var store = new SegmentStore(storage, options ?? new SegmentStoreOptions());
        try
        {
            store.Recover(onRecord, repair: true, resume);
        }
        catch
        {
            store.CloseFiles();
            throw;
        }
        store._committer.Start();
        return store;
    }

    /// <summary>Each segment's number and length now (for a checkpoint).</summary>
    public IReadOnlyList<(uint Number, long Length)> Layout()
    {
        lock (_gate)
            return [.. _segments.Select(s => (s.Number, s.Length))];
    }

    /// <summary>Stops the commit thread once every queued append is written; reads still work until <see cref="Dispose"/>.</summary>
    public void Quiesce()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
        }
        _queue.Complete();
        _committer.Join();
    }

    /// <summary>A write or sync failed and the store stopped.</summary>
    public bool HasFailed => Volatile.Read(ref _failure) is not null;

    /// <summary>
    /// Reads every record without changing anything: what <see cref="Open"/> would repair (a torn tail,
    /// a last segment whose header never became durable) is reported as damage here, so that a
    /// verifier sees every flipped bit.
    /// </summary>
    public static void ScanReadOnly(IStorage storage, SegmentStoreOptions? options, Action<RecordPosition, ReadOnlyMemory<byte>> onRecord)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var store = new SegmentStore(storage, options ?? new SegmentStoreOptions());
        try
        {
            store.Recover(onRecord, repair: false, resume: null);
        }
        finally
        {
            store.CloseFiles();
        }
    }

    /// <summary>What recovery repaired when the store was opened (torn tails cut, unfinished segments removed).</summary>
    public IReadOnlyList<string> RecoveryNotes => _recoveryNotes;

    private readonly List<string> _recoveryNotes = [];

    /// <summary>Appends one record; completes once it is durable.</summary>
    public ValueTask<RecordPosition> AppendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.Length == 0 || payload.Length > _options.MaxRecordBytes)
            throw new ArgumentOutOfRangeException(nameof(payload), $"record of {payload.Length} bytes outside 1..{_options.MaxRecordBytes}");
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingAppend(payload);
        Enqueue(pending);
        return new ValueTask<RecordPosition>(pending.Task);
    }

    /// <summary>
    /// Called on the commit thread once a group is durable, before any of its appends complete, with
    /// the group's appends in queue order (each with its <see cref="PendingAppend.Position"/>). Keep it
    /// short, and do not keep the list: the commit thread reuses it.
    /// </summary>
    internal Action<IReadOnlyList<PendingAppend>>? GroupDurable { get; set; }

    /// <summary>
    /// Queues a record, waiting for room if the queue is full; the caller keeps queue order (the log
    /// does, with its sequencer). <paramref name="pending"/> completes once the record is durable.
    /// </summary>
    internal void Enqueue(PendingAppend pending)
    {
        var length = pending.Payload.Length;
        if (length == 0 || length > _options.MaxRecordBytes)
            throw new ArgumentOutOfRangeException(nameof(pending), $"record of {length} bytes outside 1..{_options.MaxRecordBytes}");
        try
        {
            _queue.Add(pending);
        }
        catch (ObjectDisposedException)
        {
            pending.TrySetException(Failed(_failure ?? new ObjectDisposedException(nameof(SegmentStore))));
        }
    }

    /// <summary>Reads the payload of a durable record.</summary>
    public byte[] Read(RecordPosition position)
    {
        Segment segment;
        lock (_gate)
            segment = FindSegment(position.Segment);
        var file = Lease(segment);
        try
        {
            Span<byte> headerBytes = stackalloc byte[RecordHeader.Size];
            if (file.Read(position.Offset, headerBytes) != RecordHeader.Size
                || !RecordHeader.TryParse(headerBytes, _options.MaxRecordBytes, out var header, out var error))
                throw new LogCorruptionException(_storage.Describe(segment.Name), position.Offset, "record header unreadable");
            var payload = new byte[header.Length];
            if (file.Read(position.Offset + RecordHeader.Size, payload) != payload.Length)
                throw new LogCorruptionException(_storage.Describe(segment.Name), position.Offset, "record cut short");
            if (Crc32C.Compute(payload) != header.PayloadCrc)
                throw new LogCorruptionException(_storage.Describe(segment.Name), position.Offset, "record checksum mismatch");
            _ = error;
            return payload;
        }
        finally
        {
            Release(segment);
        }
    }

    /// <summary>Every durable record in log order, checksums verified; damage throws with file and offset.</summary>
    public IEnumerable<(RecordPosition Position, byte[] Payload)> ReadAll()
    {
        Segment[] segments;
        lock (_gate)
            segments = [.. _segments];
        foreach (var segment in segments)
        {
            long end;
            lock (_gate)
                end = segment.Length;
            var offset = (long)SegmentHeader.Size;
            while (offset < end)
            {
                var position = new RecordPosition(segment.Number, offset);
                var payload = Read(position);
                yield return (position, payload);
                offset += RecordHeader.Size + payload.Length;
            }
        }
    }

    public string Describe(uint segment) => _storage.Describe(SegmentHeader.FileName(segment));

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
        }
        _queue.Complete();
        _committer.Join();
        _queue.Dispose();
        CloseFiles();
    }

    private Segment FindSegment(uint number)
    {
        // Segments are numbered consecutively from the first one present.
        ObjectDisposedException.ThrowIf(_segments.Count == 0, this);
        var index = (long)number - _segments[0].Number;
        if (index < 0 || index >= _segments.Count || _segments[(int)index].Number != number)
            throw new ArgumentOutOfRangeException(nameof(number), $"no segment {number}");
        return _segments[(int)index];
    }

    private void CloseFiles()
    {
        lock (_gate)
        {
            foreach (var s in _segments)
            {
                s.Handle?.Dispose();
                s.Handle = null;
            }
            _segments.Clear();
            _openSealed.Clear();
        }
    }

    // ---- recovery -------------------------------------------------------------------------------

    private void Recover(Action<RecordPosition, ReadOnlyMemory<byte>>? onRecord, bool repair, SegmentResume? resume)
    {
        var numbers = new List<uint>();
        foreach (var name in _storage.List())
        {
            if (SegmentHeader.TryParseFileName(name, out var n))
                numbers.Add(n);
        }
        numbers.Sort();
        for (var i = 1; i < numbers.Count; i++)
        {
            if (numbers[i] != numbers[i - 1] + 1)
                throw new LogCorruptionException(_storage.Describe(SegmentHeader.FileName(numbers[i - 1] + 1)), 0, "segment file missing from the sequence");
        }

        var first = 0;
        if (resume is not null)
            first = SkipCovered(numbers, resume);
        var resumeSeen = resume is null;
        byte[] buffer = [];
        for (var i = first; i < numbers.Count; i++)
        {
            var isLast = i == numbers.Count - 1;
            var name = SegmentHeader.FileName(numbers[i]);
            var file = _storage.Open(name);
            var length = file.Length;
            if (resume is not null && numbers[i] == resume.Resume.Segment && length < resume.Resume.Offset)
            {
                file.Dispose();
                throw new StaleCheckpointException($"{_storage.Describe(name)} is {length} bytes; the checkpoint covers it to {resume.Resume.Offset}");
            }
            if (length > int.MaxValue)
                throw new LogCorruptionException(_storage.Describe(name), 0, $"segment of {length} bytes is larger than any this store writes");
            if (buffer.Length < length)
                buffer = new byte[Math.Max(length, buffer.Length * 2L)];
            var data = buffer.AsMemory(0, (int)length);
            if (file.Read(0, data.Span) != length)
                throw new IOException($"{_storage.Describe(name)}: short read during recovery");

            if (!SegmentHeader.TryParse(data.Span, out var header, out var headerError))
            {
                // A roll that crashed before its header was durable leaves a last segment that never
                // held a record: remove it and carry on with the previous one.
                if (isLast && repair && !AnyValidRecordAfter(data.Span, 0))
                {
                    file.Dispose();
                    _storage.Delete(name);
                    _storage.SyncDirectory();
                    _recoveryNotes.Add($"{_storage.Describe(name)}: removed a segment whose creation did not finish ({headerError})");
                    break;
                }
                file.Dispose();
                throw new LogCorruptionException(_storage.Describe(name), 0, headerError);
            }
            if (header.Number != numbers[i])
            {
                file.Dispose();
                throw new LogCorruptionException(_storage.Describe(name), 12, $"header says segment {header.Number}, file name says {numbers[i]}");
            }

            var offset = SegmentHeader.Size;
            while (offset < length)
            {
                var span = data.Span;
                if (!resumeSeen && numbers[i] == resume!.Resume.Segment && offset >= resume.Resume.Offset)
                {
                    if (offset != resume.Resume.Offset)
                    {
                        file.Dispose();
                        throw new StaleCheckpointException($"{_storage.Describe(name)}: no record boundary at offset {resume.Resume.Offset}, where the checkpoint ends");
                    }
                    resumeSeen = true;
                }
                if (TryRecordAt(span, offset, out var recordLength, out var error))
                {
                    if (resumeSeen || numbers[i] > resume!.Resume.Segment)
                        onRecord?.Invoke(new RecordPosition(numbers[i], offset), data.Slice(offset + RecordHeader.Size, recordLength));
                    offset += RecordHeader.Size + recordLength;
                    continue;
                }
                if (isLast && !AnyValidRecordAfter(span, offset + 1))
                {
                    if (!resumeSeen && numbers[i] == resume!.Resume.Segment)
                    {
                        // The tear is inside what the checkpoint covers: it is stale, and a full open decides.
                        file.Dispose();
                        throw new StaleCheckpointException($"{_storage.Describe(name)}: damaged at offset {offset}, inside what the checkpoint covers");
                    }
                    if (!repair)
                    {
                        file.Dispose();
                        throw new LogCorruptionException(_storage.Describe(name), offset, $"final record is damaged or incomplete ({error}); a torn write, which opening the log for writing truncates");
                    }
                    file.Truncate(offset);
                    file.Sync();
                    _recoveryNotes.Add($"{_storage.Describe(name)}: cut a torn tail at offset {offset} ({length - offset} bytes: {error})");
                    length = offset;
                    break;
                }
                file.Dispose();
                throw new LogCorruptionException(_storage.Describe(name), offset, error);
            }
            if (!resumeSeen && numbers[i] == resume!.Resume.Segment)
            {
                if (length != resume.Resume.Offset)
                {
                    file.Dispose();
                    throw new StaleCheckpointException($"{_storage.Describe(name)}: no record boundary at offset {resume.Resume.Offset}, where the checkpoint ends");
                }
                resumeSeen = true;
            }
            // Only the last segment stays open; readers open sealed ones on demand.
            if (isLast)
            {
                _segments.Add(new Segment(numbers[i], name, file, length));
            }
            else
            {
                file.Dispose();
                _segments.Add(new Segment(numbers[i], name, null, length));
            }
        }

        if (!resumeSeen)
            throw new StaleCheckpointException($"segment {resume!.Resume.Segment}, where the checkpoint ends, holds no record boundary at {resume.Resume.Offset}");
        if (_segments.Count == 0 && repair)
            _segments.Add(CreateSegment(numbers.Count > 0 ? numbers[0] : 1));
        // If an unfinished last segment was removed, the one before it is the active segment again.
        if (_segments.Count > 0 && _segments[^1].Handle is null)
            _segments[^1].Handle = _storage.Open(_segments[^1].Name);
    }

    /// <summary>
    /// Checks the segments a checkpoint covers before its resume segment (header, number, length as
    /// recorded) without reading their records, adds them as sealed, and returns the index of the
    /// resume segment in <paramref name="numbers"/>.
    /// </summary>
    private int SkipCovered(List<uint> numbers, SegmentResume resume)
    {
        var covered = resume.SealedLengths.Count;
        if (numbers.Count <= covered || numbers[0] != resume.FirstSegment || numbers[covered] != resume.Resume.Segment)
            throw new StaleCheckpointException($"the log's segments ({(numbers.Count == 0 ? "none" : $"{numbers[0]}..{numbers[^1]}")}) are not those the checkpoint names ({resume.FirstSegment}.., resuming in {resume.Resume.Segment})");
        Span<byte> headerBytes = stackalloc byte[SegmentHeader.Size];
        for (var i = 0; i < covered; i++)
        {
            var name = SegmentHeader.FileName(numbers[i]);
            using var file = _storage.Open(name);
            if (file.Length != resume.SealedLengths[i])
                throw new StaleCheckpointException($"{_storage.Describe(name)} is {file.Length} bytes; the checkpoint recorded {resume.SealedLengths[i]}");
            if (file.Read(0, headerBytes) != SegmentHeader.Size || !SegmentHeader.TryParse(headerBytes, out var header, out var error))
                throw new LogCorruptionException(_storage.Describe(name), 0, "segment header unreadable");
            if (header.Number != numbers[i])
                throw new LogCorruptionException(_storage.Describe(name), 12, $"header says segment {header.Number}, file name says {numbers[i]}");
            _ = error;
            _segments.Add(new Segment(numbers[i], name, null, file.Length));
        }
        return covered;
    }

    private bool TryRecordAt(ReadOnlySpan<byte> data, int offset, out int length, out string error)
    {
        length = 0;
        if (!RecordHeader.TryParse(data[offset..], _options.MaxRecordBytes, out var header, out error))
            return false;
        if (offset + RecordHeader.Size + (long)header.Length > data.Length)
        {
            error = $"record of {header.Length} bytes runs past the end of the segment";
            return false;
        }
        var payload = data.Slice(offset + RecordHeader.Size, (int)header.Length);
        if (Crc32C.Compute(payload) != header.PayloadCrc)
        {
            error = "record checksum mismatch";
            return false;
        }
        length = (int)header.Length;
        return true;
    }

    /// <summary>Is there any whole, valid record starting after <paramref name="from"/>? (Damage versus a torn tail.)</summary>
    private bool AnyValidRecordAfter(ReadOnlySpan<byte> data, int from)
    {
        for (var o = from; o + RecordHeader.Size < data.Length; o++)
        {
            if (TryRecordAt(data, o, out _, out _))
                return true;
        }
        return false;
    }

    // ---- the commit thread ----------------------------------------------------------------------

    private void CommitLoop()
    {
        var batch = new List<PendingAppend>();
        var more = new List<PendingAppend>();
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        var lastGroup = 0;
        long syncTicks = 0; // a moving average of how long a group's write and sync take
        while (_queue.TakeAll(batch, _options.MaxGroupBytes))
        {
            // Adaptive gathering: several writers were active last time, and fewer have arrived so
            // far. Give the rest a moment (at most half a sync) to join this group rather than pay a
            // sync of their own. A lone writer (last group of one) never waits.
            if (_options.Fsync == FsyncPolicy.Always && lastGroup > 1 && batch.Count < lastGroup)
            {
                var deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (syncTicks / 2);
                while (_queue.Count + batch.Count < lastGroup && System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
                    Thread.Yield();
                if (_queue.Count > 0 && _queue.TakeAll(more, _options.MaxGroupBytes))
                    batch.AddRange(more);
            }
            lastGroup = batch.Count;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            if (_failure is not null)
            {
                FailAll(batch, _failure);
                continue;
            }
            try
            {
                WriteGroup(batch, buffer);
                var took = System.Diagnostics.Stopwatch.GetTimestamp() - started;
                syncTicks = syncTicks == 0 ? took : ((syncTicks * 7) + took) / 8;
            }
            catch (Exception e)
            {
                // Any failure here leaves the disk in an unknown state: stop, never guess (fail-stop).
                Volatile.Write(ref _failure, e);
                _queue.Complete();
                FailAll(batch, e);
            }
        }
    }

    private void WriteGroup(List<PendingAppend> batch, ArrayBufferWriter<byte> buffer)
    {
        var segment = _segments[^1];
        buffer.ResetWrittenCount();
        var start = segment.Length;
        Span<byte> header = stackalloc byte[RecordHeader.Size];
        for (var i = 0; i < batch.Count; i++)
        {
            var payload = batch[i].Payload.Span;
            var recordBytes = RecordHeader.Size + payload.Length;
            var offset = start + buffer.WrittenCount;
            if (offset > SegmentHeader.Size && offset + recordBytes > _options.MaxSegmentBytes)
            {
                // Flush what belongs to this segment, then roll.
                Flush(segment, start, buffer);
                segment = Roll(segment);
                start = segment.Length;
                offset = start;
            }
            new RecordHeader((uint)payload.Length, Crc32C.Compute(payload)).Format(header);
            buffer.Write(header);
            buffer.Write(payload);
            batch[i].Position = new RecordPosition(segment.Number, offset);
        }
        Flush(segment, start, buffer);
        Interlocked.Increment(ref _groups);
        Interlocked.Add(ref _records, batch.Count);

        GroupDurable?.Invoke(batch);
        // Complete in order; continuations run elsewhere (RunContinuationsAsynchronously).
        foreach (var p in batch)
            p.TrySetResult(p.Position);
    }

    private void Flush(Segment segment, long start, ArrayBufferWriter<byte> buffer)
    {
        if (buffer.WrittenCount == 0)
            return;
        segment.File.Write(start, buffer.WrittenSpan);
        if (_options.Fsync == FsyncPolicy.Always)
        {
            segment.File.Sync();
            Interlocked.Increment(ref _syncs);
        }
        lock (_gate)
            segment.Length = start + buffer.WrittenCount;
        buffer.ResetWrittenCount();
    }

    private Segment Roll(Segment current)
    {
        _options.OnRollStage?.Invoke("roll-begin");
        // The previous segment is complete and durable before the next one exists.
        current.File.Sync();
        var next = CreateSegment(current.Number + 1);
        lock (_gate)
        {
            _segments.Add(next);
            // The old active segment is sealed now: its handle joins the cache and can be closed.
            current.CacheNode = _openSealed.AddLast(current);
            EvictSealed();
        }
        _options.OnRollStage?.Invoke("roll-done");
        return next;
    }

    private Segment CreateSegment(uint number)
    {
        var name = SegmentHeader.FileName(number);
        var file = _storage.Create(name);
        _options.OnRollStage?.Invoke("roll-created");
        Span<byte> header = stackalloc byte[SegmentHeader.Size];
        new SegmentHeader(number).Format(header);
        file.Write(0, header);
        _options.OnRollStage?.Invoke("roll-header-written");
        file.Sync();
        _storage.SyncDirectory();
        _options.OnRollStage?.Invoke("roll-directory-synced");
        return new Segment(number, name, file, SegmentHeader.Size);
    }

    private static void FailAll(List<PendingAppend> batch, Exception cause)
    {
        foreach (var p in batch)
            p.TrySetException(Failed(cause));
    }

    private static LogFailedException Failed(Exception? cause) =>
        new("the log stopped after a write or sync failed; restart to recover from the durable state", cause);

    /// <summary>
    /// A segment file. Its handle is open while it is the active segment or while readers lease it;
    /// sealed segments are otherwise closed by the handle cache, so a log of any length uses at most
    /// <see cref="MaxOpenSealed"/> file descriptors for them.
    /// </summary>
    private sealed class Segment(uint number, string name, IStorageFile? file, long length)
    {
        public uint Number { get; } = number;

        public string Name { get; } = name;

        /// <summary>Open handle, or null. Changed only under the store's gate.</summary>
        public IStorageFile? Handle { get; set; } = file;

        /// <summary>The active segment's handle: only the commit thread writes through it.</summary>
        public IStorageFile File => Handle ?? throw new InvalidOperationException($"segment {Name} is not open");

        public int Leases { get; set; }

        public bool CloseWhenReleased { get; set; }

        public LinkedListNode<Segment>? CacheNode { get; set; }

        public long Length { get; set; } = length;
    }

    /// <summary>Sealed segments kept open for readers at most: well under any descriptor limit.</summary>
    private const int MaxOpenSealed = 64;

    private readonly LinkedList<Segment> _openSealed = new();

    /// <summary>A handle to read a segment with; release it in a finally.</summary>
    private IStorageFile Lease(Segment segment)
    {
        lock (_gate)
        {
            segment.Leases++;
            if (segment == _segments[^1])
                return segment.File;
            if (segment.Handle is null)
            {
                segment.Handle = _storage.Open(segment.Name);
                segment.CloseWhenReleased = false;
            }
            if (segment.CacheNode is not null)
                _openSealed.Remove(segment.CacheNode);
            segment.CacheNode = _openSealed.AddLast(segment);
            EvictSealed();
            return segment.Handle;
        }
    }

    /// <summary>Closes the least recently used sealed handles beyond the cap. Caller holds the gate.</summary>
    private void EvictSealed()
    {
        while (_openSealed.Count > MaxOpenSealed)
        {
            var victim = _openSealed.First!.Value;
            _openSealed.RemoveFirst();
            victim.CacheNode = null;
            if (victim.Leases == 0)
            {
                victim.Handle?.Dispose();
                victim.Handle = null;
            }
            else
            {
                victim.CloseWhenReleased = true;
            }
        }
    }

    private void Release(Segment segment)
    {
        lock (_gate)
        {
            segment.Leases--;
            if (segment.Leases == 0 && segment.CloseWhenReleased && segment.CacheNode is null && segment != _segments[^1])
            {
                segment.Handle?.Dispose();
                segment.Handle = null;
                segment.CloseWhenReleased = false;
            }
        }
    }

}

/// <summary>
/// One record waiting for the commit thread, and its completion: it is the
/// <see cref="TaskCompletionSource{TResult}"/> itself, so that an append costs one object and its
/// task. The log derives from it to carry its own state through the group commit.
/// </summary>
internal class PendingAppend(ReadOnlyMemory<byte> payload) : TaskCompletionSource<RecordPosition>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public ReadOnlyMemory<byte> Payload { get; } = payload;

    public int Size => Payload.Length + RecordHeader.Size;

    /// <summary>Where the record was written: set on the commit thread before the group is reported durable.</summary>
    public RecordPosition Position { get; set; }
}

/// <summary>
/// The queue in front of the commit thread: bounded (writers wait when it is full), and the commit
/// thread is woken directly, and only when it is idle. A Channel wakes its reader through a
/// thread-pool work item, which queues behind the very writers whose appends it should sync and
/// shrinks groups; waking on every add costs the writer a futex call per entry.
/// </summary>
internal sealed class CommitQueue(int capacity) : IDisposable
{
    private readonly Lock _gate = new();
    // Spins briefly before blocking. Measured with 'datom bench log': longer spins (up to 2047) took
    // CPU from writers that were signing and did not raise either rate.
    private readonly ManualResetEventSlim _itemsReady = new(false, spinCount: 50);
    private readonly SemaphoreSlim _room = new(0);
    private readonly List<PendingAppend> _items = [];
    private bool _consumerIdle;
    private int _producersWaiting;
    private bool _completed;

    /// <summary>Adds an item, waiting while the queue is full.</summary>
    /// <exception cref="ObjectDisposedException">The queue was completed.</exception>
    public void Add(PendingAppend item)
    {
        while (!TryAdd(item))
            _room.Wait();
    }

    private bool TryAdd(PendingAppend item)
    {
        var wake = false;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            if (_items.Count >= capacity)
            {
                _producersWaiting++;
                return false;
            }
            _items.Add(item);
            if (_consumerIdle)
            {
                _consumerIdle = false;
                wake = true;
            }
        }
        if (wake)
            _itemsReady.Set();
        return true;
    }

    /// <summary>Waits for items and moves up to <paramref name="maxBytes"/> of them into <paramref name="batch"/>. False when completed and empty.</summary>
    public bool TakeAll(List<PendingAppend> batch, int maxBytes)
    {
        batch.Clear();
        while (true)
        {
            int release;
            lock (_gate)
            {
                if (_items.Count == 0)
                {
                    if (_completed)
                        return false;
                    _consumerIdle = true;
                    _itemsReady.Reset();
                    release = -1;
                }
                else
                {
                    var bytes = 0;
                    var taken = 0;
                    while (taken < _items.Count && (taken == 0 || bytes < maxBytes))
                    {
                        batch.Add(_items[taken]);
                        bytes += _items[taken].Size;
                        taken++;
                    }
                    // Clear keeps the list's array (at most the queue's capacity) for the next items.
                    if (taken == _items.Count)
                        _items.Clear();
                    else
                        _items.RemoveRange(0, taken);
                    release = _producersWaiting;
                    _producersWaiting = 0;
                }
            }
            if (release < 0)
            {
                _itemsReady.Wait();
                continue;
            }
            if (release > 0)
                _room.Release(release);
            return true;
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
                return _items.Count;
        }
    }

    public void Complete()
    {
        int release;
        lock (_gate)
        {
            _completed = true;
            release = _producersWaiting;
            _producersWaiting = 0;
        }
        _itemsReady.Set();
        if (release > 0)
            _room.Release(release);
    }

    public void Dispose()
    {
        _itemsReady.Dispose();
        _room.Dispose();
    }
}

/// <summary>The log refused a write because an earlier write or sync failed.</summary>
public sealed class LogFailedException(string message, Exception? inner) : Exception(message, inner);

/// <summary>Where a checkpoint says the segments stood: what <see cref="SegmentStore.OpenFrom"/> checks and skips.</summary>
/// <param name="FirstSegment">The number of the first segment.</param>
/// <param name="SealedLengths">The lengths of the segments before the resume segment, in order.</param>
/// <param name="Resume">The position of the last record the checkpoint covers: handed over again, as the first record.</param>
public sealed record SegmentResume(uint FirstSegment, IReadOnlyList<long> SealedLengths, RecordPosition Resume);

/// <summary>The segments are not what a checkpoint describes: it must not be used (the log rebuilds from the segments).</summary>
public sealed class StaleCheckpointException(string reason) : Exception(reason);
