package dev.weft.proxy.lb;

import dev.weft.proxy.util.XxHash64;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/**
 * RING_HASH: a ketama ring per priority level, built as Envoy builds it, so a request hash maps to
 * the same host for as long as that host is healthy and in the cluster.
 *
 * <p>Each host contributes points {@code xxHash64("<ip>:<port>_<i>")}, in number proportional to
 * its weight, scaled so the lightest host gets a whole number of points and the ring has at least
 * minimum_ring_size and at most maximum_ring_size entries. A hash is served by the first point
 * clockwise from it (wrapping past the end) whose host is healthy. Skipping an unhealthy host's
 * points is what rebuilding the ring without that host would give, so a health change moves only
 * the keys that host held and needs no rebuild. A request without a hash lands on a random point.
 */
final class RingHashLoadBalancer implements LoadBalancer {
    static final long DEFAULT_MINIMUM_RING_SIZE = 1024;
    /** Envoy's default maximum and the largest ring either bound may ask for. */
    static final long MAXIMUM_RING_SIZE = 8 * 1024 * 1024;

    private final PrioritySet<HealthyHosts> priorities;
    private final Ring[] rings;

    RingHashLoadBalancer(List<Endpoint> endpoints, long minimumRingSize, long maximumRingSize) {
        if (minimumRingSize < 1 || minimumRingSize > maximumRingSize || maximumRingSize > MAXIMUM_RING_SIZE) {
            throw new IllegalArgumentException("ring size: " + minimumRingSize + ".." + maximumRingSize
                    + " (expected: 1 <= minimum <= maximum <= " + MAXIMUM_RING_SIZE + ")");
        }
        this.priorities = new PrioritySet<>(endpoints, hosts -> hosts);
        Endpoint[][] levels = priorities.levels();
        this.rings = new Ring[levels.length];
        for (int i = 0; i < levels.length; i++) {
            rings[i] = Ring.build(levels[i], minimumRingSize, maximumRingSize);
        }
    }

    @Override
    public Endpoint choose(OptionalLong hash) {
        HealthyHosts serving = priorities.current();
        if (serving == null) {
            return null;
        }
        long h = hash.isPresent() ? hash.getAsLong() : ThreadLocalRandom.current().nextLong();
        Endpoint e = rings[serving.level()].walk(h);
        if (e != null) {
            return e;
        }
        // Every host of the level went unhealthy after current() looked; that moved the health
        // epoch, so asking again yields the next level with a healthy host, if any.
        serving = priorities.current();
        return serving == null ? null : rings[serving.level()].walk(h);
    }

    /** Number of points of each level's ring, highest priority first: for tests and diagnostics. */
    int[] ringSizes() {
        return Arrays.stream(rings).mapToInt(r -> r.hashes.length).toArray();
    }

    /** Points sorted by unsigned hash, each with the host that owns it. */
    private static final class Ring {
        private final long[] hashes;
        private final Endpoint[] owners;

        private Ring(long[] hashes, Endpoint[] owners) {
            this.hashes = hashes;
            this.owners = owners;
        }

        static Ring build(Endpoint[] hosts, long minimumRingSize, long maximumRingSize) {
            double totalWeight = 0;
            for (Endpoint e : hosts) {
                totalWeight += e.weight();
            }
            double minNormalized = 1.0;
            for (Endpoint e : hosts) {
                minNormalized = Math.min(minNormalized, e.weight() / totalWeight);
            }
            double scale = Math.min(Math.ceil(minNormalized * minimumRingSize) / minNormalized, maximumRingSize);
            int size = (int) Math.ceil(scale);
            long[] pointHashes = new long[size + hosts.length];
            int[] pointOwners = new int[pointHashes.length];
            int n = 0;
            // Running totals, as in Envoy, so that fractional shares add up across hosts rather
            // than each host rounding on its own.
            double current = 0;
            double target = 0;
            for (int h = 0; h < hosts.length; h++) {
                byte[] prefix = (hashKey(hosts[h].address()) + "_").getBytes(StandardCharsets.UTF_8);
                target += scale * (hosts[h].weight() / totalWeight);
                for (int i = 0; current < target && n < pointHashes.length; i++, current++) {
                    pointHashes[n] = XxHash64.hash(withSuffix(prefix, i));
                    pointOwners[n] = h;
                    n++;
                }
            }
            int[] order = sortedByUnsignedValue(pointHashes, n);
            long[] hashes = new long[n];
            Endpoint[] owners = new Endpoint[n];
            for (int i = 0; i < n; i++) {
                hashes[i] = pointHashes[order[i]];
                owners[i] = hosts[pointOwners[order[i]]];
            }
            return new Ring(hashes, owners);
        }

        /** The first healthy host at or clockwise after {@code hash}, null when none is healthy. */
        Endpoint walk(long hash) {
            int start = firstAtOrAfter(hash);
            for (int k = 0; k < owners.length; k++) {
                Endpoint e = owners[(start + k) % owners.length];
                if (e.healthy()) {
                    return e;
                }
            }
            return null;
        }

        private int firstAtOrAfter(long hash) {
            int lo = 0;
            int hi = hashes.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (Long.compareUnsigned(hashes[mid], hash) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo == hashes.length ? 0 : lo;
        }

        /**
         * Indices 0..n-1 ordered by the unsigned value of {@code keys[i]}: a bottom-up merge sort
         * on primitives, because a ring may have millions of points and boxing each would cost more
         * than the ring itself.
         */
        private static int[] sortedByUnsignedValue(long[] keys, int n) {
            int[] a = new int[n];
            int[] b = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = i;
            }
            for (int width = 1; width < n; width *= 2) {
                for (int lo = 0; lo < n; lo += 2 * width) {
                    int mid = Math.min(lo + width, n);
                    int hi = Math.min(lo + 2 * width, n);
                    int i = lo;
                    int j = mid;
                    int k = lo;
                    while (i < mid && j < hi) {
                        b[k++] = Long.compareUnsigned(keys[a[j]], keys[a[i]]) < 0 ? a[j++] : a[i++];
                    }
                    while (i < mid) {
                        b[k++] = a[i++];
                    }
                    while (j < hi) {
                        b[k++] = a[j++];
                    }
                }
                int[] t = a;
                a = b;
                b = t;
            }
            return a;
        }

        private static byte[] withSuffix(byte[] prefix, int i) {
            byte[] digits = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
            byte[] key = Arrays.copyOf(prefix, prefix.length + digits.length);
            System.arraycopy(digits, 0, key, prefix.length, digits.length);
            return key;
        }
    }

    /** The host's address as Envoy prints it: "10.0.0.1:80", "[2001:db8::1]:80". */
    static String hashKey(InetSocketAddress address) {
        if (address.isUnresolved()) {
            return address.getHostString() + ":" + address.getPort();
        }
        InetAddress ip = address.getAddress();
        if (ip instanceof Inet6Address) {
            return "[" + compressIpv6(ip.getAddress()) + "]:" + address.getPort();
        }
        return ip.getHostAddress() + ":" + address.getPort();
    }

    /** RFC 5952 text form (longest run of two or more zero groups as "::"), which Envoy prints. */
    static String compressIpv6(byte[] ip) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (ip[2 * i] & 0xFF) << 8 | (ip[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
