package dev.weft.proxy.lb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A cluster's endpoints grouped by priority, answering "which level serves now, and with which
 * healthy hosts" as health changes. A policy supplies {@code derive} to turn a level's healthy hosts
 * into its own pick state (a schedule, a ring, or the hosts themselves); that state is built once per
 * level for the all-healthy case and otherwise recomputed only after a health change, so a pick in
 * steady state costs one volatile read and allocates nothing.
 *
 * @param <T> the policy's per-level pick state
 */
final class PrioritySet<T> {
    private final Endpoint[][] levels;
    private final List<T> whenAllHealthy;
    private final Function<HealthyHosts, T> derive;
    private volatile Current<T> current;

    private record Current<T>(long epoch, T state) {}

    PrioritySet(List<Endpoint> endpoints, Function<HealthyHosts, T> derive) {
        TreeMap<Integer, List<Endpoint>> byPriority = new TreeMap<>();
        for (Endpoint e : endpoints) {
            byPriority.computeIfAbsent(e.priority(), p -> new ArrayList<>()).add(e);
        }
        this.levels = byPriority.values().stream().map(l -> l.toArray(Endpoint[]::new)).toArray(Endpoint[][]::new);
        this.derive = derive;
        List<T> all = new ArrayList<>(levels.length);
        for (int i = 0; i < levels.length; i++) {
            all.add(derive.apply(new HealthyHosts(i, levels[i])));
        }
        this.whenAllHealthy = List.copyOf(all);
        long epoch = Endpoint.healthEpoch();
        this.current = new Current<>(epoch, compute());
    }

    /** All endpoints of each level, highest priority first; callers must not modify the arrays. */
    Endpoint[][] levels() {
        return levels;
    }

    /** The pick state of the highest-priority level with a healthy host, or null when none has one. */
    T current() {
        // The epoch is read before the health flags: a change racing this computation bumps the
        // epoch past the one stored, so the next call recomputes.
        long epoch = Endpoint.healthEpoch();
        Current<T> c = current;
        if (c.epoch == epoch) {
            return c.state;
        }
        T state = compute();
        current = new Current<>(epoch, state);
        return state;
    }

    private T compute() {
        for (int i = 0; i < levels.length; i++) {
            Endpoint[] level = levels[i];
            if (allHealthy(level)) {
                return whenAllHealthy.get(i);
            }
            Endpoint[] subset = new Endpoint[level.length];
            int n = 0;
            for (Endpoint e : level) {
                if (e.healthy()) {
                    subset[n++] = e;
                }
            }
            if (n > 0) {
                return derive.apply(new HealthyHosts(i, Arrays.copyOf(subset, n)));
            }
        }
        return null;
    }

    private static boolean allHealthy(Endpoint[] level) {
        for (Endpoint e : level) {
            if (!e.healthy()) {
                return false;
            }
        }
        return true;
    }
}
