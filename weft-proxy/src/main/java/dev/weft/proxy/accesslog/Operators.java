package dev.weft.proxy.accesslog;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.http.WeftError;
import dev.weft.proxy.observe.RequestInfo;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Envoy command operators Weft implements, and the parser of format strings that use them
 * ({@code [%START_TIME%] "%REQ(:METHOD)% %REQ(:PATH)%" %RESPONSE_CODE%}). Parsed once per config; an unknown
 * operator or a malformed one is a {@link ConfigException} naming the format's field path and the offset.
 */
final class Operators {
    /** The names {@link #operator} knows, for the error message and docs/envoy-compat.md. */
    static final Set<String> NAMES = new TreeSet<>(List.of(
            "START_TIME", "REQ", "RESP", "REQ_WITHOUT_QUERY", "PROTOCOL", "RESPONSE_CODE", "RESPONSE_FLAGS",
            "RESPONSE_CODE_DETAILS", "GRPC_STATUS", "GRPC_STATUS_NUMBER", "BYTES_RECEIVED", "BYTES_SENT",
            "DURATION", "REQUEST_DURATION", "RESPONSE_DURATION", "RESPONSE_TX_DURATION", "COMMON_DURATION",
            "UPSTREAM_HOST", "UPSTREAM_CLUSTER", "ROUTE_NAME", "UPSTREAM_REQUEST_ATTEMPT_COUNT",
            "DOWNSTREAM_REMOTE_ADDRESS", "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT",
            "DOWNSTREAM_DIRECT_REMOTE_ADDRESS", "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT",
            "DOWNSTREAM_PEER_URI_SAN", "UPSTREAM_PEER_URI_SAN", "TRACE_ID", "HOSTNAME", "LISTENER_NAME", "TRAFFIC_DIRECTION",
            "RBAC_POLICY"));

    private static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    private static final AsciiString B3 = AsciiString.cached("b3");
    private static final AsciiString B3_TRACE_ID = AsciiString.cached("x-b3-traceid");

    private Operators() {}

    /** A piece of a parsed format string: literal text, or an operator. */
    record Part(String literal, Operator operator) {}

    /**
     * Parses {@code format}: literal text and {@code %NAME%}, {@code %NAME(arg)%}, {@code %NAME(arg):N%}
     * operators ({@code %%} is a literal percent sign).
     */
    static List<Part> parse(String format, String path) throws ConfigException {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i);
            if (c != '%') {
                literal.append(c);
                i++;
                continue;
            }
            if (i + 1 < format.length() && format.charAt(i + 1) == '%') {
                literal.append('%');
                i += 2;
                continue;
            }
            int start = i++;
            int nameStart = i;
            while (i < format.length() && isNameChar(format.charAt(i))) {
                i++;
            }
            String name = format.substring(nameStart, i);
            String arg = null;
            if (i < format.length() && format.charAt(i) == '(') {
                int close = format.indexOf(')', i);
                if (close < 0) {
                    throw malformed(format, start, path, "no ')' closes the argument");
                }
                arg = format.substring(i + 1, close);
                i = close + 1;
            }
            int max = -1;
            if (i < format.length() && format.charAt(i) == ':') {
                int digits = ++i;
                while (i < format.length() && Character.isDigit(format.charAt(i))) {
                    i++;
                }
                if (i == digits || i - digits > 9) {
                    throw malformed(format, start, path, "':' must be followed by a length");
                }
                max = Integer.parseInt(format.substring(digits, i));
            }
            if (name.isEmpty() || i >= format.length() || format.charAt(i) != '%') {
                throw malformed(format, start, path,
                        "expected %NAME%, %NAME(arg)% or %NAME(arg):LENGTH% (a literal percent sign is %%)");
            }
            i++;
            if (!literal.isEmpty()) {
                parts.add(new Part(literal.toString(), null));
                literal.setLength(0);
            }
            Operator op = operator(name, arg, format.substring(start, i), path);
            parts.add(new Part(null, max >= 0 ? new Operator.Truncated(op, max) : op));
        }
        if (!literal.isEmpty()) {
            parts.add(new Part(literal.toString(), null));
        }
        return parts;
    }

    private static boolean isNameChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    private static ConfigException malformed(String format, int offset, String path, String what) {
        return new ConfigException(path, "malformed command operator at offset " + offset + " of \"" + format
                + "\": " + what);
    }

    /** The operator {@code name(arg)}; {@code token} is how it was written, for errors. */
    static Operator operator(String name, String arg, String token, String path) throws ConfigException {
        boolean takesArg = switch (name) {
            case "START_TIME", "REQ", "RESP", "REQ_WITHOUT_QUERY", "GRPC_STATUS", "COMMON_DURATION" -> true;
            default -> false;
        };
        if (arg != null && !takesArg) {
            throw new ConfigException(path, token + ": " + name + " takes no argument");
        }
        return switch (name) {
            case "START_TIME" -> new StartTime(StartTimeFormat.compile(arg == null ? "" : arg, token, path));
            case "REQ" -> header(true, arg, false, token, path);
            case "REQ_WITHOUT_QUERY" -> header(true, arg, true, token, path);
            case "RESP" -> header(false, arg, false, token, path);
            case "PROTOCOL" -> text(RequestInfo::protocol);
            case "RESPONSE_CODE" -> number(i -> i.status());
            case "RESPONSE_FLAGS" -> text(i -> i.error() == null ? "-" : i.error().code());
            case "RESPONSE_CODE_DETAILS" -> text(Operators::codeDetails);
            case "GRPC_STATUS" -> grpcStatus(arg == null ? "CAMEL_STRING" : arg, token, path);
            case "GRPC_STATUS_NUMBER" -> grpcStatus("NUMBER", token, path);
            case "BYTES_RECEIVED" -> number(RequestInfo::requestBodyBytes);
            case "BYTES_SENT" -> number(RequestInfo::responseBodyBytes);
            case "DURATION" -> duration(Point.DS_RX_BEG, Point.DS_TX_END, 1_000_000);
            case "REQUEST_DURATION" -> duration(Point.DS_RX_BEG, Point.DS_RX_END, 1_000_000);
            case "RESPONSE_DURATION" -> duration(Point.DS_RX_BEG, Point.US_RX_BEG, 1_000_000);
            case "RESPONSE_TX_DURATION" -> duration(Point.US_RX_BEG, Point.DS_TX_END, 1_000_000);
            case "COMMON_DURATION" -> commonDuration(arg, token, path);
            case "UPSTREAM_HOST" -> text(RequestInfo::upstreamHost);
            case "UPSTREAM_CLUSTER" -> text(RequestInfo::clusterName);
            case "ROUTE_NAME" -> text(RequestInfo::routeName);
            case "UPSTREAM_REQUEST_ATTEMPT_COUNT" -> number(RequestInfo::attempts);
            case "DOWNSTREAM_REMOTE_ADDRESS", "DOWNSTREAM_DIRECT_REMOTE_ADDRESS" -> text(i -> address(i.downstreamRemote(), true));
            case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT" ->
                    text(i -> address(i.downstreamRemote(), false));
            case "DOWNSTREAM_PEER_URI_SAN" -> text(RequestInfo::downstreamPeerPrincipal);
            case "UPSTREAM_PEER_URI_SAN" -> text(RequestInfo::upstreamPeerPrincipal);
            case "TRACE_ID" -> text(Operators::traceId);
            case "HOSTNAME" -> constant(hostname());
            case "LISTENER_NAME" -> text(RequestInfo::listenerName);
            case "TRAFFIC_DIRECTION" -> text(i -> i.direction() == null ? null : i.direction().name());
            case "RBAC_POLICY" -> text(i -> i.authorization() == null || !i.authorization().denied() ? null
                    : i.authorization().policy() != null ? i.authorization().policy() : i.authorization().filter());
            default -> throw new ConfigException(path, "unknown command operator " + token + " (Weft supports: "
                    + String.join(", ", NAMES) + ")");
        };
    }

    private static Operator.Text text(java.util.function.Function<RequestInfo, String> f) {
        return new Operator.Text() {
            @Override
            String value(RequestInfo info) {
                return f.apply(info);
            }
        };
    }

    private static Operator number(java.util.function.ToLongFunction<RequestInfo> f) {
        return new Operator.Numeric() {
            @Override
            long value(RequestInfo info) {
                return f.applyAsLong(info);
            }
        };
    }

    private static Operator constant(String value) {
        return new Operator.Text() {
            @Override
            String value(RequestInfo info) {
                return value;
            }
        };
    }

    private static String codeDetails(RequestInfo i) {
        WeftError e = i.error();
        if (e != null) {
            return e.code();
        }
        if (!i.completed()) {
            return "downstream_remote_disconnect";
        }
        return i.status() == 0 ? null : i.upstreamEndpoint() != null ? "via_upstream" : "local_reply";
    }

    // ---- headers

    /** {@code REQ(X?Y)}, {@code RESP(X?Y)}: header X, else Y; the pseudo-headers :method, :authority, :path. */
    private static Operator header(boolean request, String arg, boolean withoutQuery, String token, String path)
            throws ConfigException {
        if (arg == null || arg.isEmpty()) {
            throw new ConfigException(path, token + ": a header name is required, e.g. %REQ(:PATH)%");
        }
        String[] names = arg.split("\\?", -1);
        if (names.length > 2 || names[0].isEmpty() || (names.length == 2 && names[1].isEmpty())) {
            throw new ConfigException(path, token + ": expected HEADER or HEADER?ALTERNATIVE");
        }
        Operator.Text first = headerValue(request, names[0], token, path);
        Operator.Text second = names.length == 2 ? headerValue(request, names[1], token, path) : null;
        return new Operator.Text() {
            @Override
            String value(RequestInfo info) {
                String v = first.value(info);
                if (v == null && second != null) {
                    v = second.value(info);
                }
                if (v != null && withoutQuery) {
                    int q = v.indexOf('?');
                    return q < 0 ? v : v.substring(0, q);
                }
                return v;
            }
        };
    }

    private static Operator.Text headerValue(boolean request, String name, String token, String path)
            throws ConfigException {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith(":")) {
            java.util.function.Function<RequestInfo, String> pseudo = switch (request ? lower : "resp" + lower) {
                case ":method" -> RequestInfo::method;
                case ":authority" -> RequestInfo::authority;
                case ":path" -> RequestInfo::path;
                case "resp:status" -> i -> i.status() == 0 ? null : Integer.toString(i.status());
                default -> throw new ConfigException(path, token + ": pseudo-header " + name + " is not supported"
                        + (request ? " (supported: :method, :authority, :path)" : " (supported: :status)"));
            };
            return text(pseudo);
        }
        AsciiString header = AsciiString.cached(lower);
        return new Operator.Text() {
            @Override
            String value(RequestInfo info) {
                HttpHeaders h = request ? info.requestHeaders() : info.responseHeaders();
                return h == null ? null : h.get(header);
            }
        };
    }

    /** The trace id the request went upstream with: W3C traceparent, B3 single header, else x-b3-traceid. */
    static String traceId(RequestInfo info) {
        HttpHeaders h = info.requestHeaders();
        if (h == null) {
            return null;
        }
        String tp = h.get(TRACEPARENT);
        // version "-" 32 hex "-" ...: the id is what lies between the first two dashes
        if (tp != null && tp.length() > 35 && tp.charAt(2) == '-' && tp.charAt(35) == '-') {
            return tp.substring(3, 35);
        }
        String b3 = h.get(B3);
        if (b3 != null) {
            int dash = b3.indexOf('-');
            if (dash > 0) {
                return b3.substring(0, dash);
            }
        }
        return h.get(B3_TRACE_ID);
    }

    // ---- addresses

    private static String address(SocketAddress a, boolean withPort) {
        if (withPort) {
            return RequestInfo.ipAndPort(a);
        }
        if (!(a instanceof InetSocketAddress isa) || isa.getAddress() == null) {
            return a == null ? null : a.toString();
        }
        return isa.getAddress().getHostAddress();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    // ---- gRPC status

    private static final String[] GRPC_CAMEL = {"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded",
            "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
            "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"};
    private static final String[] GRPC_SNAKE = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
            "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
            "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};

    private static Operator grpcStatus(String style, String token, String path) throws ConfigException {
        return switch (style) {
            case "NUMBER" -> number(i -> {
                int code = grpcCode(i.grpcStatus());
                return code < 0 ? Operator.Numeric.NONE : code;
            });
            case "CAMEL_STRING", "SNAKE_STRING" -> {
                String[] names = style.equals("CAMEL_STRING") ? GRPC_CAMEL : GRPC_SNAKE;
                yield text(i -> {
                    String raw = i.grpcStatus();
                    int code = grpcCode(raw);
                    return code < 0 ? raw : code < names.length ? names[code] : raw;
                });
            }
            default -> throw new ConfigException(path, token + ": expected CAMEL_STRING, SNAKE_STRING or NUMBER");
        };
    }

    private static int grpcCode(String raw) {
        if (raw == null || raw.isEmpty() || raw.length() > 9) {
            return -1;
        }
        int v = 0;
        for (int k = 0; k < raw.length(); k++) {
            char c = raw.charAt(k);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    // ---- durations

    /** The points of an exchange's life that COMMON_DURATION measures between (Envoy's names). */
    enum Point {
        /** first byte of the request received downstream */
        DS_RX_BEG,
        /** last byte of the request received downstream */
        DS_RX_END,
        /** first byte sent upstream (the first attempt's stream is ready) */
        US_TX_BEG,
        /** first byte of the response received from upstream */
        US_RX_BEG,
        /** first byte of the response sent downstream */
        DS_TX_BEG,
        /** last byte of the response sent downstream */
        DS_TX_END;

        long nanos(RequestInfo i) {
            return switch (this) {
                case DS_RX_BEG -> i.startNanos();
                case DS_RX_END -> i.requestEndNanos();
                case US_TX_BEG -> i.upstreamStartNanos();
                case US_RX_BEG -> i.upstreamFirstByteNanos();
                case DS_TX_BEG -> i.responseFirstByteNanos();
                case DS_TX_END -> i.endNanos();
            };
        }
    }

    private static Operator duration(Point from, Point to, long divisor) {
        return new Operator.Numeric() {
            @Override
            long value(RequestInfo info) {
                long a = from.nanos(info);
                long b = to.nanos(info);
                if (a == 0 || b == 0 || b < a) {
                    return NONE;
                }
                return (b - a) / divisor;
            }
        };
    }

    /** {@code COMMON_DURATION(START:END:PRECISION)}, PRECISION ms, us or ns. */
    private static Operator commonDuration(String arg, String token, String path) throws ConfigException {
        String[] p = arg == null ? new String[0] : arg.split(":", -1);
        if (p.length != 3) {
            throw new ConfigException(path, token + ": expected COMMON_DURATION(START:END:PRECISION)");
        }
        Point from = point(p[0], token, path);
        Point to = point(p[1], token, path);
        long divisor = switch (p[2]) {
            case "ms" -> 1_000_000;
            case "us" -> 1_000;
            case "ns" -> 1;
            default -> throw new ConfigException(path, token + ": precision " + p[2] + " is not one of ms, us, ns");
        };
        return duration(from, to, divisor);
    }

    private static Point point(String name, String token, String path) throws ConfigException {
        try {
            return Point.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path, token + ": " + name + " is not a point Weft records (supported: "
                    + java.util.Arrays.toString(Point.values()) + ")");
        }
    }

    /** {@code %START_TIME%}. */
    private static final class StartTime extends Operator {
        private final StartTimeFormat format;

        StartTime(StartTimeFormat format) {
            this.format = format;
        }

        @Override
        boolean append(RequestInfo info, StringBuilder out) {
            format.append(info.startEpochMicros(), out);
            return true;
        }
    }
}
