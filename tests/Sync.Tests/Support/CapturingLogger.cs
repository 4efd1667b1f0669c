using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Datom.Sync.Tests.Support;

/// <summary>Keeps every log record, for assertions on event ids and messages.</summary>
public sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> _records = new();

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Records => [.. _records];

    public IEnumerable<string> MessagesWith(int eventId) => _records.Where(r => r.Id.Id == eventId).Select(r => r.Message);

    public bool Has(int eventId) => _records.Any(r => r.Id.Id == eventId);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _records.Enqueue((logLevel, eventId, formatter(state, exception)));
        if (_records.Count > 100_000)
            _records.TryDequeue(out _);
    }

    public string Dump() => string.Join("\n", _records.Select(r => $"{r.Level} {r.Id.Id} {r.Message}"));
}
