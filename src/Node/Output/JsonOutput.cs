using System.Text.Encodings.Web;
using System.Text.Json;

namespace Datom.Node.Output;

internal static class JsonOutput
{
    /// <summary>
    /// JSON for terminals and scripts, not for HTML: '+', quotes in text and non-ASCII characters are
    /// written as themselves rather than as \u escapes.
    /// </summary>
    /// <remarks>
    /// MaxDepth: a recursive pull nests a map and a list per level, and DataScript's own tests pull
    /// 3,000 levels (test-deep-recursion), 6,000 JSON levels; the writer's default of 1,000 refused
    /// it. 65,536 leaves room for that and stays far below what the recursive writer's stack holds.
    /// </remarks>
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = 65_536 };
}
