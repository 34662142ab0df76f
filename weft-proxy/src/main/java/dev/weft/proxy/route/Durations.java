package dev.weft.proxy.route;

import com.google.protobuf.Duration;
import dev.weft.proxy.config.ConfigException;

/** Reads google.protobuf.Duration fields as Envoy does: whole milliseconds, truncated. */
final class Durations {
    private Durations() {
    }

    /** {@code d} in milliseconds; {@code path} names the field for errors. */
    static long millis(Duration d, String path) throws ConfigException {
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            throw new ConfigException(path, "must not be negative");
        }
        if (d.getSeconds() > Long.MAX_VALUE / 1000 - 1) {
            throw new ConfigException(path, "too large");
        }
        return d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
    }
}
