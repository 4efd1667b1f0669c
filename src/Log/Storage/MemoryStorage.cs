namespace Datom.Log.Storage;

/// <summary>
/// A simulated disk that forgets what was not made durable. <see cref="Crash"/> models a power loss:
/// files whose creation was not followed by <see cref="SyncDirectory"/> vanish, deletions not synced
/// come back, and of each file's unsynced tail a random prefix survives, its last sector possibly torn
/// (filled with garbage), as the SQLite and ALICE crash studies describe real disks doing.
/// </summary>
public sealed class MemoryStorage : IStorage
{
    public const int SectorSize = 512;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SimFile> _files = new(StringComparer.Ordinal);
    // The directory as it was at the last SyncDirectory: what a crash returns to.
    private Dictionary<string, SimFile> _durableEntries = new(StringComparer.Ordinal);
    // Bumped by every crash: handles from before it are dead, as the process that held them is.
    private int _epoch;

    public IReadOnlyList<string> List()
    {
        lock (_gate)
        {
            var names = _files.Keys.ToList();
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    public bool Exists(string name)
    {
        lock (_gate)
            return _files.ContainsKey(name);
    }

    public IStorageFile Open(string name)
    {
        lock (_gate)
            return _files.TryGetValue(name, out var f) ? new Handle(this, f, _epoch) : throw new FileNotFoundException($"sim:{name}: no such file");
    }

    public IStorageFile Create(string name)
    {
        lock (_gate)
        {
            if (_files.ContainsKey(name))
                throw new IOException($"sim:{name}: file exists");
            var f = new SimFile();
            _files[name] = f;
            return new Handle(this, f, _epoch);
        }
    }

    public void Delete(string name)
    {
        lock (_gate)
            _files.Remove(name);
    }

    public void SyncDirectory()
    {
        lock (_gate)
            _durableEntries = new Dictionary<string, SimFile>(_files, StringComparer.Ordinal);
    }

    public string Describe(string name) => "sim:" + name;

    /// <summary>Handles opened and not yet disposed: what a real disk would count as file descriptors.</summary>
    public int OpenHandles => Volatile.Read(ref _openHandles);

    private int _openHandles;

    /// <summary>Power loss. Open handles must not be used afterwards.</summary>
    public void Crash(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        lock (_gate)
        {
            _epoch++;
            _files.Clear();
            foreach (var (name, f) in _durableEntries)
            {
                f.LoseUnsynced(random);
                _files[name] = f;
            }
        }
    }

    private sealed class SimFile
    {
        public byte[] Data = [];
        public long Length;
        public long SyncedLength; // bytes [0, SyncedLength) are durable
        public byte[] SyncedData = [];

        public void LoseUnsynced(Random random)
        {
            var unsynced = Length - SyncedLength;
            var data = SyncedData.AsSpan(0, (int)SyncedLength).ToArray();
            if (unsynced > 0)
            {
                // Some prefix of the unsynced tail made it to the platter.
                var kept = random.NextInt64(0, unsynced + 1);
                var merged = new byte[SyncedLength + kept];
                data.CopyTo(merged, 0);
                Array.Copy(Data, SyncedLength, merged, SyncedLength, kept);
                if (kept > 0 && random.Next(3) == 0)
                {
                    // Torn: the last sector written holds garbage.
                    var end = merged.Length;
                    var start = Math.Max((int)SyncedLength, end - random.Next(1, SectorSize + 1));
                    random.NextBytes(merged.AsSpan(start, end - start));
                }
                data = merged;
            }
            Data = data;
            Length = data.Length;
            SyncedData = (byte[])data.Clone();
            SyncedLength = data.Length;
        }
    }

    private sealed class Handle : IStorageFile
    {
        private readonly MemoryStorage _owner;
        private readonly SimFile _file;
        private readonly int _epoch;
        private int _disposed;

        public Handle(MemoryStorage owner, SimFile file, int epoch)
        {
            _owner = owner;
            _file = file;
            _epoch = epoch;
            Interlocked.Increment(ref owner._openHandles);
        }

        private Lock Gate
        {
            get
            {
                if (_owner._epoch != _epoch)
                    throw new IOException("simulated crash: this handle belongs to a process that is gone");
                return _owner._gate;
            }
        }

        public long Length
        {
            get
            {
                lock (Gate)
                    return _file.Length;
            }
        }

        public int Read(long offset, Span<byte> buffer)
        {
            lock (Gate)
            {
                if (offset >= _file.Length)
                    return 0;
                var n = (int)Math.Min(buffer.Length, _file.Length - offset);
                _file.Data.AsSpan((int)offset, n).CopyTo(buffer);
                return n;
            }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (Gate)
            {
                var end = offset + data.Length;
                if (end > _file.Data.Length)
                    Array.Resize(ref _file.Data, (int)Math.Max(end, _file.Data.Length * 2L));
                data.CopyTo(_file.Data.AsSpan((int)offset));
                _file.Length = Math.Max(_file.Length, end);
                if (offset < _file.SyncedLength)
                    _file.SyncedLength = offset; // overwrote durable bytes: they are no longer known durable
            }
        }

        public void Sync()
        {
            lock (Gate)
            {
                _file.SyncedData = _file.Data.AsSpan(0, (int)_file.Length).ToArray();
                _file.SyncedLength = _file.Length;
            }
        }

        public void Truncate(long length)
        {
            lock (Gate)
            {
                if (length > _file.Data.Length)
                    Array.Resize(ref _file.Data, (int)length);
                else
                    _file.Data.AsSpan((int)length).Clear();
                _file.Length = length;
                _file.SyncedLength = Math.Min(_file.SyncedLength, length);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                Interlocked.Decrement(ref _owner._openHandles);
        }
    }
}
