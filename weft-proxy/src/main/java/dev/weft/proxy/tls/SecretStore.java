package dev.weft.proxy.tls;

import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's TLS secrets by name, from three sources: provided locally ({@link #provideLocally}: the identity
 * agent's workload certificate {@code default}), a static bootstrap's {@code static_resources.secrets}, and SDS
 * over the ADS stream. A name provided locally wins over the other two and is never subscribed to.
 *
 * <p>TLS contexts refer to secrets by name and their key and trust managers read the current secret at each
 * handshake, so a new version (a renewed certificate, a rotated bundle) applies to the next handshake without
 * rebuilding a listener or a cluster; connections already open carry on with what they negotiated.
 *
 * <p>Thread-safe: lookups (on the handshake path) are one volatile read; changes are serialised and then told to
 * the listeners, on the thread that made the change.
 */
public final class SecretStore {
    private static final Logger log = LoggerFactory.getLogger(SecretStore.class);
    /** Versions of a certificate secret whose alias still resolves: a handshake in progress may hold an older one. */
    private static final int ALIASES_KEPT = 4;

    private final Clock clock;
    private final ContextCache contexts = new ContextCache();
    private final List<Consumer<Set<String>>> listeners = new CopyOnWriteArrayList<>();
    /** Resolved view, local over bootstrap over xDS; replaced whole. */
    private volatile Map<String, TlsSecret> current = Map.of();
    private final Map<String, TlsSecret> local = new HashMap<>();
    private final Map<String, TlsSecret> bootstrap = new HashMap<>();
    private Map<String, TlsSecret> xds = Map.of();
    /** Certificate secrets by alias, the latest few versions of each name. */
    private final Map<String, CertificateSecret> byAlias = new ConcurrentHashMap<>();
    private final Map<String, Deque<String>> aliases = new HashMap<>();

    public SecretStore() {
        this(Clock.systemUTC());
    }

    /** @param clock the time certificates are checked at (validity) */
    public SecretStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Provides secret {@code name} from inside the process (the identity agent's {@code default}), replacing any
     * version of it. New handshakes use it at once; the name is no longer subscribed to over SDS.
     *
     * @throws IllegalArgumentException when the secret does not compile (the message names the field) or is named
     *                                  otherwise
     */
    public void provideLocally(String name, Secret secret) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name: empty (expected: the secret's name, such as \"default\")");
        }
        if (!secret.getName().isEmpty() && !secret.getName().equals(name)) {
            throw new IllegalArgumentException("secret \"" + secret.getName() + "\" provided as \"" + name + "\"");
        }
        TlsSecret compiled;
        try {
            compiled = Secrets.compile(secret.toBuilder().setName(name).build(), "Secret[" + name + "]");
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        synchronized (this) {
            local.put(name, compiled);
            publish();
        }
        log.info("secret {} provided locally: {}", name, compiled);
        notifyListeners(Set.of(name));
    }

    /** Replaces the secrets of a static bootstrap ({@code static_resources.secrets}), already compiled. */
    public void putBootstrap(Map<String, TlsSecret> secrets) {
        Set<String> changed;
        synchronized (this) {
            changed = new HashSet<>(bootstrap.keySet());
            changed.addAll(secrets.keySet());
            bootstrap.clear();
            bootstrap.putAll(secrets);
            publish();
        }
        notifyListeners(changed);
    }

    /**
     * Replaces the secrets delivered over SDS with those of the latest accepted response (State of the World:
     * a name missing from it is gone). Names provided locally are not affected.
     */
    public void replaceXds(Map<String, TlsSecret> secrets) {
        Set<String> changed = new HashSet<>();
        synchronized (this) {
            for (String name : union(xds.keySet(), secrets.keySet())) {
                if (xds.get(name) != secrets.get(name)) {
                    changed.add(name);
                }
            }
            xds = Map.copyOf(secrets);
            publish();
        }
        if (!changed.isEmpty()) {
            notifyListeners(changed);
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.addAll(b);
        return s;
    }

    /** Rebuilds the resolved view; caller holds the lock. */
    private void publish() {
        Map<String, TlsSecret> view = new LinkedHashMap<>(xds);
        view.putAll(bootstrap);
        view.putAll(local);
        for (TlsSecret s : view.values()) {
            if (s instanceof CertificateSecret c && byAlias.putIfAbsent(c.alias(), c) == null) {
                Deque<String> kept = aliases.computeIfAbsent(c.name(), n -> new ArrayDeque<>());
                kept.addLast(c.alias());
                while (kept.size() > ALIASES_KEPT) {
                    byAlias.remove(kept.removeFirst());
                }
            }
        }
        current = Collections.unmodifiableMap(view);
    }

    private void notifyListeners(Set<String> changed) {
        Set<String> names = Set.copyOf(changed);
        for (Consumer<Set<String>> l : listeners) {
            try {
                l.accept(names);
            } catch (RuntimeException e) {
                log.warn("a secret listener failed on a change of {}", names, e);
            }
        }
    }

    /** Calls {@code listener} with the names that changed after every change, on the changing thread. */
    public void addListener(Consumer<Set<String>> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Consumer<Set<String>> listener) {
        listeners.remove(listener);
    }

    /** The current version of secret {@code name}, or null. */
    public TlsSecret get(String name) {
        return current.get(name);
    }

    /** Whether secret {@code name} is available (from any source). */
    public boolean has(String name) {
        return current.containsKey(name);
    }

    /** The current certificate secret {@code name}, or null when there is none (or it is a validation_context). */
    public CertificateSecret certificate(String name) {
        return current.get(name) instanceof CertificateSecret c ? c : null;
    }

    /** The current validation secret {@code name}, or null when there is none (or it is a tls_certificate). */
    public ValidationSecret validation(String name) {
        return current.get(name) instanceof ValidationSecret v ? v : null;
    }

    /** A recent version of a certificate secret by its alias, or null once it is too old. */
    CertificateSecret byAlias(String alias) {
        return alias == null ? null : byAlias.get(alias);
    }

    /** Whether secret {@code name} was provided locally (and so is never asked of the control plane). */
    public synchronized boolean isLocal(String name) {
        return local.containsKey(name);
    }

    /** Whether secret {@code name} does not need to come over SDS: provided locally or by the static bootstrap. */
    public synchronized boolean isStaticOrLocal(String name) {
        return local.containsKey(name) || bootstrap.containsKey(name);
    }

    /** The names provided locally. */
    public synchronized Set<String> localNames() {
        return Set.copyOf(local.keySet());
    }

    /** Every secret by name, as handshakes see them now. */
    public Map<String, TlsSecret> snapshot() {
        return current;
    }

    public Clock clock() {
        return clock;
    }

    /** The TLS contexts built over this store, reused across configuration updates. */
    public ContextCache contexts() {
        return contexts;
    }
}
