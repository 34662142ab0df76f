package dev.weft.proxy.config;

/**
 * A configuration that Weft cannot run: the message names where (a field path such as
 * {@code static_resources.clusters[2].lb_policy}) and what was wrong.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String path;
    private final String reason;

    public ConfigException(String path, String reason) {
        super(path == null || path.isEmpty() ? reason : path + ": " + reason);
        this.path = path == null ? "" : path;
        this.reason = reason;
    }

    public ConfigException(String path, String reason, Throwable cause) {
        this(path, reason);
        initCause(cause);
    }

    /** The field path of the offending value, empty for the document as a whole. */
    public String path() {
        return path;
    }

    /** What was wrong, without the path. */
    public String reason() {
        return reason;
    }

    /** The same error with {@code prefix} put in front of its path. */
    public ConfigException under(String prefix) {
        String p = path.isEmpty() ? prefix : (path.startsWith("[") ? prefix + path : prefix + "." + path);
        return new ConfigException(p, reason, getCause());
    }
}
