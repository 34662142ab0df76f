package dev.weft.proxy.tls;

import dev.weft.proxy.config.ConfigException;
import io.netty.handler.ssl.SslContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TLS contexts by what they were built from. Every xDS update rebuilds every listener and cluster of the snapshot;
 * a context whose secrets are resolved at each handshake depends only on its config, so an unchanged config gets
 * the same context back instead of a new OpenSSL context per cluster per update. Bounded, least recently used
 * first out. Thread-safe.
 */
public final class ContextCache {
    private static final int MAX_ENTRIES = 512;

    /** Builds a context on a miss. */
    @FunctionalInterface
    public interface Builder {
        SslContext build() throws ConfigException;
    }

    private final Map<Object, SslContext> contexts = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, SslContext> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    /** The context cached under {@code key} (which must have value equality), built by {@code builder} if absent. */
    public SslContext get(Object key, Builder builder) throws ConfigException {
        synchronized (contexts) {
            SslContext c = contexts.get(key);
            if (c != null) {
                return c;
            }
        }
        SslContext built = builder.build();
        synchronized (contexts) {
            SslContext raced = contexts.putIfAbsent(key, built);
            return raced != null ? raced : built;
        }
    }

    /** How many contexts are cached. */
    public int size() {
        synchronized (contexts) {
            return contexts.size();
        }
    }
}
