package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.api.policy.AccessLog;
import dev.weft.api.policy.AccessLogField;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;

/**
 * MeshConfig {@code spec.telemetry.accessLog} as Envoy {@code access_log} on every HTTP connection manager of a
 * sidecar's listeners (applied by {@link TelemetryTranslator}): one JSON line per request (the fields' Envoy
 * command operators under their keys), to the proxy's standard output ({@code envoy.access_loggers.stdout}) or a
 * file ({@code envoy.access_loggers.file}).
 */
final class AccessLogTranslator {
    static final String FILE = "envoy.access_loggers.file";
    static final String STDOUT = "envoy.access_loggers.stdout";

    /** No access log: listeners pass through unchanged. */
    static final AccessLogTranslator NONE = new AccessLogTranslator(null);

    private final io.envoyproxy.envoy.config.accesslog.v3.AccessLog entry;

    private AccessLogTranslator(io.envoyproxy.envoy.config.accesslog.v3.AccessLog entry) {
        this.entry = entry;
    }

    /** The translator of {@code config} (null or disabled: {@link #NONE}). */
    static AccessLogTranslator of(AccessLog config) {
        if (config == null || !config.enabled()) {
            return NONE;
        }
        Struct.Builder fields = Struct.newBuilder();
        for (AccessLogField f : config.effectiveFields()) {
            fields.putFields(f.key(), Value.newBuilder().setStringValue(f.operator()).build());
        }
        SubstitutionFormatString format = SubstitutionFormatString.newBuilder().setJsonFormat(fields).build();
        io.envoyproxy.envoy.config.accesslog.v3.AccessLog.Builder entry =
                io.envoyproxy.envoy.config.accesslog.v3.AccessLog.newBuilder();
        if (config.toStdout()) {
            entry.setName(STDOUT).setTypedConfig(Any.pack(StdoutAccessLog.newBuilder().setLogFormat(format).build()));
        } else {
            entry.setName(FILE).setTypedConfig(Any.pack(FileAccessLog.newBuilder().setPath(config.path())
                    .setLogFormat(format).build()));
        }
        return new AccessLogTranslator(entry.build());
    }

    /** Adds the access log to a sidecar listener's connection manager. */
    HttpConnectionManager.Builder apply(HttpConnectionManager.Builder hcm) {
        if (entry != null) {
            hcm.addAccessLog(entry);
        }
        return hcm;
    }
}
