package dev.weft.proxy.route;

import dev.weft.proxy.config.ConfigException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Virtual hosts by domain, looked up in Envoy's order: exact, then the longest suffix wildcard
 * ({@code *.foo.com}, {@code *-bar.foo.com}), then the longest prefix wildcard ({@code foo.*}),
 * then {@code *}. Wildcards never match the empty string. Lookups are hash-map probes, one per
 * distinct wildcard length, so cost does not grow with the number of virtual hosts.
 *
 * <p>An authority with a port is tried at each step first as given ({@code host:port}) and then
 * without the port, so {@code foo.com} serves {@code foo.com:8080} while a domain spelling the
 * port out still wins.
 */
final class DomainIndex<V> {
    private final Map<String, V> exact;
    /** Wildcard suffixes ("*.foo.com" stored as ".foo.com"), by length, longest first. */
    private final int[] suffixLengths;
    private final Map<String, V> suffixes;
    private final int[] prefixLengths;
    private final Map<String, V> prefixes;
    private final V fallback;
    private final boolean ignorePort;
    /** Only a "*" domain (or none): every authority gets the fallback. */
    private final boolean onlyFallback;

    private DomainIndex(Builder<V> b) {
        this.exact = Map.copyOf(b.exact);
        this.suffixes = Map.copyOf(b.suffixes);
        this.prefixes = Map.copyOf(b.prefixes);
        this.suffixLengths = lengthsDescending(b.suffixes);
        this.prefixLengths = lengthsDescending(b.prefixes);
        this.fallback = b.fallback;
        this.ignorePort = b.ignorePort;
        this.onlyFallback = exact.isEmpty() && suffixes.isEmpty() && prefixes.isEmpty();
    }

    private static int[] lengthsDescending(Map<String, ?> m) {
        TreeSet<Integer> s = new TreeSet<>();
        for (String k : m.keySet()) {
            s.add(k.length());
        }
        return s.descendingSet().stream().mapToInt(Integer::intValue).toArray();
    }

    /** The value for {@code authority} (a Host header value, possibly with a port), or null. */
    V find(String authority) {
        if (authority == null || authority.isEmpty() || onlyFallback) {
            // a single "*" virtual host (the common static config) needs no look at the authority
            return fallback;
        }
        String full = lowerCase(authority);
        String host = stripPort(full);
        if (ignorePort) {
            full = host;
        }
        boolean hasPort = host != full;
        V v = exact.get(full);
        if (v == null && hasPort) {
            v = exact.get(host);
        }
        if (v == null && suffixLengths.length > 0) {
            v = suffix(full);
            if (v == null && hasPort) {
                v = suffix(host);
            }
        }
        if (v == null && prefixLengths.length > 0) {
            v = prefix(full);
            if (v == null && hasPort) {
                v = prefix(host);
            }
        }
        return v != null ? v : fallback;
    }

    private V suffix(String host) {
        for (int len : suffixLengths) {
            if (len < host.length()) {
                V v = suffixes.get(host.substring(host.length() - len));
                if (v != null) {
                    return v;
                }
            }
        }
        return null;
    }

    private V prefix(String host) {
        for (int len : prefixLengths) {
            if (len < host.length()) {
                V v = prefixes.get(host.substring(0, len));
                if (v != null) {
                    return v;
                }
            }
        }
        return null;
    }

    private static String lowerCase(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return s.toLowerCase(Locale.ROOT);
            }
        }
        return s;
    }

    /** {@code host} without a trailing ":port" (IPv6 literals keep their brackets); the same instance when there is none. */
    static String stripPort(String host) {
        int colon = host.lastIndexOf(':');
        if (colon < 0 || colon == host.length() - 1) {
            return host;
        }
        if (host.charAt(0) == '[') {
            if (host.charAt(colon - 1) != ']') {
                return host;
            }
        } else if (host.indexOf(':') != colon) {
            return host; // a bare IPv6 address has no port
        }
        for (int i = colon + 1; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c < '0' || c > '9') {
                return host;
            }
        }
        return host.substring(0, colon);
    }

    /** Collects domains, rejecting any that appears twice. */
    static final class Builder<V> {
        private final Map<String, V> exact = new HashMap<>();
        private final Map<String, V> suffixes = new HashMap<>();
        private final Map<String, V> prefixes = new HashMap<>();
        private final Map<String, String> seen = new HashMap<>();
        private V fallback;
        private boolean ignorePort;

        Builder<V> ignorePort(boolean ignore) {
            this.ignorePort = ignore;
            return this;
        }

        /** Adds {@code domain} for {@code value}; {@code path} names the domain, {@code owner} its virtual host (for errors). */
        void add(String domain, V value, String path, String owner) throws ConfigException {
            if (domain.isEmpty()) {
                throw new ConfigException(path, "must not be empty");
            }
            String d = domain.toLowerCase(Locale.ROOT);
            String previous = seen.putIfAbsent(d, owner);
            if (previous != null) {
                throw new ConfigException(path, "domain '" + domain + "' is already used by virtual host '" + previous
                        + "'; a domain must be unique across the route configuration");
            }
            if (d.equals("*")) {
                fallback = value;
            } else if (d.startsWith("*")) {
                suffixes.put(d.substring(1), value);
            } else if (d.endsWith("*")) {
                prefixes.put(d.substring(0, d.length() - 1), value);
            } else {
                exact.put(d, value);
            }
        }

        DomainIndex<V> build() {
            return new DomainIndex<>(this);
        }
    }
}
