using System.Text.Encodings.Web;
using System.Text.Json;

namespace Datom.Node.Output;

internal static class JsonOutput
{
    /// <summary>
    /// JSON for terminals and scripts, not for HTML: '+', quotes in text and non-ASCII characters are
    /// written as themselves rather than as \u escapes.
    /// </summary>
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
