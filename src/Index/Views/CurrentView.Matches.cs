using System.Collections;
using System.Runtime.CompilerServices;
using Datom.Index.Storage;
using Datom.Log.Edn;
using Datom.Log.Model;
using IndexDatom = Datom.Index.Query.Datom;

namespace Datom.Index.Views;

public partial class CurrentView
{
    /// <summary>
    /// The datoms of one <see cref="Match"/>, read as they are enumerated through a rented
    /// <see cref="KeyReader"/> (returned when the enumeration ends or is disposed). Over EAVT or AEVT
    /// it reads one [e a] group at a time and resolves its live values together; over AVET or VAET
    /// (the value in the prefix) it checks each live cardinality-one datom against its [e a].
    /// </summary>
    /// <remarks>
    /// One object is both the sequence and its first enumerator, as a compiler iterator would be, but
    /// written out so that its loop is compiled optimized from the first call: a query run once (the
    /// CLI) or the first runs of a query shape would otherwise spend most of their time in tier-0 code.
    /// </remarks>
    private sealed class Matches(CurrentView view, IndexOrder order, EntityId? e, Keyword? a, uint? attr, Value? v, bool grouped)
        : IEnumerable<IndexDatom>, IEnumerator<IndexDatom>
    {
        private int _enumerated;
        private KeyReader? _reader;
        private KeyReader? _probe;
        private bool _started;
        private bool _more;

        // Of the current [e a] group: the live datoms [_next, _count) still to return, or one winner.
        private int _next;
        private int _count;
        private int _winner = -1;

        public IndexDatom Current
        {
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            get;
            private set;
        }

        object IEnumerator.Current => Current;

        public IEnumerator<IndexDatom> GetEnumerator() =>
            Interlocked.Exchange(ref _enumerated, 1) == 0 ? this : new Matches(view, order, e, a, attr, v, grouped);

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool MoveNext()
        {
            if (!_started)
            {
                _started = true;
                _reader = view.Rent(order);
                // With the entity given the prefix is [e a] and v is compared after the winner is
                // chosen; without it, a given v is part of an AVET or VAET prefix.
                _reader.SetPrefix(e, attr, grouped ? null : v);
                if (v is { } value)
                    _reader.SetValue(value);
                _more = _reader.Start();
            }
            if (_reader is null)
                return false;
            if (grouped ? NextInGroup(_reader) : NextLive(_reader))
                return true;
            Dispose();
            return false;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool NextInGroup(KeyReader reader)
        {
            while (true)
            {
                if (_winner >= 0)
                {
                    Current = view.Datom(reader, _winner, a, v);
                    _winner = -1;
                    return true;
                }
                while (_next < _count)
                {
                    var i = _next++;
                    if (v is null || reader.ValueEquals(i))
                    {
                        Current = view.Datom(reader, i, a, v);
                        return true;
                    }
                }
                if (!_more)
                    return false;
                _more = reader.ReadGroup();
                _next = 0;
                _count = 0;
                if (reader.Count == 0)
                    continue;
                if (reader.Count == 1 || !view.IsCardinalityOne(reader.Attribute(0)))
                {
                    _count = reader.Count;
                    continue;
                }
                var winner = reader.Latest();
                if (v is null || reader.ValueEquals(winner))
                    _winner = winner;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool NextLive(KeyReader reader)
        {
            while (_more)
            {
                _more = reader.ReadDatom();
                if (reader.Count == 0 || (view.IsCardinalityOne(attr ?? reader.Attribute(0)) && !view.IsWinner(reader, ref _probe)))
                    continue;
                Current = view.Datom(reader, 0, a, v);
                return true;
            }
            return false;
        }

        public void Reset() => throw new NotSupportedException();

        public void Dispose()
        {
            if (_reader is not null)
            {
                view.Return(_reader);
                _reader = null;
            }
            if (_probe is not null)
            {
                view.Return(_probe);
                _probe = null;
            }
        }
    }
}
