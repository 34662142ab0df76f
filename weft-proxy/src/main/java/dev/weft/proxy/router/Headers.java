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
        List<String> connection = h.getAll(HttpHeaderNames.CONNECTION);
        if (!connection.isEmpty()) {
            for (String value : connection) {
                for (String token : value.split(",")) {
                    String t = token.trim();
                    if (!t.isEmpty() && !(keepUpgrade && t.equalsIgnoreCase("upgrade"))) {
                        h.remove(t);
                    }
                }
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
