package dev.weft.api.policy;

import java.util.List;
import java.util.Objects;

/**
 * {@code MeshConfig.spec.telemetry.accessLog}: one JSON line per request, written by every sidecar to its
 * standard output ({@value #STDOUT}) or to a file at an absolute path.
 *
 * @param fields the keys of each line, in order; empty means {@link AccessLogField#DEFAULTS}
 */
public record AccessLog(boolean enabled, String path, List<AccessLogField> fields) {

    /** The {@code path} that means the proxy's standard output. */
    public static final String STDOUT = "stdout";

    public AccessLog {
        path = path == null ? STDOUT : path;
        fields = fields == null ? List.of() : List.copyOf(fields);
    }

    /** The fields each line has: the configured ones, or the defaults. */
    public List<AccessLogField> effectiveFields() {
        return fields.isEmpty() ? AccessLogField.DEFAULTS : fields;
    }

    public boolean toStdout() {
        return Objects.equals(path, STDOUT);
    }
}
