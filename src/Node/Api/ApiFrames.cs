using System.Text.Json;
using System.Text.Json.Serialization;

namespace Datom.Node.Api;

/// <summary>
/// The local API's command stream (<c>POST /v1/cli</c>). The request body is one JSON line, a
/// <see cref="CliRequest"/>, followed by the caller's standard input as raw bytes. The response is
/// newline-delimited JSON: <c>{"out":"…"}</c> and <c>{"err":"…"}</c> for what the command writes to
/// standard output and error, as it writes it, and a last <c>{"exit":N}</c>.
/// </summary>
internal static class ApiFrames
{
    /// <summary>The first line of a command request may not be longer than this (arguments are small; files are read by path).</summary>
    public const int MaxRequestLineBytes = 1 << 20;

    public const string CliPath = "/v1/cli";

    public const string NdJson = "application/x-ndjson";
}

internal sealed record CliRequest(
    [property: JsonPropertyName("args")] string[] Args,
    [property: JsonPropertyName("cwd")] string WorkingDirectory,
    [property: JsonPropertyName("data")] string DataDirectory);

/// <summary>One line of the response stream: exactly one of the three is set.</summary>
internal sealed record CliFrame(
    [property: JsonPropertyName("out"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Out = null,
    [property: JsonPropertyName("err"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Err = null,
    [property: JsonPropertyName("exit"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Exit = null);

[JsonSerializable(typeof(CliRequest))]
[JsonSerializable(typeof(CliFrame))]
[JsonSerializable(typeof(QueryRequest))]
[JsonSerializable(typeof(SubscribeRequest))]
[JsonSerializable(typeof(ApiError))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class ApiJson : JsonSerializerContext
{
    public static byte[] Line<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, info);
        var line = new byte[bytes.Length + 1];
        bytes.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }
}

/// <summary><c>POST /v1/query</c>: the query as EDN text, its inputs as EDN texts, and the view; with <c>explain</c>, the plan as text instead of the result.</summary>
internal sealed record QueryRequest(
    [property: JsonPropertyName("query")] string Query,
    [property: JsonPropertyName("args")] string[]? Args = null,
    [property: JsonPropertyName("as_of")] string? AsOf = null,
    [property: JsonPropertyName("history")] bool History = false,
    [property: JsonPropertyName("since")] string? Since = null,
    [property: JsonPropertyName("conflicts")] bool Conflicts = false,
    [property: JsonPropertyName("author")] string? Author = null,
    [property: JsonPropertyName("explain")] bool Explain = false);

/// <summary><c>POST /v1/subscribe</c>: the query as EDN text, its inputs as EDN texts, and the frontier to resume from.</summary>
internal sealed record SubscribeRequest(
    [property: JsonPropertyName("query")] string Query,
    [property: JsonPropertyName("args")] string[]? Args = null,
    [property: JsonPropertyName("from")] string? From = null);

internal sealed record ApiError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("exit")] int Exit);
