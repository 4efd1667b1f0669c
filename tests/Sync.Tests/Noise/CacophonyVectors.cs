using System.Text.Json;
using Datom.Sync.Noise;

namespace Datom.Sync.Tests.Noise;

/// <summary>One cacophony test vector; field names follow the JSON file (snake_case).</summary>
public sealed class CacophonyVector
{
    public string ProtocolName { get; init; } = "";
    public string InitPrologue { get; init; } = "";
    public string? InitStatic { get; init; }
    public string? InitEphemeral { get; init; }
    public string? InitRemoteStatic { get; init; }
    public string? InitRemoteEphemeral { get; init; }
    public string[]? InitPsks { get; init; }
    public string RespPrologue { get; init; } = "";
    public string? RespStatic { get; init; }
    public string? RespEphemeral { get; init; }
    public string? RespRemoteStatic { get; init; }
    public string? RespRemoteEphemeral { get; init; }
    public string[]? RespPsks { get; init; }
    public string? HandshakeHash { get; init; }
    public CacophonyMessage[] Messages { get; init; } = [];
}

public sealed class CacophonyMessage
{
    public string Payload { get; init; } = "";
    public string Ciphertext { get; init; } = "";
}

/// <summary>
/// Loads the cacophony vectors for 25519_ChaChaPoly_BLAKE2b (copied from
/// /work/shared/testdata/noise into TestData/noise and copied to the output directory).
/// </summary>
public static class CacophonyVectors
{
    public const string FileName = "cacophony-25519-chachapoly-blake2b.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
    };

    private static readonly Lazy<CacophonyVector[]> All = new(Load);

    public static IReadOnlyList<CacophonyVector> Vectors => All.Value;

    /// <summary>Vectors whose protocol name this implementation supports, with their file index.</summary>
    public static IEnumerable<(int Index, CacophonyVector Vector, HandshakePattern Pattern)> Supported()
    {
        for (var i = 0; i < Vectors.Count; i++)
        {
            if (NoiseProtocol.TryParseProtocolName(Vectors[i].ProtocolName, out var pattern))
            {
                yield return (i, Vectors[i], pattern);
            }
        }
    }

    private static CacophonyVector[] Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "noise", FileName);
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var vectors = document.RootElement.GetProperty("vectors").Deserialize<CacophonyVector[]>(Options);
        return vectors ?? throw new InvalidDataException($"{path} has no vectors.");
    }
}
