package dev.weft.controlplane.xds;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the snapshot cache up to date: computes a node's snapshot as soon as its stream names it, and after every
 * store or registry change recomputes the snapshots of all connected nodes. Changes that arrive within the
 * debounce delay of each other are coalesced into one recomputation. A snapshot whose four versions equal the
 * cached one is not set again, so a change that does not concern a node sends it nothing.
 *
 * <p>Snapshots are computed and set under this object's monitor, each from the newest model at that moment, so an
 * older computation never overwrites a newer one.
 */
final class SnapshotPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotPublisher.class);

    private final SimpleCache<String> cache;
    private final Supplier<Translator> translators;
    private final ScheduledExecutorService executor;
    private final Duration debounce;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** Guarded by this. */
    private final Map<String, Node> nodes = new HashMap<>();
    /** Guarded by this: the translator of the newest model, null when a change made it old. */
    private Translator translator;
    private volatile boolean dirty = true;

    /** @param translators a translator of the newest model (store, registry and trust bundle) at each call */
    SnapshotPublisher(SimpleCache<String> cache, Supplier<Translator> translators, ScheduledExecutorService executor,
                      Duration debounce) {
        this.cache = cache;
        this.translators = translators;
        this.executor = executor;
        this.debounce = debounce;
    }

    /** A stream named {@code node}: publish its snapshot now, before the cache answers its first request. */
    synchronized void nodeConnected(NodeInfo node) {
        nodes.merge(node.id(), new Node(node, 1), (old, fresh) -> new Node(node, old.streams + 1));
        publish(node);
    }

    /** A stream of {@code node} ended; the last one's end drops the node's snapshot, and then this returns true. */
    synchronized boolean nodeDisconnected(NodeInfo node) {
        Node entry = nodes.get(node.id());
        if (entry == null) {
            return false;
        }
        if (entry.streams > 1) {
            nodes.put(node.id(), new Node(entry.info, entry.streams - 1));
            return false;
        }
        nodes.remove(node.id());
        cache.clearSnapshot(node.id());
        return true;
    }

    /** Something in the store or registry changed: recompute every node's snapshot shortly. */
    void changed() {
        dirty = true;
        if (scheduled.compareAndSet(false, true)) {
            try {
                executor.schedule(this::refreshAll, debounce.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // the control plane is closing: no proxy is left to push to
                scheduled.set(false);
            }
        }
    }

    private void refreshAll() {
        scheduled.set(false);
        try {
            synchronized (this) {
                translator = null;
                for (Node node : nodes.values()) {
                    publish(node.info);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("recomputing xDS snapshots failed; proxies keep their previous configuration", e);
        }
    }

    private void publish(NodeInfo node) {
        if (translator == null || dirty) {
            // cleared before reading the model, so that a change made while it is read marks it old again
            dirty = false;
            translator = translators.get();
        }
        Snapshot snapshot = translator.snapshot(node);
        Snapshot previous = cache.getSnapshot(node.id());
        if (previous == null || !sameVersions(previous, snapshot)) {
            cache.setSnapshot(node.id(), snapshot);
        }
    }

    private static boolean sameVersions(Snapshot a, Snapshot b) {
        for (Resources.ResourceType type : Resources.RESOURCE_TYPES_IN_ORDER) {
            if (!a.version(type).equals(b.version(type))) {
                return false;
            }
        }
        return true;
    }

    /** A connected node and how many streams it has open. */
    private record Node(NodeInfo info, int streams) {
    }
}
