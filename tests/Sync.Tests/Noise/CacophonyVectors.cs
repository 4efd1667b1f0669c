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
/// Loads cacophony vectors for 25519_ChaChaPoly_BLAKE2b from TestData/noise (copied to the output
/// directory): <see cref="SharedFile"/> is the design's reference set (copied from
/// /work/shared/testdata/noise); <see cref="ExtraFile"/> holds the other fundamental and psk
/// patterns of the same upstream cacophony set (see its "source" field).
/// </summary>
public static class CacophonyVectors
{
    public const string SharedFile = "cacophony-25519-chachapoly-blake2b.json";
    public const string ExtraFile = "cacophony-extra-25519-chachapoly-blake2b.json";

    public static readonly string[] Files = [SharedFile, ExtraFile];

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
    };

    private static readonly Dictionary<string, CacophonyVector[]> Loaded = Files.ToDictionary(f => f, Load);

    public static IReadOnlyList<CacophonyVector> In(string file) => Loaded[file];

    /// <summary>Vectors whose protocol name this implementation supports, with file and index.</summary>
    public static IEnumerable<(string File, int Index, CacophonyVector Vector, HandshakePattern Pattern)> Supported()
    {
        foreach (var file in Files)
        {
            var vectors = Loaded[file];
            for (var i = 0; i < vectors.Length; i++)
            {
                if (NoiseProtocol.TryParseProtocolName(vectors[i].ProtocolName, out var pattern))
                {
                    yield return (file, i, vectors[i], pattern);
                }
            }
        }
    }

    private static CacophonyVector[] Load(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "noise", file);
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var vectors = document.RootElement.GetProperty("vectors").Deserialize<CacophonyVector[]>(Options);
        return vectors ?? throw new InvalidDataException($"{path} has no vectors.");
    }
}
