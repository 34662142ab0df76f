package dev.weft.testkit.load;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link OpenLoopLoadGenerator} sends: one HTTP/1.1 request (method, target, headers, body)
 * repeated at a fixed rate over {@code connections} keep-alive connections for {@code warmup} (sent,
 * not recorded) and then {@code duration} (recorded).
 *
 * @param target        {@code http://host[:port]/path[?query]}; only plain HTTP
 * @param method        request method, e.g. GET
 * @param body          request body, empty for none (copied, never shared)
 * @param headers       extra request headers; {@code host} and {@code content-length} are added unless given
 * @param connections   keep-alive connections to open, at least 1
 * @param ratePerSecond requests started per second, above 0
 * @param duration      the measured time, above 0
 * @param warmup        time at the same rate before measuring, 0 or more
 */
public record LoadSpec(URI target, String method, byte[] body, Map<String, String> headers,
                       int connections, double ratePerSecond, Duration duration, Duration warmup) {

    /** More requests than this in one run are refused: their intended times lose precision as doubles. */
    static final double MAX_REQUESTS = 1e12;

    private static final byte[] NO_BODY = new byte[0];

    public LoadSpec {
        Objects.requireNonNull(target, "target: null (expected an http:// URI)");
        if (!"http".equalsIgnoreCase(target.getScheme())) {
            throw new IllegalArgumentException("target: " + target
                    + " (expected an http:// URI; only plain HTTP/1.1 is supported)");
        }
        if (target.getHost() == null || target.getHost().isEmpty()) {
            throw new IllegalArgumentException("target: " + target + " (expected a host, e.g. http://127.0.0.1:8080/)");
        }
        if (target.getRawUserInfo() != null || target.getRawFragment() != null) {
            throw new IllegalArgumentException("target: " + target + " (expected no user info and no fragment)");
        }
        Objects.requireNonNull(method, "method: null (expected a token such as GET or POST)");
        if (!isToken(method)) {
            throw new IllegalArgumentException("method: '" + method + "' (expected a token such as GET or POST)");
        }
        body = body == null || body.length == 0 ? NO_BODY : body.clone();
        Objects.requireNonNull(headers, "headers: null (expected a map, possibly empty)");
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (name == null || !isToken(name)) {
                throw new IllegalArgumentException("headers: name '" + name + "' (expected a header token)");
            }
            if (value == null || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("headers." + name + ": value '" + value
                        + "' (expected text without CR or LF)");
            }
            copy.put(name, value);
        });
        headers = Collections.unmodifiableMap(copy);
        if (connections < 1) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: >= 1)");
        }
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("ratePerSecond: " + ratePerSecond + " (expected: a finite number > 0)");
        }
        Objects.requireNonNull(duration, "duration: null (expected a duration > 0)");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
        }
        Objects.requireNonNull(warmup, "warmup: null (expected a duration >= 0)");
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warmup: " + warmup + " (expected: >= 0)");
        }
        double seconds = warmup.plus(duration).toNanos() / 1e9;
        if (ratePerSecond * seconds > MAX_REQUESTS) {
            throw new IllegalArgumentException("ratePerSecond x (warmup + duration): " + ratePerSecond * seconds
                    + " requests (expected: at most " + (long) MAX_REQUESTS + ")");
        }
    }

    /** GETs {@code target} at {@code ratePerSecond} over {@code connections} for {@code duration}, no warm-up. */
    public static LoadSpec get(URI target, int connections, double ratePerSecond, Duration duration) {
        return new LoadSpec(target, "GET", NO_BODY, Map.of(), connections, ratePerSecond, duration, Duration.ZERO);
    }

    /** This spec with a warm-up at the same rate before measuring. */
    public LoadSpec withWarmup(Duration warmup) {
        return new LoadSpec(target, method, body, headers, connections, ratePerSecond, duration, warmup);
    }

    /** This spec sending {@code body} with {@code method}; {@code contentType} may be null for none. */
    public LoadSpec withBody(String method, byte[] body, String contentType) {
        LoadSpec withBody = new LoadSpec(target, method, body, headers, connections, ratePerSecond, duration, warmup);
        return contentType == null ? withBody : withBody.withHeader("content-type", contentType);
    }

    /** This spec with one more request header, replacing one of the same name (case-insensitive). */
    public LoadSpec withHeader(String name, String value) {
        LinkedHashMap<String, String> more = new LinkedHashMap<>();
        headers.forEach((n, v) -> {
            if (!n.equalsIgnoreCase(name)) {
                more.put(n, v);
            }
        });
        more.put(name, value);
        return new LoadSpec(target, method, body, more, connections, ratePerSecond, duration, warmup);
    }

    /** The request body; a copy, so a spec can be shared. */
    @Override
    public byte[] body() {
        return body.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoadSpec other
                && target.equals(other.target) && method.equals(other.method) && Arrays.equals(body, other.body)
                && headers.equals(other.headers) && connections == other.connections
                && Double.compare(ratePerSecond, other.ratePerSecond) == 0
                && duration.equals(other.duration) && warmup.equals(other.warmup);
    }

    @Override
    public int hashCode() {
        return Objects.hash(target, method, Arrays.hashCode(body), headers, connections, ratePerSecond, duration,
                warmup);
    }

    @Override
    public String toString() {
        return "LoadSpec[" + method + " " + target + ", " + body.length + " body bytes, headers " + headers
                + ", " + connections + " connections, " + ratePerSecond + "/s for " + duration
                + " after " + warmup + " warm-up]";
    }

    /** The number of requests the schedule issues before measuring starts. */
    long warmupRequests() {
        return requestsWithin(warmup);
    }

    /** The number of requests the schedule issues in all, warm-up included. */
    long totalRequests() {
        return requestsWithin(warmup.plus(duration));
    }

    /**
     * Request i is intended at i / rate; this counts the i whose time falls before {@code span}. The
     * product is nudged down so that floating-point error does not add a request at the very end of
     * the span (1.1/s for 30 s gives 33.00000000000001).
     */
    private long requestsWithin(Duration span) {
        return (long) Math.ceil(ratePerSecond * span.toNanos() / 1e9 - 1e-9);
    }

    /** Whether the method uses a body framing even when empty, so servers wait for no body. */
    boolean sendsContentLength() {
        return body.length > 0 || switch (method.toUpperCase(Locale.ROOT)) {
            case "POST", "PUT", "PATCH" -> true;
            default -> false;
        };
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
