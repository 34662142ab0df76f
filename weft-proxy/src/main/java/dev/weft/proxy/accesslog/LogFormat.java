package dev.weft.proxy.accesslog;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.observe.RequestInfo;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled access log format (Envoy's {@code SubstitutionFormatString}): JSON lines ({@code json_format}, also
 * the default) or a text template ({@code text_format_source}, {@code text_format}). {@link #format} runs on the
 * exchange's event loop: it walks the compiled parts into a per-thread buffer, with no parsing and no lookup by
 * name. Immutable and shared.
 */
public final class LogFormat {
    /**
     * The default fields, when an access log names no format: what happened (method, authority, path, status,
     * the x-weft-error code), where it went (route, cluster, upstream host, attempts), how big and how long
     * (bytes both ways; total time, time to the upstream's first byte, time the upstream took, time to the first
     * byte sent back), and who (trace id, request id, the caller's address and SPIFFE ID, the listener and its
     * direction).
     */
    public static final Map<String, String> DEFAULT_FIELDS = defaultFields();

    private static Map<String, String> defaultFields() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("start_time", "%START_TIME%");
        m.put("method", "%REQ(:METHOD)%");
        m.put("authority", "%REQ(:AUTHORITY)%");
        m.put("path", "%REQ(:PATH)%");
        m.put("protocol", "%PROTOCOL%");
        m.put("response_code", "%RESPONSE_CODE%");
        m.put("response_flags", "%RESPONSE_FLAGS%");
        m.put("response_code_details", "%RESPONSE_CODE_DETAILS%");
        m.put("grpc_status", "%GRPC_STATUS%");
        m.put("route_name", "%ROUTE_NAME%");
        m.put("upstream_cluster", "%UPSTREAM_CLUSTER%");
        m.put("upstream_host", "%UPSTREAM_HOST%");
        m.put("upstream_attempts", "%UPSTREAM_REQUEST_ATTEMPT_COUNT%");
        m.put("bytes_received", "%BYTES_RECEIVED%");
        m.put("bytes_sent", "%BYTES_SENT%");
        m.put("duration", "%DURATION%");
        m.put("request_duration", "%REQUEST_DURATION%");
        m.put("upstream_duration", "%COMMON_DURATION(US_TX_BEG:DS_TX_END:ms)%");
        m.put("response_duration", "%RESPONSE_DURATION%");
        m.put("time_to_first_byte", "%COMMON_DURATION(DS_RX_BEG:DS_TX_BEG:ms)%");
        m.put("trace_id", "%TRACE_ID%");
        m.put("request_id", "%REQ(X-REQUEST-ID)%");
        m.put("user_agent", "%REQ(USER-AGENT)%");
        m.put("downstream_remote_address", "%DOWNSTREAM_REMOTE_ADDRESS%");
        m.put("downstream_peer_uri_san", "%DOWNSTREAM_PEER_URI_SAN%");
        m.put("upstream_peer_uri_san", "%UPSTREAM_PEER_URI_SAN%");
        m.put("listener", "%LISTENER_NAME%");
        m.put("direction", "%TRAFFIC_DIRECTION%");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The default format: {@link #DEFAULT_FIELDS} as JSON lines. */
    public static final LogFormat DEFAULT;

    static {
        try {
            Map<String, Node> fields = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : DEFAULT_FIELDS.entrySet()) {
                fields.put(e.getKey(), template(Operators.parse(e.getValue(), "default." + e.getKey())));
            }
            DEFAULT = new LogFormat(null, new ObjectNode(fields), false);
        } catch (ConfigException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final io.netty.util.concurrent.FastThreadLocal<StringBuilder[]> BUFFERS =
            new io.netty.util.concurrent.FastThreadLocal<>() {
                @Override
                protected StringBuilder[] initialValue() {
                    return new StringBuilder[] {new StringBuilder(512), new StringBuilder(128)};
                }
            };

    /** The text template's parts, null for JSON. */
    private final Operators.Part[] text;
    /** The JSON object, null for text. */
    private final ObjectNode json;
    private final boolean omitEmpty;

    private LogFormat(List<Operators.Part> text, ObjectNode json, boolean omitEmpty) {
        this.text = text == null ? null : text.toArray(new Operators.Part[0]);
        this.json = json;
        this.omitEmpty = omitEmpty;
    }

    /**
     * Compiles {@code f}, whose field path is {@code path}.
     *
     * @throws ConfigException naming the field (for JSON, the key) and the operator that is wrong
     */
    public static LogFormat compile(SubstitutionFormatString f, String path) throws ConfigException {
        boolean omit = f.getOmitEmptyValues();
        return switch (f.getFormatCase()) {
            case JSON_FORMAT -> new LogFormat(null, object(f.getJsonFormat(), path + ".json_format"), omit);
            case TEXT_FORMAT -> new LogFormat(Operators.parse(f.getTextFormat(), path + ".text_format"), null, omit);
            case TEXT_FORMAT_SOURCE -> {
                if (!f.getTextFormatSource().hasInlineString()) {
                    throw new ConfigException(path + ".text_format_source", "only inline_string is supported");
                }
                yield new LogFormat(Operators.parse(f.getTextFormatSource().getInlineString(),
                        path + ".text_format_source.inline_string"), null, omit);
            }
            default -> throw new ConfigException(path, "one of json_format, text_format_source is required");
        };
    }

    /** Whether this format writes JSON lines. */
    public boolean isJson() {
        return json != null;
    }

    /**
     * The line for one finished exchange. JSON: one object and a newline. Text: the template as written (as in
     * Envoy, a text format ends its line with its own {@code \n}).
     */
    public String format(RequestInfo info) {
        StringBuilder[] buffers = BUFFERS.get();
        StringBuilder out = buffers[0];
        out.setLength(0);
        if (json != null) {
            json.write(info, out, buffers[1], omitEmpty);
            out.append('\n');
        } else {
            for (Operators.Part p : text) {
                if (p.literal() != null) {
                    out.append(p.literal());
                } else if (!p.operator().append(info, out) && !omitEmpty) {
                    out.append('-');
                }
            }
        }
        String line = out.toString();
        // one huge header must not keep a big buffer on every event loop
        if (out.capacity() > 16 * 1024) {
            buffers[0] = new StringBuilder(512);
        }
        if (buffers[1].capacity() > 16 * 1024) {
            buffers[1] = new StringBuilder(128);
        }
        return line;
    }

    // ---- JSON

    private static ObjectNode object(Struct s, String path) throws ConfigException {
        if (s.getFieldsCount() == 0) {
            throw new ConfigException(path, "must have at least one field");
        }
        Map<String, Node> fields = new LinkedHashMap<>();
        for (Map.Entry<String, Value> e : s.getFieldsMap().entrySet()) {
            fields.put(e.getKey(), node(e.getValue(), path + "." + e.getKey()));
        }
        return new ObjectNode(fields);
    }

    private static Node node(Value v, String path) throws ConfigException {
        return switch (v.getKindCase()) {
            case STRING_VALUE -> template(Operators.parse(v.getStringValue(), path));
            case STRUCT_VALUE -> object(v.getStructValue(), path);
            case NUMBER_VALUE -> new Constant(jsonNumber(v.getNumberValue()));
            case BOOL_VALUE -> new Constant(Boolean.toString(v.getBoolValue()));
            case NULL_VALUE -> new Constant("null");
            case LIST_VALUE -> throw new ConfigException(path, "a list is not supported in json_format (Envoy's neither)");
            default -> throw new ConfigException(path, "has no value");
        };
    }

    private static String jsonNumber(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static Node template(List<Operators.Part> parts) {
        if (parts.size() == 1 && parts.get(0).operator() != null) {
            return new Single(parts.get(0).operator());
        }
        if (parts.stream().allMatch(p -> p.literal() != null)) {
            StringBuilder sb = new StringBuilder("\"");
            escape(parts.stream().map(Operators.Part::literal).reduce("", String::concat), 0, sb);
            return new Constant(sb.append('"').toString());
        }
        return new Mixed(parts.toArray(new Operators.Part[0]));
    }

    /** One JSON value of the format. */
    private abstract static class Node {
        /** Writes the value; false (writing nothing) when it is empty and empty values are omitted. */
        abstract boolean write(RequestInfo info, StringBuilder out, StringBuilder scratch, boolean omitEmpty);
    }

    private static final class Constant extends Node {
        private final String json;

        Constant(String json) {
            this.json = json;
        }

        @Override
        boolean write(RequestInfo info, StringBuilder out, StringBuilder scratch, boolean omitEmpty) {
            out.append(json);
            return true;
        }
    }

    /** A value that is one operator: a number stays a number, a missing value is null. */
    private static final class Single extends Node {
        private final Operator op;

        Single(Operator op) {
            this.op = op;
        }

        @Override
        boolean write(RequestInfo info, StringBuilder out, StringBuilder scratch, boolean omitEmpty) {
            if (op.numeric()) {
                int start = out.length();
                if (op.append(info, out)) {
                    return true;
                }
                out.setLength(start);
            } else {
                scratch.setLength(0);
                if (op.append(info, scratch)) {
                    out.append('"');
                    escape(scratch, 0, out);
                    out.append('"');
                    return true;
                }
            }
            if (omitEmpty) {
                return false;
            }
            out.append("null");
            return true;
        }
    }

    /** A string of literals and operators; a missing value is "-" in it, as in a text format. */
    private static final class Mixed extends Node {
        private final Operators.Part[] parts;

        Mixed(Operators.Part[] parts) {
            this.parts = parts;
        }

        @Override
        boolean write(RequestInfo info, StringBuilder out, StringBuilder scratch, boolean omitEmpty) {
            scratch.setLength(0);
            for (Operators.Part p : parts) {
                if (p.literal() != null) {
                    scratch.append(p.literal());
                } else if (!p.operator().append(info, scratch) && !omitEmpty) {
                    scratch.append('-');
                }
            }
            out.append('"');
            escape(scratch, 0, out);
            out.append('"');
            return true;
        }
    }

    private static final class ObjectNode extends Node {
        private final String[] keys;
        private final Node[] values;

        ObjectNode(Map<String, Node> fields) {
            List<String> k = new ArrayList<>();
            for (String key : fields.keySet()) {
                StringBuilder sb = new StringBuilder("\"");
                escape(key, 0, sb);
                k.add(sb.append("\":").toString());
            }
            this.keys = k.toArray(new String[0]);
            this.values = fields.values().toArray(new Node[0]);
        }

        @Override
        boolean write(RequestInfo info, StringBuilder out, StringBuilder scratch, boolean omitEmpty) {
            out.append('{');
            boolean first = true;
            for (int i = 0; i < keys.length; i++) {
                int mark = out.length();
                if (!first) {
                    out.append(',');
                }
                out.append(keys[i]);
                if (values[i].write(info, out, scratch, omitEmpty)) {
                    first = false;
                } else {
                    out.setLength(mark);
                }
            }
            out.append('}');
            return true;
        }
    }

    /** JSON string escaping (RFC 8259): quote, backslash and control characters. */
    static void escape(CharSequence s, int from, StringBuilder out) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00");
                        out.append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }
}
