using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Datom.Node.Daemon;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Datom.Node.WebConsole;

/// <summary>
/// The web console (<c>datom run --http HOST:PORT</c>, <c>[http] listen</c>): a small single-page
/// app, built into this binary (<see cref="ConsoleAssets"/>), and JSON endpoints that run the very
/// commands the CLI and the local API run (<see cref="ConsoleRoutes"/>). It shares the daemon's
/// Kestrel, on a TCP listener of its own; requests that arrive there reach only this class.
/// </summary>
/// <remarks>
/// Access is Jupyter's: a random token made at start, printed in the log and written with the URL to
/// <c>DIR/console.url</c> (mode 0600). Every request must carry it: <c>?token=T</c> once (which sets
/// an HttpOnly, SameSite=Strict cookie), the cookie, or <c>Authorization: Bearer T</c>; else 401.
/// Before the token is even looked at, a request must be addressed to this server by IP address or
/// <c>localhost</c> with its port in the Host header (so a page on attacker.example whose name was
/// rebound to 127.0.0.1, DNS rebinding, is refused), and any Origin it carries must be this server's
/// own (so another site's page in the same browser, which would send the cookie on a GET, is
/// refused). Refusals are 403.
/// </remarks>
internal sealed class ConsoleServer
{
    /// <summary>The file, in the data directory, that holds the console's URL with its token.</summary>
    public const string UrlFileName = "console.url";

    /// <summary>24 random bytes, 192 bits, as 48 hex digits: beyond guessing, and safe in a URL.</summary>
    private const int TokenBytes = 24;

    private readonly RunningNode _node;
    private readonly ILogger _logger;
    private readonly byte[] _token;
    private readonly ConsoleRoutes _routes;
    private volatile Bound? _bound;
    private long _lastRefusalLogged = -60_000;

    public ConsoleServer(RunningNode node, IPEndPoint configured, ILogger logger)
    {
        _node = node;
        _logger = logger;
        Configured = configured;
        Token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TokenBytes));
        _token = Encoding.ASCII.GetBytes(Token);
        _routes = new ConsoleRoutes(node);
    }

    /// <summary>The address given in the config or on the command line (its port may be 0).</summary>
    public IPEndPoint Configured { get; }

    public string Token { get; }

    /// <summary>The URL with its token, once the listener is bound; null before.</summary>
    public string? Url => _bound?.Url;

    public string UrlFile => Path.Combine(_node.Path, UrlFileName);

    /// <summary>The console's listener on the daemon's Kestrel: HTTP/1.1 (browsers speak HTTP/2 only over TLS).</summary>
    public static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, IPEndPoint endPoint) =>
        kestrel.Listen(endPoint, l => l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1);

    /// <summary>Whether a request came in on the console's listener (TCP) rather than the local API's Unix socket.</summary>
    public static bool Owns(HttpContext context) => context.Connection.LocalIpAddress is not null;

    /// <summary>
    /// Records where Kestrel bound the listener (the real port when the configured one is 0), writes
    /// <c>console.url</c> and logs the URL. Requests are refused (503) until this runs.
    /// </summary>
    public void Started(IEnumerable<string> serverAddresses)
    {
        var port = Configured.Port;
        foreach (var address in serverAddresses)
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !address.Contains("unix:", StringComparison.Ordinal))
                port = uri.Port;
        }
        // A wildcard address is no place to point a browser at: the URL names loopback instead.
        var host = Configured.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : Configured.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : Configured.Address;
        var authority = new IPEndPoint(host, port).ToString();
        var url = $"http://{authority}/?token={Token}";
        _bound = new Bound(port, url);
        WriteUrlFile(url);
        ConsoleLog.Serving(_logger, url, UrlFile);
    }

    /// <summary>Removes <c>console.url</c>: its token dies with this process.</summary>
    public void Stopped()
    {
        try
        {
            File.Delete(UrlFile);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Every request on the console's listener: refused, or routed.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.Headers["X-Frame-Options"] = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cache-Control"] = "no-store";
        response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        if (_bound is not { } bound)
        {
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "the console is starting; try again in a moment");
            return;
        }
        if (!HostAllowed(context.Request.Headers.Host.ToString(), bound.Port))
        {
            LogRefusal("Host", context.Request.Headers.Host.ToString());
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "refused: the Host header must name this server by IP address or localhost, with its port");
            return;
        }
        if (!SameOrigin(context))
        {
            LogRefusal("Origin", context.Request.Headers.Origin + " " + context.Request.Headers["Sec-Fetch-Site"]);
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "refused: a cross-origin request");
            return;
        }
        if (!Authorized(context, bound.Port, out var fromQuery))
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized,
                $"this needs the console's token: open the URL in {UrlFile} (the daemon also logs it at start)");
            return;
        }
        if (fromQuery)
        {
            response.Cookies.Append(CookieName(bound.Port), Token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Path = "/",
                Secure = false,
            });
            // The page itself is loaded without the token in its address, so that it does not linger
            // in the history, a bookmark or a screenshot.
            if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path == "/")
            {
                response.StatusCode = StatusCodes.Status303SeeOther;
                response.Headers.Location = "/";
                return;
            }
        }
        await _routes.HandleAsync(context);
    }

    /// <summary>
    /// The Host header must be <c>IP:PORT</c> or <c>localhost:PORT</c> with this server's port. A DNS
    /// name is refused, since whoever controls a name can point it at 127.0.0.1 (DNS rebinding).
    /// </summary>
    internal static bool HostAllowed(string host, int port)
    {
        if (string.IsNullOrEmpty(host))
            return false;
        string name;
        string portText;
        if (host.StartsWith('['))
        {
            var close = host.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
                return false;
            name = host[1..close];
            portText = host[(close + 2)..];
            if (!IPAddress.TryParse(name, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
                return false;
        }
        else
        {
            var colon = host.LastIndexOf(':');
            if (colon <= 0)
                return false;
            name = host[..colon];
            portText = host[(colon + 1)..];
            var isAddress = name.Count(c => c == '.') == 3 && IPAddress.TryParse(name, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
            if (!isAddress && !string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase))
                return false;
        }
        return int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number == port;
    }

    /// <summary>
    /// A browser names the page that made a request in Origin (on every POST and on cross-origin
    /// GETs) and, in Sec-Fetch-Site, whether it was another site. Either naming somewhere else is
    /// refused; a request with neither (curl, a script) is not a browser's cross-origin request.
    /// A top-level GET navigation may come from anywhere (a link to the console's URL in a chat or a
    /// terminal): it carries no Origin, the SameSite=Strict cookie stays behind on it, and the page
    /// it loads only shows what the token already grants.
    /// </summary>
    private static bool SameOrigin(HttpContext context)
    {
        var headers = context.Request.Headers;
        var site = headers["Sec-Fetch-Site"].ToString();
        var navigation = HttpMethods.IsGet(context.Request.Method) && headers["Sec-Fetch-Mode"] == "navigate" && headers["Sec-Fetch-Dest"] == "document";
        if (site is "cross-site" or "same-site" && !navigation)
            return false;
        var origin = headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin))
            return true;
        return string.Equals(origin, "http://" + headers.Host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// At most one warning a minute: a hostile page in the user's browser can send refused requests
    /// in a loop, and the daemon's log should not fill with them.
    /// </summary>
    private void LogRefusal(string header, string value)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastRefusalLogged);
        if (now - last >= 60_000 && Interlocked.CompareExchange(ref _lastRefusalLogged, now, last) == last)
            ConsoleLog.Refused(_logger, header, value);
    }

    private bool Authorized(HttpContext context, int port, out bool fromQuery)
    {
        fromQuery = false;
        var request = context.Request;
        if (request.Query.TryGetValue("token", out var query))
        {
            fromQuery = Matches(query.ToString());
            return fromQuery;
        }
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Matches(authorization["Bearer ".Length..].Trim());
        return request.Cookies.TryGetValue(CookieName(port), out var cookie) && Matches(cookie);
    }

    private bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), _token);

    /// <summary>Per port: cookies are scoped by host, not port, and two nodes on one machine each have a console.</summary>
    private static string CookieName(int port) => "datom_console_" + port.ToString(CultureInfo.InvariantCulture);

    private static async Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("datom console: " + message + "\n", context.RequestAborted);
    }

    private void WriteUrlFile(string url)
    {
        var temporary = UrlFile + ".tmp";
        File.Delete(temporary);
        using (var stream = OperatingSystem.IsWindows()
            ? new FileStream(temporary, FileMode.CreateNew, FileAccess.Write)
            : new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        using (var writer = new StreamWriter(stream))
            writer.WriteLine(url);
        File.Move(temporary, UrlFile, overwrite: true);
    }

    private sealed record Bound(int Port, string Url);
}

/// <summary>Log messages of the web console, event ids 5060-5069.</summary>
internal static partial class ConsoleLog
{
    [LoggerMessage(EventId = 5060, Level = LogLevel.Information, Message = "console: {Url} (also in {File})")]
    public static partial void Serving(ILogger logger, string url, string file);

    [LoggerMessage(EventId = 5061, Level = LogLevel.Warning, Message = "console: refused a request by its {Header} header '{Value}' (at most one such warning a minute)")]
    public static partial void Refused(ILogger logger, string header, string value);
}
