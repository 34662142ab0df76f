package dev.weft.proxy.route;

import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/** A compiled RedirectAction: builds the absolute Location the way Envoy's RouteEntryImplBase::newUri does. */
final class Redirect {
    /** null: keep the request's scheme. */
    private final String scheme;
    /** empty: keep the request's host. */
    private final String host;
    /** ":port", or empty to keep the port of the request's host. */
    private final String port;
    /** null unless path_redirect. */
    private final String path;
    private final boolean pathHasQuery;
    /** null unless prefix_rewrite or regex_rewrite. */
    private final PathRewrite rewrite;
    private final boolean stripQuery;
    final HttpResponseStatus status;

    private Redirect(String scheme, String host, String port, String path, PathRewrite rewrite, boolean stripQuery,
            HttpResponseStatus status) {
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.path = path;
        this.pathHasQuery = path != null && path.indexOf('?') >= 0;
        this.rewrite = rewrite;
        this.stripQuery = stripQuery;
        this.status = status;
    }

    static Redirect compile(RedirectAction r, String p) throws ConfigException {
        String scheme = null;
        switch (r.getSchemeRewriteSpecifierCase()) {
            case HTTPS_REDIRECT:
                scheme = r.getHttpsRedirect() ? "https" : null;
                break;
            case SCHEME_REDIRECT:
                if (r.getSchemeRedirect().isEmpty()) {
                    throw new ConfigException(p + ".scheme_redirect", "must not be empty");
                }
                scheme = r.getSchemeRedirect();
                break;
            default:
                break;
        }
        if (r.getPortRedirect() > 65535) {
            throw new ConfigException(p + ".port_redirect", r.getPortRedirect() + " is not a port (expected 1-65535)");
        }
        String port = r.getPortRedirect() == 0 ? "" : ":" + r.getPortRedirect();
        String path = null;
        PathRewrite rewrite = null;
        switch (r.getPathRewriteSpecifierCase()) {
            case PATH_REDIRECT:
                path = r.getPathRedirect();
                break;
            case PREFIX_REWRITE:
                rewrite = PathRewrite.prefix(r.getPrefixRewrite());
                break;
            case REGEX_REWRITE:
                rewrite = PathRewrite.regex(Regexes.substitution(r.getRegexRewrite(), p + ".regex_rewrite"));
                break;
            default:
                break;
        }
        HttpResponseStatus status;
        switch (r.getResponseCode()) {
            case MOVED_PERMANENTLY:
                status = HttpResponseStatus.MOVED_PERMANENTLY;
                break;
            case FOUND:
                status = HttpResponseStatus.FOUND;
                break;
            case SEE_OTHER:
                status = HttpResponseStatus.SEE_OTHER;
                break;
            case TEMPORARY_REDIRECT:
                status = HttpResponseStatus.TEMPORARY_REDIRECT;
                break;
            case PERMANENT_REDIRECT:
                status = HttpResponseStatus.PERMANENT_REDIRECT;
                break;
            default:
                throw new ConfigException(p + ".response_code", "unknown value " + r.getResponseCodeValue());
        }
        return new Redirect(scheme, r.getHostRedirect(), port, path, rewrite, r.getStripQuery(), status);
    }

    /** The absolute Location for {@code request}, which matched {@code matcher}; {@code secure}: it came over TLS. */
    String location(HttpRequest request, PathMatcher matcher, boolean secure) {
        String requestScheme = secure ? "https" : "http";
        String finalScheme = scheme != null ? scheme : requestScheme;
        String finalHost = !host.isEmpty() ? host : requestHost(request.headers().get(HttpHeaderNames.HOST), finalScheme, requestScheme);

        String uri = request.uri();
        if (rewrite != null) {
            uri = rewrite.apply(uri, matcher);
        }
        String finalPath;
        if (path != null) {
            // A query in path_redirect replaces the request's and survives strip_query.
            int q = uri.indexOf('?');
            finalPath = pathHasQuery || q < 0 ? path : path + uri.substring(q);
        } else {
            finalPath = uri;
        }
        if (!finalPath.startsWith("/")) {
            finalPath = "/" + finalPath;
        }
        if (stripQuery && !pathHasQuery) {
            int q = finalPath.indexOf('?');
            if (q >= 0) {
                finalPath = finalPath.substring(0, q);
            }
        }
        return finalScheme + "://" + finalHost + port + finalPath;
    }

    /**
     * The request's Host, its port dropped when port_redirect replaces it or when the scheme
     * changes away from the one whose default port (80/443) the Host spells out.
     */
    private String requestHost(String requestHost, String newScheme, String requestScheme) {
        if (requestHost == null || requestHost.isEmpty()) {
            return "";
        }
        int portStart;
        if (requestHost.charAt(0) == '[') {
            int close = requestHost.lastIndexOf("]:");
            portStart = close < 0 ? -1 : close + 1;
        } else {
            portStart = requestHost.lastIndexOf(':');
        }
        if (portStart < 0) {
            return requestHost;
        }
        String requestPort = requestHost.substring(portStart);
        boolean removePort = !port.isEmpty();
        if (!newScheme.equals(requestScheme)) {
            removePort |= requestScheme.equals("https") && requestPort.equals(":443");
            removePort |= requestScheme.equals("http") && requestPort.equals(":80");
        }
        return removePort ? requestHost.substring(0, portStart) : requestHost;
    }
}
