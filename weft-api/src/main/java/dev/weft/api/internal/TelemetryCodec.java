package dev.weft.api.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.policy.AccessLog;
import dev.weft.api.policy.AccessLogField;
import dev.weft.api.policy.CollectorEndpoint;
import dev.weft.api.policy.Telemetry;
import dev.weft.api.policy.Tracing;
import dev.weft.api.policy.TracingProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Reads and writes {@code MeshConfig.spec.telemetry} (tracing and access log). */
final class TelemetryCodec {

    private static final String[] PROVIDERS = Arrays.stream(TracingProvider.values()).map(TracingProvider::field)
            .toArray(String[]::new);

    private TelemetryCodec() {
    }

    static Telemetry read(FieldReader spec, String field) {
        FieldReader t = spec.object(field, "tracing", "accessLog");
        if (t == null) {
            return Telemetry.NONE;
        }
        return new Telemetry(tracing(t), accessLog(t));
    }

    private static Tracing tracing(FieldReader t) {
        List<String> fields = new ArrayList<>(List.of(PROVIDERS));
        fields.add(0, "samplingPercent");
        FieldReader r = t.object("tracing", fields.toArray(String[]::new));
        if (r == null) {
            return null;
        }
        Double percent = r.number("samplingPercent", 0, 100);
        TracingProvider provider = null;
        CollectorEndpoint endpoint = null;
        for (TracingProvider candidate : TracingProvider.values()) {
            FieldReader p = r.object(candidate.field(), "endpoint");
            if (p == null) {
                continue;
            }
            if (provider != null) {
                r.error(candidate.field(), "only one provider may be set, " + provider.field() + " is set too");
                continue;
            }
            provider = candidate;
            String url = p.requiredString("endpoint");
            if (url != null) {
                endpoint = endpoint(p, "endpoint", url, candidate);
            }
        }
        if (provider == null && Arrays.stream(PROVIDERS).noneMatch(r::has)) {
            r.error("needs a provider: one of " + String.join(", ", PROVIDERS));
        }
        if (provider == null || endpoint == null) {
            return null;
        }
        return new Tracing(percent == null ? Tracing.DEFAULT_SAMPLING_PERCENT : percent, provider, endpoint);
    }

    /** {@code http://host[:port][/path]}; anything else is reported at {@code field}. */
    static CollectorEndpoint endpoint(FieldReader r, String field, String url, TracingProvider provider) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            r.error(field, "must be a URL such as http://127.0.0.1:9411" + provider.defaultPath() + ": "
                    + e.getReason() + " at index " + e.getIndex() + " of \"" + url + "\"");
            return null;
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            r.error(field, "must be an http:// URL (collectors are reached in plaintext), got \"" + url + "\"");
            return null;
        }
        String host = uri.getHost();
        if (host == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            r.error(field, "must be http://host[:port][/path] with no user, query or fragment, got \"" + url + "\"");
            return null;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String problem = Formats.address(host);
        if (problem != null) {
            r.error(field, "host " + problem);
            return null;
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? provider.defaultPath() : uri.getRawPath();
        return new CollectorEndpoint(host, uri.getPort() < 0 ? 80 : uri.getPort(), path);
    }

    private static AccessLog accessLog(FieldReader t) {
        FieldReader r = t.object("accessLog", "enabled", "path", "fields");
        if (r == null) {
            return null;
        }
        Boolean enabled = r.bool("enabled");
        String path = r.string("path");
        if (path != null && !path.equals(AccessLog.STDOUT) && (!path.startsWith("/") || path.contains("\0"))) {
            r.error("path", "must be \"" + AccessLog.STDOUT + "\" or an absolute file path, got \"" + path + "\"");
            path = null;
        }
        String known = String.join(", ", Arrays.stream(AccessLogField.values()).map(AccessLogField::key).toList());
        List<String> names = r.strings("fields", AccessLogField.values().length * 2, name ->
                field(name) == null ? "unknown access log field \"" + name + "\"; expected one of: " + known : null);
        List<AccessLogField> fields = new ArrayList<>();
        Set<AccessLogField> seen = EnumSet.noneOf(AccessLogField.class);
        for (int i = 0; i < names.size(); i++) {
            AccessLogField f = field(names.get(i));
            if (!seen.add(f)) {
                r.problems().add(Paths.index(r.path("fields"), i), "duplicate field \"" + f.key() + "\"");
            } else {
                fields.add(f);
            }
        }
        return new AccessLog(enabled == null || enabled, path, fields);
    }

    private static AccessLogField field(String key) {
        for (AccessLogField f : AccessLogField.values()) {
            if (f.key().equals(key)) {
                return f;
            }
        }
        return null;
    }

    static void write(ObjectNode spec, Telemetry telemetry) {
        if (telemetry.equals(Telemetry.NONE)) {
            return;
        }
        ObjectNode node = spec.putObject("telemetry");
        Tracing tracing = telemetry.tracing();
        if (tracing != null) {
            ObjectNode t = node.putObject("tracing");
            t.put("samplingPercent", tracing.samplingPercent());
            t.putObject(tracing.provider().field()).put("endpoint", tracing.endpoint().url());
        }
        AccessLog log = telemetry.accessLog();
        if (log != null) {
            ObjectNode a = node.putObject("accessLog");
            a.put("enabled", log.enabled());
            a.put("path", log.path());
            if (!log.fields().isEmpty()) {
                ArrayNode fields = a.putArray("fields");
                log.fields().forEach(f -> fields.add(f.key()));
            }
        }
    }
}
