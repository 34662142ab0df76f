package dev.weft.proxy.upstream;

import dev.weft.proxy.config.ClusterSpec;
import dev.weft.proxy.config.EndpointSpec;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.stats.Stats;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the run-time clusters of a snapshot and keeps DNS clusters resolved. STRICT_DNS uses every
 * address a name resolves to in the cluster's dns_lookup_family; LOGICAL_DNS only the first. Name
 * resolution blocks, so it runs on its own thread, never on an event loop.
 */
public final class ClusterManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterManager.class);

    private final Map<String, UpstreamCluster> clusters;
    private final ScheduledExecutorService dns;

    public ClusterManager(Map<String, ClusterSpec> specs, Stats stats) {
        ScheduledExecutorService resolver = null;
        Map<String, UpstreamCluster> built = new LinkedHashMap<>();
        for (ClusterSpec spec : specs.values()) {
            built.put(spec.name(), new UpstreamCluster(spec, new ClusterStats(stats, spec.name()), resolve(spec, List.of())));
            if (spec.type() != ClusterSpec.DiscoveryType.STATIC && resolver == null) {
                resolver = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "weft-dns");
                    t.setDaemon(true);
                    return t;
                });
            }
        }
        this.clusters = Map.copyOf(built);
        this.dns = resolver;
        if (dns != null) {
            for (UpstreamCluster c : clusters.values()) {
                if (c.spec().type() != ClusterSpec.DiscoveryType.STATIC) {
                    long every = Math.max(100, c.spec().dnsRefreshMillis());
                    dns.scheduleWithFixedDelay(() -> refresh(c), every, every, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    /** The cluster of that name, or null. */
    public UpstreamCluster get(String name) {
        return clusters.get(name);
    }

    public Map<String, UpstreamCluster> clusters() {
        return clusters;
    }

    private static void refresh(UpstreamCluster c) {
        try {
            List<Endpoint> next = resolve(c.spec(), c.endpoints());
            if (!sameAddresses(next, c.endpoints())) {
                c.updateEndpoints(next);
                log.info("cluster {}: endpoints now {}", c.name(), next.stream().map(Endpoint::address).toList());
            }
        } catch (RuntimeException e) {
            log.warn("cluster {}: DNS refresh failed: {}", c.name(), e.toString());
        }
    }

    /**
     * Resolves the spec's endpoints, keeping the Endpoint objects of addresses already known so
     * their in-flight counts survive a refresh. A name that does not resolve contributes nothing
     * (and is logged); the previous addresses of a failed lookup are kept.
     */
    static List<Endpoint> resolve(ClusterSpec spec, List<Endpoint> previous) {
        Map<InetSocketAddress, Endpoint> known = new HashMap<>();
        for (Endpoint e : previous) {
            known.put(e.address(), e);
        }
        List<Endpoint> out = new ArrayList<>();
        for (EndpointSpec es : spec.endpoints()) {
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
                continue;
            }
            for (InetAddress a : addrs) {
                InetSocketAddress sa = new InetSocketAddress(a, es.port());
                Endpoint e = known.get(sa);
                out.add(e != null && e.weight() == es.weight() && e.priority() == es.priority()
                        ? e : new Endpoint(sa, es.weight(), es.priority(), es.healthy()));
            }
        }
        return out;
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
    public void close() {
        if (dns != null) {
            dns.shutdownNow();
        }
    }
}
