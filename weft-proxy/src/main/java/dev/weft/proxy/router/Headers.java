package dev.weft.proxy.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The router's per-request header work: what is hop-by-hop and may not be forwarded (both
 * directions), and the x-forwarded-* and x-request-id headers added to a forwarded request.
 * Public for the micro-benchmarks; stateless and thread-safe.
 */
public final class Headers {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

    private static final List<AsciiString> EXTENSIONS = List.of(
            HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text(),
            HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(),
            HttpConversionUtil.ExtensionHeaderNames.PATH.text(),
            HttpConversionUtil.ExtensionHeaderNames.STREAM_PROMISE_ID.text(),
            HttpConversionUtil.ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text(),
            HttpConversionUtil.ExtensionHeaderNames.STREAM_WEIGHT.text());

    private Headers() {}

    /**
     * Removes hop-by-hop headers (RFC 9110 section 7.6.1): Connection and every header it names,
     * Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade (unless {@code keepUpgrade}), TE
     * other than "trailers", and Netty's HTTP/2 conversion headers, which are not on the wire.
     */
    public static void removeHopByHop(HttpHeaders h, boolean keepUpgrade) {
        if (h.contains(HttpHeaderNames.CONNECTION)) {
            for (String value : h.getAll(HttpHeaderNames.CONNECTION)) {
                removeConnectionOptions(h, value);
            }
            h.remove(HttpHeaderNames.CONNECTION);
        }
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (!keepUpgrade) {
            h.remove(HttpHeaderNames.UPGRADE);
        } else {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        String te = h.get(HttpHeaderNames.TE);
        if (te != null && !te.trim().equalsIgnoreCase("trailers")) {
            h.remove(HttpHeaderNames.TE);
        }
        removeConversionHeaders(h);
    }

    /**
     * Removes the headers named by one Connection value, a comma-separated list. The usual
     * options (keep-alive, close, upgrade) need no substring: removeHopByHop deals with
     * Keep-Alive and Upgrade itself, and close names a constant.
     */
    private static void removeConnectionOptions(HttpHeaders h, String value) {
        int n = value.length();
        int i = 0;
        while (i < n) {
            int comma = value.indexOf(',', i);
            int end = comma < 0 ? n : comma;
            // trimmed as String.trim() does: everything up to and including the space
            int s = i;
            while (s < end && value.charAt(s) <= ' ') {
                s++;
            }
            int e = end;
            while (e > s && value.charAt(e - 1) <= ' ') {
                e--;
            }
            int len = e - s;
            if (len == 0 || isToken(value, s, len, HttpHeaderValues.KEEP_ALIVE)
                    || isToken(value, s, len, HttpHeaderValues.UPGRADE)) {
                // empty, or dealt with by removeHopByHop itself
            } else if (isToken(value, s, len, HttpHeaderValues.CLOSE)) {
                h.remove(HttpHeaderValues.CLOSE);
            } else {
                h.remove(value.substring(s, e));
            }
            i = end + 1;
        }
    }

    private static boolean isToken(String value, int start, int len, AsciiString token) {
        return len == token.length() && token.regionMatches(true, 0, value, start, len);
    }

    /**
     * Adds what a forwarded request carries about its hop: {@code remoteIp} appended to
     * x-forwarded-for (when not null), x-forwarded-proto unless present, and a generated
     * x-request-id unless present (when {@code generateRequestId}).
     */
    public static void addForwardingHeaders(HttpHeaders h, String remoteIp, boolean secure, boolean generateRequestId) {
        if (remoteIp != null) {
            String xff = h.get(X_FORWARDED_FOR);
            h.set(X_FORWARDED_FOR, xff == null || xff.isBlank() ? remoteIp : xff + ", " + remoteIp);
        }
        if (!h.contains(X_FORWARDED_PROTO)) {
            h.set(X_FORWARDED_PROTO, secure ? "https" : "http");
        }
        if (generateRequestId && !h.contains(X_REQUEST_ID)) {
            h.set(X_REQUEST_ID, requestId());
        }
    }

    /**
     * A random (version 4) UUID for x-request-id. A request id needs uniqueness, not secrecy, so
     * it comes from ThreadLocalRandom rather than the SecureRandom behind UUID.randomUUID().
     * UUID.toString() is kept: since JDK 17 it formats into one byte array that becomes the
     * String without a copy, and a hand-made AsciiString measured no smaller (HeaderBenchmark).
     */
    static String requestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    /**
     * Removes Netty's HTTP/2 conversion headers (x-http2-scheme, x-http2-stream-id, ...). The
     * HTTP/2 codec adds them to a message it converts, also to a request it sends upstream, so a
     * retry of that request must drop them again before it goes out another way.
     */
    static void removeConversionHeaders(HttpHeaders h) {
        for (AsciiString ext : EXTENSIONS) {
            h.remove(ext);
        }
    }
}
