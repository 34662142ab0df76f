package dev.weft.proxy.accesslog;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.SupportedFields;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The access logs of one http_connection_manager ({@code access_log}), compiled: each a destination and a
 * {@link LogFormat}. Built with the rest of the config (a bad format or path fails the config with its field
 * path); bound to the proxy's {@link AccessLogWriter} when a listener context is made. Immutable.
 */
public final class AccessLogs {
    /** Extension name of the file access logger. */
    public static final String FILE = "envoy.access_loggers.file";
    /** Extension name of the standard output access logger. */
    public static final String STDOUT = "envoy.access_loggers.stdout";
    /** No access log: the common case, shared. */
    public static final AccessLogs NONE = new AccessLogs(List.of());

    /**
     * One access log: where its lines go ({@link AccessLogWriter#STDOUT} or a file path), how they read, and which
     * exchanges get one.
     */
    public record Spec(String target, LogFormat format, LogFilter filter) {
        public Spec(String target, LogFormat format) {
            this(target, format, LogFilter.ALL);
        }
    }

    private final List<Spec> specs;

    private AccessLogs(List<Spec> specs) {
        this.specs = List.copyOf(specs);
    }

    public List<Spec> specs() {
        return specs;
    }

    public boolean isEmpty() {
        return specs.isEmpty();
    }

    /**
     * Compiles {@code hcm.access_log}. {@code unpack} decodes a typed_config (the config package's checked
     * unpacking, so an unsupported field inside it is named by its path).
     */
    public static AccessLogs compile(HttpConnectionManager hcm, String path, Unpacker unpack) throws ConfigException {
        if (hcm.getAccessLogCount() == 0) {
            return NONE;
        }
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < hcm.getAccessLogCount(); i++) {
            AccessLog log = hcm.getAccessLog(i);
            String logPath = path + ".access_log[" + i + "]";
            String configPath = logPath + ".typed_config";
            String type = log.hasTypedConfig() ? typeName(log.getTypedConfig().getTypeUrl()) : "";
            LogFilter filter = log.hasFilter() ? LogFilter.compile(log.getFilter(), logPath + ".filter") : LogFilter.ALL;
            if (type.equals(FileAccessLog.getDescriptor().getFullName())) {
                FileAccessLog f = (FileAccessLog) unpack.unpack(log.getTypedConfig(), FileAccessLog.getDefaultInstance(),
                        configPath);
                specs.add(new Spec(filePath(f.getPath(), configPath + ".path"),
                        format(f.hasLogFormat(), f.getLogFormat(), configPath + ".log_format"), filter));
            } else if (type.equals(StdoutAccessLog.getDescriptor().getFullName())) {
                StdoutAccessLog s = (StdoutAccessLog) unpack.unpack(log.getTypedConfig(),
                        StdoutAccessLog.getDefaultInstance(), configPath);
                specs.add(new Spec(AccessLogWriter.STDOUT,
                        format(s.hasLogFormat(), s.getLogFormat(), configPath + ".log_format"), filter));
            } else if (type.isEmpty()) {
                throw new ConfigException(configPath, "is required (" + FileAccessLog.getDescriptor().getFullName()
                        + " or " + StdoutAccessLog.getDescriptor().getFullName() + ")");
            } else {
                throw new ConfigException(configPath, log.getTypedConfig().getTypeUrl()
                        + " is not supported by Weft (supported: " + FILE + ", " + STDOUT + ")");
            }
        }
        return new AccessLogs(specs);
    }

    private static String typeName(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    private static LogFormat format(boolean present, SubstitutionFormatString f, String path) throws ConfigException {
        return present ? LogFormat.compile(f, path) : LogFormat.DEFAULT;
    }

    /** A file's directory must exist when the config is accepted: a typo is found then, not at the first line. */
    private static String filePath(String file, String path) throws ConfigException {
        if (file.isEmpty()) {
            throw new ConfigException(path, "is required");
        }
        if (file.equals(AccessLogWriter.STDOUT)) {
            return file;
        }
        Path p;
        try {
            p = Path.of(file).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw new ConfigException(path, "\"" + file + "\" is not a valid path: " + e.getReason());
        }
        Path dir = p.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new ConfigException(path, "the directory of \"" + file + "\" does not exist");
        }
        if (Files.isDirectory(p)) {
            throw new ConfigException(path, "\"" + file + "\" is a directory");
        }
        return p.toString();
    }

    /** Decodes a typed_config into {@code prototype}'s type, checking it against the supported subset. */
    @FunctionalInterface
    public interface Unpacker {
        com.google.protobuf.Message unpack(com.google.protobuf.Any any, com.google.protobuf.Message prototype, String path)
                throws ConfigException;
    }

    /** Registers the access log fields Weft implements (docs/envoy-compat.md). */
    public static void registerFields(SupportedFields fields) {
        fields.allow(HttpConnectionManager.getDescriptor(), "access_log")
                .allow(AccessLog.getDescriptor(), "name", "typed_config", "filter")
                .allow(io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter.getDescriptor(), "status_code_filter",
                        "duration_filter", "not_health_check_filter", "and_filter", "or_filter", "grpc_status_filter")
                .allow(io.envoyproxy.envoy.config.accesslog.v3.StatusCodeFilter.getDescriptor(), "comparison")
                .allow(io.envoyproxy.envoy.config.accesslog.v3.DurationFilter.getDescriptor(), "comparison")
                .allow(io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter.getDescriptor(), "op", "value")
                .allow(io.envoyproxy.envoy.config.core.v3.RuntimeUInt32.getDescriptor(), "default_value", "runtime_key")
                .allow(io.envoyproxy.envoy.config.accesslog.v3.NotHealthCheckFilter.getDescriptor())
                .allow(io.envoyproxy.envoy.config.accesslog.v3.AndFilter.getDescriptor(), "filters")
                .allow(io.envoyproxy.envoy.config.accesslog.v3.OrFilter.getDescriptor(), "filters")
                .allow(io.envoyproxy.envoy.config.accesslog.v3.GrpcStatusFilter.getDescriptor(), "statuses", "exclude")
                .allow(FileAccessLog.getDescriptor(), "path", "log_format")
                .allow(StdoutAccessLog.getDescriptor(), "log_format")
                .allow(SubstitutionFormatString.getDescriptor(), "json_format", "text_format", "text_format_source",
                        "omit_empty_values");
    }
}
