package dev.weft.proxy.upstream;

import dev.weft.proxy.config.ClusterSpec;
import dev.weft.proxy.config.EndpointSpec;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.stats.Stats;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the run-time clusters and keeps DNS clusters resolved. STRICT_DNS uses every address a name
 * resolves to in the cluster's dns_lookup_family; LOGICAL_DNS only the first. Name resolution
 * blocks, so it runs on its own thread, never on an event loop.
 *
 * <p>The cluster map is read by every request with one volatile read; a config update replaces it
 * in two steps ({@link #update}, then {@link Transition#commit}) so that while listeners switch to
 * new route tables, both the old and the new routes find their clusters.
 */
public final class ClusterManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterManager.class);

    private final Stats stats;
    private volatile Map<String, UpstreamCluster> clusters = Map.of();
    /** DNS refresh tasks by cluster; guarded by this. */
    private final Map<UpstreamCluster, ScheduledFuture<?>> refreshes = new IdentityHashMap<>();
    /** Created with the first DNS cluster; guarded by this. */
    private ScheduledExecutorService dns;
    private boolean closed;

    public ClusterManager(Stats stats) {
        this.stats = stats;
    }

    /** The cluster of that name, or null. */
    public UpstreamCluster get(String name) {
        return clusters.get(name);
    }

    public Map<String, UpstreamCluster> clusters() {
        return clusters;
    }

    /**
     * Starts moving to {@code specs}. A cluster whose spec is the same object, or differs only in
     * its endpoints, is kept (with its pools and in-flight counts) and gets the new endpoints at
     * once; a new or changed one is built and published next to the old clusters. Removals and
     * replacements take effect on {@link Transition#commit}.
     */
    public synchronized Transition update(Map<String, ClusterSpec> specs) {
        Map<String, UpstreamCluster> current = clusters;
        Map<String, UpstreamCluster> next = new LinkedHashMap<>();
        Map<String, UpstreamCluster> union = new LinkedHashMap<>(current);
        List<UpstreamCluster> retired = new ArrayList<>();
        Map<UpstreamCluster, Set<InetSocketAddress>> goneEndpoints = new IdentityHashMap<>();
        for (ClusterSpec spec : specs.values()) {
            UpstreamCluster old = current.get(spec.name());
            if (old != null && (old.spec() == spec
                    || (sameSettings(old.spec(), spec) && old.spec().endpoints().equals(spec.endpoints())))) {
                // unchanged: the balancer keeps its state (a round-robin position, a ring)
                next.put(spec.name(), old);
            } else if (old != null && sameSettings(old.spec(), spec)) {
                Resolved endpoints = resolve(spec, old.endpoints());
                Set<InetSocketAddress> gone = addresses(old.endpoints());
                gone.removeAll(addresses(endpoints.endpoints()));
                old.update(spec, endpoints);
                if (!gone.isEmpty()) {
                    goneEndpoints.put(old, gone);
                }
                next.put(spec.name(), old);
            } else {
                UpstreamCluster c = new UpstreamCluster(spec, new ClusterStats(stats, spec.name()), resolve(spec, List.of()));
                next.put(spec.name(), c);
                union.put(spec.name(), c);
                if (old != null) {
                    retired.add(old);
                }
            }
        }
        for (UpstreamCluster c : current.values()) {
            if (!specs.containsKey(c.name())) {
                retired.add(c);
            }
        }
        clusters = Collections.unmodifiableMap(union);
        return new Transition(Collections.unmodifiableMap(next), retired, goneEndpoints);
    }

    /** A cluster update begun by {@link #update}: what to publish last, and what it leaves behind. */
    public final class Transition {
        private final Map<String, UpstreamCluster> next;
        private final List<UpstreamCluster> retired;
        private final Map<UpstreamCluster, Set<InetSocketAddress>> goneEndpoints;

        private Transition(Map<String, UpstreamCluster> next, List<UpstreamCluster> retired,
                Map<UpstreamCluster, Set<InetSocketAddress>> goneEndpoints) {
            this.next = next;
            this.retired = List.copyOf(retired);
            this.goneEndpoints = goneEndpoints;
        }

        /** Publishes exactly the new clusters: removed names are gone, replaced clusters retired. */
        public void commit() {
            synchronized (ClusterManager.this) {
                clusters = next;
                for (UpstreamCluster c : retired) {
                    c.retire();
                    ScheduledFuture<?> f = refreshes.remove(c);
                    if (f != null) {
                        f.cancel(false);
                    }
                }
                scheduleDnsRefresh();
            }
        }

        /** Clusters removed or replaced: their pools close once their in-flight requests end. */
        public List<UpstreamCluster> retired() {
            return retired;
        }

        /** Per kept cluster, the endpoint addresses it no longer has. */
        public Map<UpstreamCluster, Set<InetSocketAddress>> goneEndpoints() {
            return goneEndpoints;
        }
    }

    /** Whether two specs of one name differ at most in their endpoints. */
    private static boolean sameSettings(ClusterSpec a, ClusterSpec b) {
        return a.type() == b.type()
                && a.proto().toBuilder().clearLoadAssignment().build().equals(b.proto().toBuilder().clearLoadAssignment().build());
    }

    private static Set<InetSocketAddress> addresses(List<Endpoint> endpoints) {
        Set<InetSocketAddress> out = new HashSet<>();
        for (Endpoint e : endpoints) {
            out.add(e.address());
        }
        return out;
    }

    private void scheduleDnsRefresh() {
        if (closed) {
            return;
        }
        for (UpstreamCluster c : clusters.values()) {
            ClusterSpec.DiscoveryType type = c.spec().type();
            if ((type == ClusterSpec.DiscoveryType.STRICT_DNS || type == ClusterSpec.DiscoveryType.LOGICAL_DNS)
                    && !refreshes.containsKey(c)) {
                if (dns == null) {
                    dns = Executors.newSingleThreadScheduledExecutor(r -> {
                        Thread t = new Thread(r, "weft-dns");
                        t.setDaemon(true);
                        return t;
                    });
                }
                long every = Math.max(100, c.spec().dnsRefreshMillis());
                refreshes.put(c, dns.scheduleWithFixedDelay(() -> refresh(c), every, every, TimeUnit.MILLISECONDS));
            }
        }
    }

    private static void refresh(UpstreamCluster c) {
        try {
            ClusterSpec spec = c.spec();
            Resolved next = resolve(spec, c.endpoints());
            if (!sameAddresses(next.endpoints(), c.endpoints()) && c.refreshEndpoints(spec, next)) {
                log.info("cluster {}: endpoints now {}", c.name(), next.endpoints().stream().map(Endpoint::address).toList());
            }
        } catch (RuntimeException e) {
            log.warn("cluster {}: DNS refresh failed: {}", c.name(), e.toString());
        }
    }

    /**
     * A cluster's resolved endpoints and, when the cluster has transport_socket_matches, the index of the
     * transport each uses (by identity; absent means the cluster's own transport_socket).
     */
    record Resolved(List<Endpoint> endpoints, Map<Endpoint, Integer> transports) {}

    /**
     * Resolves the spec's endpoints, keeping the Endpoint objects of addresses already known (with
     * the same weight, priority and health) so their in-flight counts survive a refresh or an EDS
     * update. A name that does not resolve contributes nothing (and is logged); the previous
     * addresses of a failed lookup are kept.
     */
    static Resolved resolve(ClusterSpec spec, List<Endpoint> previous) {
        Map<InetSocketAddress, Endpoint> known = new HashMap<>();
        for (Endpoint e : previous) {
            known.put(e.address(), e);
        }
        List<Endpoint> out = new ArrayList<>();
        Map<Endpoint, Integer> transports = new IdentityHashMap<>();
        for (EndpointSpec es : spec.endpoints()) {
            int transport = spec.transportSocketMatches().isEmpty() ? -1 : spec.transportIndex(es);
            int before = out.size();
            resolveOne(spec, es, known, previous, out);
            if (transport >= 0) {
                for (int i = before; i < out.size(); i++) {
                    transports.put(out.get(i), transport);
                }
            }
        }
        return new Resolved(out, transports.isEmpty() ? Map.of() : Collections.unmodifiableMap(transports));
    }

    /** Adds the endpoints of {@code es} to {@code out}. */
    private static void resolveOne(ClusterSpec spec, EndpointSpec es, Map<InetSocketAddress, Endpoint> known,
            List<Endpoint> previous, List<Endpoint> out) {
        List<InetAddress> addrs;
        try {
            List<InetAddress> all = DnsLookupFamilies.select(spec.proto().getDnsLookupFamily(),
                    InetAddress.getAllByName(es.host()));
            if (all.isEmpty()) {
                throw new UnknownHostException("no address of family " + spec.proto().getDnsLookupFamily());
            }
            addrs = spec.type() == ClusterSpec.DiscoveryType.LOGICAL_DNS ? List.of(all.get(0)) : all;
        } catch (UnknownHostException e) {
            log.warn("cluster {}: cannot resolve {}: {}", spec.name(), es.host(), e.getMessage());
            for (Endpoint p : previous) {
                if (p.address().getPort() == es.port() && es.host().equals(p.address().getHostString())) {
                    out.add(p);
                }
            }
            return;
        }
        for (InetAddress a : addrs) {
            InetSocketAddress sa = new InetSocketAddress(a, es.port());
            Endpoint e = known.get(sa);
            out.add(e != null && e.weight() == es.weight() && e.priority() == es.priority() && e.healthy() == es.healthy()
                    && e.workload().equals(es.workload())
                    ? e : new Endpoint(sa, es.weight(), es.priority(), es.healthy(), es.workload()));
        }
    }

    private static boolean sameAddresses(List<Endpoint> a, List<Endpoint> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (dns != null) {
            dns.shutdownNow();
        }
    }
}
