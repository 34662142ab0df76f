package dev.weft.proxy.upstream;

import io.envoyproxy.envoy.config.cluster.v3.Cluster.DnsLookupFamily;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Which of the addresses a name resolved to a DNS cluster uses, per its dns_lookup_family, with
 * Envoy's meaning: one family per lookup unless ALL. Mixing families by default would turn
 * {@code localhost} (127.0.0.1 and ::1) into two endpoints, one of them refused by a server that
 * listens on a single family.
 */
final class DnsLookupFamilies {
    private DnsLookupFamilies() {}

    /** The addresses of {@code resolved} that {@code family} admits, in resolver order; possibly none. */
    static List<InetAddress> select(DnsLookupFamily family, InetAddress[] resolved) {
        return switch (family) {
            case V4_ONLY -> of(resolved, Inet4Address.class);
            case V6_ONLY -> of(resolved, Inet6Address.class);
            case V4_PREFERRED -> preferring(resolved, Inet4Address.class, Inet6Address.class);
            case ALL -> List.of(resolved);
            // AUTO, Envoy's default: IPv6 when the name has an IPv6 address, else IPv4.
            default -> preferring(resolved, Inet6Address.class, Inet4Address.class);
        };
    }

    private static List<InetAddress> preferring(InetAddress[] resolved, Class<? extends InetAddress> first,
            Class<? extends InetAddress> fallback) {
        List<InetAddress> preferred = of(resolved, first);
        return preferred.isEmpty() ? of(resolved, fallback) : preferred;
    }

    private static List<InetAddress> of(InetAddress[] resolved, Class<? extends InetAddress> type) {
        List<InetAddress> out = new ArrayList<>(resolved.length);
        for (InetAddress a : resolved) {
            if (type.isInstance(a)) {
                out.add(a);
            }
        }
        return out;
    }
}
