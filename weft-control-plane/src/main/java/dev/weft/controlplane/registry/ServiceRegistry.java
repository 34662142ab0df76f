package dev.weft.controlplane.registry;

import dev.weft.api.Resource;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.api.registry.ServicePort;
import dev.weft.api.registry.ServiceProtocol;
import dev.weft.api.registry.ServiceSpec;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.store.PersistedInstance;
import dev.weft.controlplane.store.ServiceDirectory;
import dev.weft.controlplane.store.StoreSnapshot;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Services and their instances, from three sources: {@code ServiceInstance} resources (static), the HTTP API, and
 * sidecars (registered while their ADS stream is open). An instance with a TTL stays in the endpoint set while it
 * heartbeats within the TTL; a sidecar's open stream is its heartbeat, and its TTL starts when the stream closes.
 * Expired run-time instances stay listed as EXPIRED for {@link #EXPIRED_RETENTION}, then are forgotten.
 *
 * <p>Time comes from the injected {@link Clock}; {@link #tick()} (called by the control plane's scheduler every
 * {@link #checkInterval()}) turns the passing of time into endpoint-set changes. Run-time instances are persisted
 * through the persister (the store's state file) whenever the set of them changes, not on heartbeats; after a
 * restart each persisted instance gets one TTL of grace, counted from the start, so sidecars can reconnect.
 * Thread-safe; listeners and the persister run outside the registry's lock.
 */
public final class ServiceRegistry implements ServiceDirectory {

    /** How long an expired run-time instance is still listed (as EXPIRED) before it is forgotten. */
    public static final Duration EXPIRED_RETENTION = Duration.ofMinutes(5);
    private static final Duration MIN_CHECK_INTERVAL = Duration.ofMillis(10);
    private static final Duration MAX_CHECK_INTERVAL = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(ServiceRegistry.class);

    private final Clock clock;
    private final Duration sidecarTtl;
    private final Object lock = new Object();
    private final Object persistLock = new Object();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** Guarded by {@link #lock}, keyed "namespace/name". */
    private final Map<String, Entry> entries = new HashMap<>();
    /** Guarded by {@link #lock}, keyed "namespace/name". */
    private Map<String, Resource<ServiceSpec>> declared = Map.of();
    private volatile Persister persister = instances -> { };

    /** Writes the run-time instances somewhere durable. */
    @FunctionalInterface
    public interface Persister {
        void save(List<PersistedInstance> instances) throws IOException;
    }

    /** A registry holding {@code persisted}, whose sidecar instances live {@code sidecarTtl} after their stream. */
    public ServiceRegistry(Clock clock, Duration sidecarTtl, List<PersistedInstance> persisted) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (sidecarTtl.isNegative() || sidecarTtl.isZero()) {
            throw new IllegalArgumentException("sidecarTtl: " + sidecarTtl + " (expected: > 0)");
        }
        this.sidecarTtl = sidecarTtl;
        Instant now = clock.instant();
        for (PersistedInstance p : persisted) {
            InstanceSource source = InstanceSource.fromWireName(p.source());
            entries.put(key(p.namespace(), p.name()), new Entry(p.namespace(), p.name(), source, p.service(),
                    p.address(), p.port(), p.protocol(), p.labels(), p.ttl(), now, 0, true, p.identity()));
        }
    }

    /** Runs {@code listener} whenever the endpoint set or the listing may have changed. */
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    public void setPersister(Persister newPersister) {
        this.persister = Objects.requireNonNull(newPersister);
    }

    public Duration sidecarTtl() {
        return sidecarTtl;
    }

    /** Takes the declared Services and static instances from a store snapshot. */
    public void updateDeclared(StoreSnapshot store) {
        boolean membershipChanged = false;
        synchronized (lock) {
            Map<String, Resource<ServiceSpec>> services = new HashMap<>();
            store.ofType(ServiceSpec.class).forEach(s -> services.put(key(s.metadata().namespace(),
                    s.metadata().name()), s));
            declared = services;
            Map<String, Resource<ServiceInstanceSpec>> statics = new HashMap<>();
            store.ofType(ServiceInstanceSpec.class).forEach(i -> statics.put(key(i.metadata().namespace(),
                    i.metadata().name()), i));
            Instant now = clock.instant();
            var iterator = entries.entrySet().iterator();
            while (iterator.hasNext()) {
                var e = iterator.next();
                if (e.getValue().source == InstanceSource.STATIC && !statics.containsKey(e.getKey())) {
                    iterator.remove();
                }
            }
            for (var e : statics.entrySet()) {
                Resource<ServiceInstanceSpec> r = e.getValue();
                ServiceInstanceSpec spec = r.spec();
                Entry old = entries.get(e.getKey());
                if (old != null && old.source != InstanceSource.STATIC) {
                    membershipChanged = true;
                }
                Instant heartbeat = old != null && old.source == InstanceSource.STATIC ? old.lastHeartbeat : now;
                entries.put(e.getKey(), new Entry(r.metadata().namespace(), r.metadata().name(), InstanceSource.STATIC,
                        spec.service(), spec.address(), spec.port(), spec.protocol(), r.metadata().labels(),
                        spec.ttl(), heartbeat, 0, true, null));
            }
        }
        changed(membershipChanged);
    }

    /**
     * Registers or refreshes a run-time instance ({@code POST /v1/instances}); its labels are
     * {@code metadata.labels}, its TTL {@code spec.ttl} (none: it never expires).
     */
    public void register(Resource<ServiceInstanceSpec> instance) throws DeclaredInstanceException {
        String namespace = instance.metadata().namespace();
        String name = instance.metadata().name();
        ServiceInstanceSpec spec = instance.spec();
        synchronized (lock) {
            Entry old = entries.get(key(namespace, name));
            if (old != null && old.source == InstanceSource.STATIC) {
                throw new DeclaredInstanceException(namespace, name);
            }
            entries.put(key(namespace, name), new Entry(namespace, name, InstanceSource.API, spec.service(),
                    spec.address(), spec.port(), spec.protocol(), instance.metadata().labels(), spec.ttl(),
                    clock.instant(), 0, true, null));
        }
        changed(true);
    }

    /** Refreshes an instance's TTL; false when the registry does not know it (the caller should register again). */
    public boolean heartbeat(String namespace, String name) {
        boolean revived;
        synchronized (lock) {
            Entry old = entries.get(key(namespace, name));
            if (old == null) {
                return false;
            }
            Entry refreshed = old.heartbeat(clock.instant());
            revived = !old.healthy;
            entries.put(key(namespace, name), refreshed.withHealthy(true));
        }
        if (revived) {
            changed(false);
        }
        return true;
    }

    /** Removes a run-time instance; false when there is none of that name. */
    public boolean deregister(String namespace, String name) throws DeclaredInstanceException {
        synchronized (lock) {
            Entry old = entries.get(key(namespace, name));
            if (old == null) {
                return false;
            }
            if (old.source == InstanceSource.STATIC) {
                throw new DeclaredInstanceException(namespace, name);
            }
            entries.remove(key(namespace, name));
        }
        changed(true);
        return true;
    }

    /** A sidecar's ADS stream opened: register it, or count one more stream of it. */
    public void sidecarStreamOpened(SidecarRegistration sidecar) {
        String key = key(sidecar.namespace(), sidecar.name());
        synchronized (lock) {
            Entry old = entries.get(key);
            if (old != null && old.source == InstanceSource.STATIC) {
                LOG.warn("sidecar registration {} not made: a ServiceInstance resource of that name exists", key);
                return;
            }
            int streams = old != null && old.source == InstanceSource.SIDECAR ? old.openStreams + 1 : 1;
            entries.put(key, new Entry(sidecar.namespace(), sidecar.name(), InstanceSource.SIDECAR, sidecar.service(),
                    sidecar.address(), sidecar.port(), sidecar.protocol(), sidecar.labels(), sidecarTtl,
                    clock.instant(), streams, true, sidecar.identity()));
        }
        changed(true);
    }

    /** A request arrived on a sidecar's open stream: it is alive. */
    public void sidecarHeartbeat(String namespace, String name) {
        synchronized (lock) {
            Entry old = entries.get(key(namespace, name));
            if (old != null && old.source == InstanceSource.SIDECAR) {
                entries.put(key(namespace, name), old.heartbeat(clock.instant()));
            }
        }
    }

    /** A sidecar's ADS stream ended: when it was the last, the instance's TTL starts now. */
    public void sidecarStreamClosed(String namespace, String name) {
        synchronized (lock) {
            Entry old = entries.get(key(namespace, name));
            if (old == null || old.source != InstanceSource.SIDECAR) {
                return;
            }
            entries.put(key(namespace, name), old.heartbeat(clock.instant()).withStreams(Math.max(0,
                    old.openStreams - 1)));
        }
    }

    /**
     * Applies the passing of time: refreshes sidecars with open streams, marks instances past their TTL as expired
     * and forgets run-time instances expired longer than {@link #EXPIRED_RETENTION}. Listeners run when something
     * changed.
     */
    public void tick() {
        boolean healthChanged = false;
        boolean membershipChanged = false;
        synchronized (lock) {
            Instant now = clock.instant();
            var iterator = entries.entrySet().iterator();
            while (iterator.hasNext()) {
                var e = iterator.next();
                Entry entry = e.getValue();
                if (entry.openStreams > 0) {
                    e.setValue(entry.heartbeat(now));
                    continue;
                }
                boolean healthy = entry.healthyAt(now);
                if (healthy != entry.healthy) {
                    e.setValue(entry.withHealthy(healthy));
                    healthChanged = true;
                }
                if (!healthy && entry.source != InstanceSource.STATIC
                        && now.isAfter(entry.lastHeartbeat.plus(entry.ttl).plus(EXPIRED_RETENTION))) {
                    iterator.remove();
                    membershipChanged = true;
                }
            }
        }
        if (healthChanged || membershipChanged) {
            changed(membershipChanged);
        }
    }

    /** How often {@link #tick()} must run: a quarter of the shortest TTL, between 10 ms and 1 s. */
    public Duration checkInterval() {
        Duration shortest = sidecarTtl;
        synchronized (lock) {
            for (Entry entry : entries.values()) {
                if (entry.ttl != null && entry.ttl.compareTo(shortest) < 0) {
                    shortest = entry.ttl;
                }
            }
        }
        Duration quarter = shortest.dividedBy(4);
        return quarter.compareTo(MIN_CHECK_INTERVAL) < 0 ? MIN_CHECK_INTERVAL
                : quarter.compareTo(MAX_CHECK_INTERVAL) > 0 ? MAX_CHECK_INTERVAL : quarter;
    }

    @Override
    public boolean hasInstances(String namespace, String service) {
        synchronized (lock) {
            return entries.values().stream().anyMatch(e -> e.source != InstanceSource.STATIC
                    && e.namespace.equals(namespace) && e.service.equals(service));
        }
    }

    /** Every service with its instances, health as of now. */
    public RegistrySnapshot snapshot() {
        Instant now = clock.instant();
        Map<String, List<InstanceView>> instancesByService = new TreeMap<>();
        Map<String, Resource<ServiceSpec>> services;
        synchronized (lock) {
            services = declared;
            for (Entry e : entries.values()) {
                instancesByService.computeIfAbsent(key(e.namespace, e.service), k -> new ArrayList<>())
                        .add(e.view(now));
            }
        }
        TreeSet<String> names = new TreeSet<>(services.keySet());
        names.addAll(instancesByService.keySet());
        List<ServiceView> views = new ArrayList<>();
        for (String name : names) {
            List<InstanceView> instances = new ArrayList<>(instancesByService.getOrDefault(name, List.of()));
            instances.sort(Comparator.comparing(InstanceView::name));
            Resource<ServiceSpec> service = services.get(name);
            int slash = name.indexOf('/');
            views.add(new ServiceView(name.substring(0, slash), name.substring(slash + 1), service != null,
                    service != null ? service.spec().ports() : implicitPorts(instances), instances));
        }
        return new RegistrySnapshot(views);
    }

    /** The run-time instances, as the state file keeps them. */
    public List<PersistedInstance> persistable() {
        synchronized (lock) {
            return entries.values().stream().filter(e -> e.source != InstanceSource.STATIC)
                    .sorted(Comparator.comparing((Entry e) -> e.namespace).thenComparing(e -> e.name))
                    .map(e -> new PersistedInstance(e.namespace, e.name, e.service, e.address, e.port, e.protocol,
                            e.labels, e.ttl, e.source.wireName(), e.identity))
                    .toList();
        }
    }

    private static List<ServicePort> implicitPorts(List<InstanceView> instances) {
        Map<Integer, ServiceProtocol> ports = new TreeMap<>();
        for (InstanceView instance : instances) {
            ports.merge(instance.port(), instance.protocol() == null ? ServiceProtocol.HTTP : instance.protocol(),
                    (a, b) -> a == ServiceProtocol.HTTP ? b : a);
        }
        List<ServicePort> result = new ArrayList<>();
        ports.forEach((port, protocol) -> result.add(new ServicePort(null, port, protocol)));
        return result;
    }

    private void changed(boolean membershipChanged) {
        if (membershipChanged) {
            // the persist lock orders writers so that the last write holds the latest registrations
            synchronized (persistLock) {
                try {
                    persister.save(persistable());
                } catch (IOException e) {
                    LOG.error("cannot persist registry instances; they are kept in memory", e);
                }
            }
        }
        listeners.forEach(Runnable::run);
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    /** One instance's registration; replaced, never mutated. {@code healthy} is the health last reported. */
    private record Entry(String namespace, String name, InstanceSource source, String service, String address,
                         int port, ServiceProtocol protocol, Map<String, String> labels, Duration ttl,
                         Instant lastHeartbeat, int openStreams, boolean healthy, SpiffeId identity) {

        Entry {
            labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
        }

        boolean healthyAt(Instant now) {
            return openStreams > 0 || ttl == null || !now.isAfter(lastHeartbeat.plus(ttl));
        }

        Entry heartbeat(Instant now) {
            return new Entry(namespace, name, source, service, address, port, protocol, labels, ttl, now, openStreams,
                    healthy, identity);
        }

        Entry withStreams(int streams) {
            return new Entry(namespace, name, source, service, address, port, protocol, labels, ttl, lastHeartbeat,
                    streams, healthy, identity);
        }

        Entry withHealthy(boolean nowHealthy) {
            return new Entry(namespace, name, source, service, address, port, protocol, labels, ttl, lastHeartbeat,
                    openStreams, nowHealthy, identity);
        }

        InstanceView view(Instant now) {
            return new InstanceView(namespace, name, service, address, port, protocol, labels,
                    healthyAt(now) ? InstanceHealth.HEALTHY : InstanceHealth.EXPIRED, source,
                    ttl == null && source != InstanceSource.SIDECAR ? null : lastHeartbeat, identity);
        }
    }
}
